"""Moodle XML as Moodle reads it: Moodle's own files, images (files and the legacy
<image_base64>), links, per-answer feedback, weights, names, what is not kept, Moodle's grade
list, 不定项, and the round trip of everything kept, images included."""

import base64
import io
from pathlib import Path

import pytest
from PIL import Image

from exams.formats.base import ExportQuestion, FormatError, ParsedImage, ParsedOption
from exams.formats.moodle import (
    BAD_FILE,
    MULTIPLE_NEEDS_A_CORRECT,
    NOT_KEPT_MARKDOWN,
    invalid_grade_message,
)
from exams.formats.moodle_xml import export_moodle_xml, parse_moodle_xml

MOODLE = Path(__file__).parent / "fixtures" / "moodle" / "xml"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 24
OTHER_PNG = b"\x89PNG\r\n\x1a\n" + b"\x01" * 24


def read(name: str):
    return parse_moodle_xml((MOODLE / name).read_bytes())


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def question_xml(body: str, qtype: str = "multichoice") -> bytes:
    return f'<quiz><question type="{qtype}">{body}</question></quiz>'.encode()


# Moodle's own files -------------------------------------------------------------------------


def test_moodles_multichoice_fixture_keeps_answer_images_feedback_and_lists_the_rest():
    result = read("multichoice.xml")
    assert result.errors == [] and result.skipped == []
    (q,) = result.questions
    assert (q.position, q.kind, q.name) == ("第 2 题（第 12 行）", "single", "Greeting")
    assert q.topic == "Default for testhead/Multichoice"
    assert q.text_format == "html"
    # The link pointed at the attached mp3, which is not an image: the text stays, the file
    # is listed; so is the retry penalty of 10 %.
    assert q.stem == "<p>Listen to this greeting:<br><br>What language is being spoken?</p>"
    assert q.not_kept == [
        "未保留：每次重新作答扣分 10%",
        "未保留：文件“bonjour.mp3”（不是 PNG、JPEG、GIF 或 WebP 图片）",
    ]
    assert [(o.correct, o.fraction, o.feedback) for o in q.options] == [
        (False, 0.0, "<p>Sorry, listen again.</p>"),
        (True, 1.0, "<p>Yes, well done!</p>"),
        (False, 0.0, "<p>Sorry, listen again.</p>"),
        (False, 0.0, "<p>Sorry, listen again.</p>"),
    ]
    assert q.options[1].text == (
        '<p><img src="@@PLUGINFILE@@/flag-france.jpg" alt="French flag" width="30" height="20">'
        " French</p>"
    )
    assert [(i.name, i.alt) for i in q.images] == [
        ("flag-uk.jpg", "British Flag"),
        ("flag-france.jpg", "French flag"),
        ("flag-german.jpg", "German flag"),
        ("flag-denmark.jpg", "Denmark flag"),
    ]
    for image in q.images:  # the pictures themselves, decoded from base64
        assert Image.open(io.BytesIO(image.data)).size == (30, 20)


def test_moodles_legacy_image_tag_becomes_an_image_in_the_stem():
    result = read("sample_questions_with_old_image_tag.xml")
    assert [(s.position, s.reason) for s in result.skipped] == [
        ("第 2 题（第 16 行）", "不支持的题型：完形填空题（cloze/multianswer）"),
    ]
    (q,) = result.questions
    assert (q.kind, q.name, q.topic) == (
        "single",
        "mcq with image",
        "Default for Test images in backup",
    )
    assert q.stem == (
        'This is a multichoice question with an image in the old "image" field that was used in '
        'Moodle 1.9 <img src="@@PLUGINFILE@@/moodle.png" alt="">'
    )
    (image,) = q.images
    assert image.name == "moodle.png"
    assert Image.open(io.BytesIO(image.data)).size == (16, 16)
    assert [(o.text, o.correct) for o in q.options] == [
        ("wrong answer", False),
        ("another wrong answer", False),
        ("right answer", True),
    ]


def test_moodles_invalid_grades_fixture_is_refused_as_moodle_refuses_it():
    result = read("error_invalid_grades.xml")
    assert result.questions == []
    name = "Question with <strong>invalid grades</strong> : x > 1 & x < 2"
    # 33 is not a Moodle grade; 33.33333 is (a third), and -50 is.
    assert result.errors == [FormatError("第 1 题（第 4 行）", invalid_grade_message(name, [0.33]))]
    assert result.errors[0].message.startswith(
        f"题目“{name}”的答案分值 33% 不在 Moodle 允许的分值之列"
    )


