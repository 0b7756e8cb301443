"""Moodle XML import: safe parsing, sanitised HTML, grades, tags and what is left out."""

from pathlib import Path

import pytest

from exams.formats.base import FormatError, ParsedOption, SkippedQuestion
from exams.formats.moodle import (
    DIFFICULTY_INVALID,
    SINGLE_NEEDS_ONE_CORRECT,
)
from exams.formats.moodle_xml import (
    BAD_FRACTION,
    MALFORMED_XML,
    MISSING_TYPE,
    NOT_MOODLE_XML,
    TRUE_FALSE_UNCLEAR,
    UNSAFE_XML,
    UNSUPPORTED_ENCODING,
    parse_moodle_xml,
)

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def sample():
    return parse_moodle_xml((DATA / "sample.xml").read_bytes())


def test_sample_imports_supported_questions(sample):
    assert [(q.position, q.kind, q.topic) for q in sample.questions] == [
        ("第 2 题（第 15 行）", "single", "行政法/行政复议"),
        ("第 3 题（第 58 行）", "multiple", "行政法/行政复议"),
        ("第 4 题（第 93 行）", "true_false", "行政法/行政复议"),
        ("第 8 题（第 137 行）", "short_answer", "行政法/行政复议"),  # an essay
        ("第 13 题（第 164 行）", "single", "宪法"),
        ("第 15 题（第 184 行）", "multiple", "宪法"),  # one correct answer: 不定项
    ]
    assert sample.questions[-1].indefinite is True


def test_html_from_cdata_keeps_only_simple_formatting(sample):
    q = sample.questions[0]
    assert q.stem == (
        "<p>公民认为行政行为侵犯其合法权益的，可以自知道该行政行为之日起<strong>多少日</strong>"
        "内提出行政复议申请？</p>点此查看"
    )
    for dangerous in ("script", "style", "onclick", "javascript", "href", "evil.example"):
        assert dangerous not in q.stem
    assert q.explanation == "<p>《行政复议法》第二十条：申请期限为<em>六十日</em>。</p>"
    # The blank fourth answer is dropped, as Moodle does when it saves the question; the
    # question is HTML, so its one answer without markup is HTML too; feedback is kept.
    assert q.text_format == "html"
    assert q.options == [
        ParsedOption("<p>三十日</p>", False, 0.0),
        ParsedOption("<p>六十日</p>", True, 1.0, "正确"),
        ParsedOption("九十日 &amp; 以上", False, 0.0),
    ]
    assert (q.name, q.difficulty, q.citations) == ("复议期限", 2, "行政复议法第二十条")
    assert q.not_kept == ["未保留：标签“期中练习”", "未保留：ID 编号“FY-001”"]


def test_multiple_choice_fractions_and_plain_text(sample):
    q = sample.questions[1]
    assert q.stem == "下列关于行政复议机关的说法，正确的有（a < b 只是为了测试转义）："
    # 33.33334 is within Moodle's tolerance of its grade 33.33333, which is what is kept.
    assert [(o.correct, o.fraction) for o in q.options] == [
        (True, 0.3333333),
        (True, 0.3333333),
        (True, 0.3333333),
        (False, -0.5),
        (False, -0.5),
    ]
    # A full-width colon in the tag is accepted too.
    assert (q.difficulty, q.citations) == (4, "行政复议法第四条")


def test_true_false_takes_the_answer_graded_100(sample):
    q = sample.questions[2]
    assert q.answer_true is False
    assert q.explanation == "行政复议机关受理行政复议申请，不得向申请人收取任何费用。"


def test_missing_single_element_means_single_and_citations_are_deduplicated(sample):
    q = sample.questions[4]
    assert q.kind == "single"
    assert [o.text for o in q.options if o.correct] == ["人民"]
    assert q.citations == "宪法第二条"