def test_moodles_nested_categories_become_topic_paths_and_essays_short_answers():
    result = read("nested_categories_with_questions.xml")
    assert result.errors == [] and result.skipped == []
    assert [(q.name, q.kind, q.topic) for q in result.questions] == [
        ("Iota Question", "true_false", "Iota"),
        ("Kappa Essay Question", "short_answer", "Iota/Kappa"),
        ("Kappa Question", "true_false", "Iota/Kappa"),
        ("Lambda Question", "true_false", "Iota/Kappa/Lambda"),
        ("Mu Question", "true_false", "Iota/Mu"),
    ]
    # No 法条 tags in Moodle's files: they come in without citations (drafts, later).
    assert {q.citations for q in result.questions} == {""}
    assert [(c.criterion, c.points) for c in result.questions[1].rubric] == [
        ("按参考答案评分", "1")
    ]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("old_format_file.xml", [("Pi Question", "Pi", []), ("Rho Question", "Pi/Rho", [])]),
        ("html_chars_in_idnumbers.xml", [("Alpha Question", "Alpha", ["未保留：ID 编号“T & F”"])]),
    ],
)
def test_moodles_other_fixtures(name, expected):
    result = read(name)
    assert result.errors == [] and result.skipped == []
    assert [(q.name, q.topic, q.not_kept) for q in result.questions] == expected
    assert all(q.answer_true is True for q in result.questions)


# Images, links, feedback, what is not kept ------------------------------------------------


def test_files_in_every_field_links_and_what_cannot_be_shown():
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    body = f"""<name><text>看图题</text></name>
    <questiontext format="html"><text><![CDATA[<p>看图<img src="@@PLUGINFILE@@/map%20one.png"
      alt="地图"><img src="https://tracker.example/x.png"><img src="@@PLUGINFILE@@/gone.png"></p>]]>
      </text><file name="map one.png" path="/" encoding="base64">{b64(PNG)}</file>
      <file name="evil.svg" path="/" encoding="base64">{b64(svg)}</file></questiontext>
    <generalfeedback format="html"><text><![CDATA[<p>见<img src="@@PLUGINFILE@@/map%20one.png"
      alt="另一张"> <a href="https://www.npc.gov.cn/">全国人大网</a>
      <a href="javascript:alert(1)">脚本</a></p>]]></text>
      <file name="map one.png" path="/" encoding="base64">{b64(OTHER_PNG)}</file></generalfeedback>
    <defaultgrade>2</defaultgrade><penalty>0.3333333</penalty><hidden>1</hidden>
    <idnumber>XZ-9</idnumber><single>true</single><shuffleanswers>0</shuffleanswers>
    <correctfeedback format="html"><text>全对</text></correctfeedback>
    <answer fraction="100" format="html"><text>甲</text><feedback format="html"><text><![CDATA[
      <p>对<img src="@@PLUGINFILE@@/ok.png" alt="勾"></p>]]></text>
      <file name="ok.png" encoding="base64">{b64(PNG)}</file></feedback></answer>
    <answer fraction="-50" format="plain_text"><text>乙 &lt; 丙</text>
      <feedback format="html"><text>不对</text></feedback></answer>
    <hint format="html"><text>想想第九条</text></hint>
    <tags><tag><text>法条:行政处罚法第九条</text></tag><tag><text>练习</text></tag></tags>"""
    result = parse_moodle_xml(question_xml(body))
    assert result.errors == []
    (q,) = result.questions
    assert (q.name, q.kind, q.text_format, q.citations) == (
        "看图题",
        "single",
        "html",
        "行政处罚法第九条",
    )
    assert q.stem == '<p>看图<img src="@@PLUGINFILE@@/map_one.png" alt="地图"></p>'
    # The general feedback's own "map one.png" is another picture: it gets its own name.
    assert q.explanation == (
        '<p>见<img src="@@PLUGINFILE@@/map_one-2.png" alt="另一张"> '
        '<a href="https://www.npc.gov.cn/" rel="noopener noreferrer">全国人大网</a>\n      脚本</p>'
    )
    assert q.options == [
        ParsedOption("甲", True, 1.0, '<p>对<img src="@@PLUGINFILE@@/ok.png" alt="勾"></p>'),
        ParsedOption("乙 &lt; 丙", False, -0.5, "不对"),
    ]
    assert [(i.name, i.data, i.alt) for i in q.images] == [
        ("map_one.png", PNG, "地图"),
        ("map_one-2.png", OTHER_PNG, "另一张"),
        ("ok.png", PNG, "勾"),
    ]
    assert q.not_kept == [
        "未保留：标签“练习”",
        "未保留：ID 编号“XZ-9”",
        "未保留：在 Moodle 中为隐藏题目",
        "未保留：答对时的总体反馈“全对”",
        "未保留：提示“想想第九条”",
        "未保留：每题分值 2",
        "未保留：文件“evil.svg”（不是 PNG、JPEG、GIF 或 WebP 图片）",
        "未保留：外部图片“https://tracker.example/x.png”（考试页面不加载其他网站的图片）",
        "未保留：图片“gone.png”（文件中没有这张图片的内容）",
        "未保留：选项不打乱顺序（是否打乱由考试设置决定）",
    ]


def test_a_file_that_is_not_base64_is_an_error_for_its_question():
    body = """<questiontext format="html"><text>题</text>
      <file name="a.png" encoding="base64">@@@不是base64@@@</file></questiontext>
      <answer fraction="100"><text>甲</text></answer><answer fraction="0"><text>乙</text></answer>"""
    result = parse_moodle_xml(question_xml(body))
    assert result.errors == [FormatError("第 1 题（第 1 行）", BAD_FILE % {"name": "a.png"})]


def test_plain_text_and_markdown_are_text():
    body = """<questiontext format="plain_text"><text>a &lt;b&gt;b&lt;/b&gt; 与 @@PLUGINFILE@@/x.png</text>
      </questiontext><generalfeedback format="markdown"><text>**解析**</text></generalfeedback>
      <answer fraction="100"><text>甲</text></answer><answer fraction="0"><text>乙</text></answer>"""
    (q,) = parse_moodle_xml(question_xml(body)).questions
    assert (q.text_format, q.stem, q.explanation) == (
        "text",
        "a <b>b</b> 与 @@PLUGINFILE@@/x.png",
        "**解析**",
    )
    assert q.not_kept == [NOT_KEPT_MARKDOWN]


def test_true_false_answer_feedback_is_listed_as_not_kept():
    body = """<questiontext format="html"><text>宪法是根本法。</text></questiontext>
      <answer fraction="100"><text>true</text><feedback><text>对，见序言</text></feedback></answer>
      <answer fraction="0"><text>false</text><feedback><text>错</text></feedback></answer>"""
    (q,) = parse_moodle_xml(question_xml(body, "truefalse")).questions
    assert q.answer_true is True
    assert q.not_kept == [
        "未保留：判断题选“对”时的反馈“对，见序言”",
        "未保留：判断题选“错”时的反馈“错”",
    ]


# 不定项 and grades ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fractions", "kind", "indefinite"),
    [(("100", "0", "0"), "multiple", True), (("50", "50", "-100"), "multiple", False)],
)
def test_multiple_answer_questions(fractions, kind, indefinite):
    answers = "".join(
        f'<answer fraction="{f}"><text>{t}</text></answer>'
        for f, t in zip(fractions, "甲乙丙", strict=True)
    )
    body = f"<questiontext><text>题</text></questiontext><single>false</single>{answers}"
    (q,) = parse_moodle_xml(question_xml(body)).questions
    assert (q.kind, q.indefinite) == (kind, indefinite)


def test_multiple_answer_question_without_a_correct_answer_is_an_error():
    body = """<questiontext><text>题</text></questiontext><single>false</single>
      <answer fraction="0"><text>甲</text></answer><answer fraction="-100"><text>乙</text></answer>"""
    result = parse_moodle_xml(question_xml(body))
    assert result.errors == [FormatError("第 1 题（第 1 行）", MULTIPLE_NEEDS_A_CORRECT)]


@pytest.mark.parametrize(
    ("raw", "kept"), [("33.33333", 0.3333333), ("33.3333", 0.3333333), ("-12.5", -0.125)]
)
def test_grades_within_moodles_tolerance(raw, kept):
    body = f"""<name><text>三分之一</text></name><questiontext><text>题</text></questiontext>
      <single>true</single><answer fraction="100"><text>甲</text></answer>
      <answer fraction="{raw}"><text>乙</text></answer>"""
    (q,) = parse_moodle_xml(question_xml(body)).questions
    assert q.options[1].fraction == kept


def test_grade_0_33_is_refused_naming_the_question():
    body = """<name><text>三分之一</text></name><questiontext><text>题</text></questiontext>
      <answer fraction="100"><text>甲</text></answer><answer fraction="0.33"><text>乙</text></answer>"""
    result = parse_moodle_xml(question_xml(body))
    assert result.errors == [
        FormatError("第 1 题（第 1 行）", invalid_grade_message("三分之一", [0.0033]))
    ]
    assert "题目“三分之一”的答案分值 0.33% 不在" in result.errors[0].message