def test_essay_without_rubric_gets_one_criterion(sample):
    essay = sample.questions[3]
    assert essay.stem == "论述行政复议与行政诉讼的衔接。"
    assert [(c.criterion, c.points) for c in essay.rubric] == [("按参考答案评分", "10")]


def test_unsupported_types_are_listed_with_index_and_line(sample):
    assert sample.skipped == [
        SkippedQuestion("第 5 题（第 120 行）", "不支持的题型：简答题（shortanswer）"),
        SkippedQuestion("第 6 题（第 126 行）", "不支持的题型：匹配题（matching）"),
        SkippedQuestion("第 7 题（第 132 行）", "不支持的题型：完形填空题（cloze/multianswer）"),
        SkippedQuestion("第 9 题（第 142 行）", "不支持的题型：说明文字（description）"),
        SkippedQuestion("第 10 题（第 147 行）", "不支持的题型：数值题（numerical）"),
        SkippedQuestion("第 11 题（第 153 行）", "不支持的题型：拖放填空题（ddwtos）"),
    ]


def test_malformed_questions_are_errors(sample):
    assert sample.errors == [
        FormatError("第 14 题（第 176 行）", SINGLE_NEEDS_ONE_CORRECT),
        FormatError("第 16 题（第 192 行）", MISSING_TYPE),
        FormatError("第 17 题（第 197 行）", DIFFICULTY_INVALID % {"tag": "难度:高"}),
        FormatError("第 18 题（第 205 行）", BAD_FRACTION % {"value": "满分"}),
    ]


@pytest.mark.parametrize("name", ["bomb.xml", "xxe.xml"])
def test_entity_definitions_are_refused_not_expanded(name):
    result = parse_moodle_xml((DATA / name).read_bytes())
    assert result.errors == [FormatError("第 2 行", UNSAFE_XML)]
    assert result.questions == [] and result.skipped == []
    assert UNSAFE_XML == "文件包含不安全的 XML 实体定义，已拒绝。"


def test_malformed_xml_names_the_parser_line():
    result = parse_moodle_xml((DATA / "malformed.xml").read_bytes())
    assert result.errors == [
        FormatError("第 5 行", MALFORMED_XML % {"line": 5, "column": 51}),
    ]
    assert result.questions == []


def test_other_xml_is_not_a_question_file():
    result = parse_moodle_xml(b"<?xml version='1.0'?><html><body/></html>")
    assert result.errors == [FormatError("文件", NOT_MOODLE_XML % {"tag": "html"})]


def test_true_false_answers_by_order_when_texts_are_not_true_false():
    """Old Moodle files: the first answer is "true", the second "false"."""
    xml = """<quiz><question type="truefalse"><questiontext><text>宪法是根本法。</text>
    </questiontext><answer fraction="100"><text>对</text></answer>
    <answer fraction="0"><text>错</text></answer></question>
    <question type="truefalse"><questiontext><text>两个都满分。</text></questiontext>
    <answer fraction="100"><text>true</text></answer>
    <answer fraction="100"><text>false</text></answer></question></quiz>"""
    result = parse_moodle_xml(xml.encode())
    assert [q.answer_true for q in result.questions] == [True]
    assert result.errors == [FormatError("第 2 题（第 4 行）", TRUE_FALSE_UNCLEAR)]


def test_gbk_encoded_file_is_read():
    data = (DATA / "gbk.xml").read_bytes()
    assert "宪法".encode("gbk") in data
    (q,) = parse_moodle_xml(data).questions
    assert (q.position, q.stem, q.answer_true) == (
        "第 1 题（第 4 行）",
        "宪法是国家的根本法，具有最高的法律效力。",
        True,
    )
    assert q.citations == "宪法序言"


def test_unknown_encoding_is_an_error():
    result = parse_moodle_xml(b'<?xml version="1.0" encoding="x-unknown"?><quiz/>')
    assert result.errors == [FormatError("文件", UNSUPPORTED_ENCODING)]