# Export and the round trip -----------------------------------------------------------------


def as_export(q) -> ExportQuestion:
    return ExportQuestion(
        kind=q.kind,
        stem=q.stem,
        options=q.options,
        answer_true=q.answer_true,
        explanation=q.explanation,
        difficulty=q.difficulty or 1,
        topic=q.topic,
        citations=q.citations,
        name=q.name,
        model_answer=q.model_answer,
        rubric=q.rubric,
        indefinite=q.indefinite,
        images=q.images,
    )


def comparable(q) -> tuple:
    return (
        q.kind,
        q.name,
        q.stem,
        [(o.text, o.correct, o.fraction, o.feedback) for o in q.options],
        q.answer_true,
        q.explanation,
        q.topic,
        q.citations,
        q.indefinite,
        [(i.name, i.data) for i in q.images],
    )


BANK = [
    ExportQuestion(
        kind="single",
        stem='<p>图中标出的是哪一级行政区划？<img src="@@PLUGINFILE@@/map.png" alt="地图"></p>',
        options=[
            ParsedOption("<p>省</p>", False, -0.5, "<p>不对</p>"),
            ParsedOption('<p><img src="@@PLUGINFILE@@/city.png" alt="市"> 设区的市</p>', True, 1.0),
            ParsedOption(
                "<p>县</p>",
                False,
                0.25,
                '<p>接近，见<img src="@@PLUGINFILE@@/hint.png" alt=""></p>',
            ),
        ],
        answer_true=None,
        explanation='<p>见<a href="https://www.gov.cn/" rel="noopener noreferrer">中国政府网</a>'
        '<img src="@@PLUGINFILE@@/map.png" alt="地图"></p>',
        difficulty=3,
        topic="宪法/国家机构",
        citations="宪法第三十条",
        name="行政区划",
        images=[
            ParsedImage("map.png", PNG),
            ParsedImage("city.png", OTHER_PNG),
            ParsedImage("hint.png", b"GIF89a" + b"\x00" * 10),
        ],
    ),
    ExportQuestion(
        kind="multiple",
        stem="下列属于行政法规的是：",
        options=[
            ParsedOption("行政复议法实施条例", True, 1.0, "对"),
            ParsedOption("宪法", False, 0.0),
            ParsedOption("刑法", False, -1.0, "这是法律"),
        ],
        answer_true=None,
        explanation="",
        difficulty=2,
        topic="行政法",
        citations="",
        name="不定项",
        indefinite=True,
    ),
]


def test_xml_round_trip_keeps_images_feedback_weights_names_and_indefinite():
    data = export_moodle_xml(BANK)
    # Moodle's own form: base64 <file> elements in the field that shows the image.
    assert f'<file name="map.png" path="/" encoding="base64">{b64(PNG)}</file>'.encode() in data
    assert data.count(b'<file name="map.png"') == 2  # the stem and the general feedback
    result = parse_moodle_xml(data)
    assert result.errors == [] and result.skipped == []
    assert [comparable(q) for q in result.questions] == [comparable(q) for q in BANK]
    assert [q.not_kept for q in result.questions] == [[], []]
    assert [i.alt for i in result.questions[0].images] == ["地图", "市", ""]


def test_moodles_own_file_survives_our_export():
    original = read("multichoice.xml").questions
    again = parse_moodle_xml(export_moodle_xml([as_export(q) for q in original]))
    assert again.errors == []
    assert [comparable(q) for q in again.questions] == [comparable(q) for q in original]


def test_essay_variants():
    written = """<questiontext><text>论述依法行政的基本要求。</text></questiontext>
      <defaultgrade>20</defaultgrade><responseformat>editor</responseformat>
      <attachments>2</attachments><responsetemplate><text>一、……</text></responsetemplate>"""
    upload_only = """<questiontext><text>上传你的案卷评查报告。</text></questiontext>
      <responseformat>noinline</responseformat><attachments>1</attachments>"""
    data = (
        f'<quiz><question type="essay">{written}</question>'
        f'<question type="essay">{upload_only}</question></quiz>'
    ).encode()
    result = parse_moodle_xml(data)
    (q,) = result.questions
    assert q.kind == "short_answer"
    assert [(c.criterion, c.points) for c in q.rubric] == [("按参考答案评分", "20")]
    assert q.not_kept == ["未保留：上传附件作答（最多 2 个附件）", "未保留：作答模板“一、……”"]
    assert [(s.position, s.reason) for s in result.skipped] == [
        (
            "第 2 题（第 3 行）",
            "不支持的题型：只能上传附件作答的论述题（essay，responseformat noinline）",
        )
    ]
