"""GIFT and Moodle XML export: Moodle's syntax, and our own files read back unchanged."""

from pathlib import Path
from xml.etree import ElementTree

import pytest

from exams.formats.base import MARKED, ExportQuestion, ParsedOption, ParsedQuestion
from exams.formats.gift import export_gift, parse_gift
from exams.formats.moodle_xml import export_moodle_xml, parse_moodle_xml

DATA = Path(__file__).parent / "data"

BANK = [
    ExportQuestion(
        kind="single",
        stem="行政机关应当自受理行政许可申请之日起几日内作出决定？",
        options=[
            ParsedOption("二十日", True, 1.0),
            ParsedOption("十日", False, 0.0),
            ParsedOption("三十日", False, 0.0),
        ],
        answer_true=None,
        explanation="《行政许可法》第四十二条。",
        difficulty=3,
        topic="行政法/行政许可",
        citations="行政许可法第四十二条",
        name="Q1",
    ),
    ExportQuestion(
        kind="multiple",
        stem="特殊字符：~ = # { } \\ ::名称:: 与 // 注释\n第二行 $CATEGORY: x",
        options=[
            ParsedOption("%50% 不是权重", True, 1.0),
            ParsedOption("[html] 不是格式标记", True, 1.0),
            ParsedOption("a -> b 不是匹配题", True, 1.0),
            ParsedOption("A & B < C", False, 0.0),
            ParsedOption("#号开头", False, 0.0),
        ],
        answer_true=None,
        explanation="",
        difficulty=5,
        topic="行政法/行政许可",
        citations="行政许可法第十二条；行政许可法第十三条",
    ),
    ExportQuestion(
        kind="true_false",
        stem="<p>行政许可<strong>听证</strong>的费用由申请人承担。</p>",
        options=[],
        answer_true=False,
        # One format per question: the explanation of an HTML question is HTML too.
        explanation="申请人、利害关系人不承担听证费用 &amp; 其他费用。",
        difficulty=1,
        topic="行政法/行政处罚",
        citations="行政许可法第四十七条",
        name="名称里有 ]]> 和 : 号",
    ),
    ExportQuestion(
        kind="single",
        stem="// 以注释符号开头的题干",
        options=[ParsedOption("<em>甲</em>", False, 0.0), ParsedOption("乙 ]]&gt; 丙", True, 1.0)],
        answer_true=None,
        explanation="<ul><li>第一点</li><li>第二点</li></ul>",
        difficulty=2,
        topic="",
        citations="",
    ),
    ExportQuestion(
        kind="true_false",
        stem="[重要] 中华人民共和国的一切权力属于人民。",
        options=[],
        answer_true=True,
        explanation="",
        difficulty=1,
        topic="宪法",
        citations="宪法第二条",
    ),
]


def comparable(question: ExportQuestion | ParsedQuestion) -> tuple:
    return (
        question.kind,
        question.stem,
        [(o.text, o.correct) for o in question.options],
        question.answer_true,
        question.explanation,
        question.topic,
        question.difficulty,
        question.citations,
        question.model_answer,
        [(c.criterion, c.points) for c in question.rubric],
    )


def as_export(question: ParsedQuestion) -> ExportQuestion:
    return ExportQuestion(
        kind=question.kind,
        stem=question.stem,
        options=question.options,
        answer_true=question.answer_true,
        explanation=question.explanation,
        difficulty=question.difficulty or 0,
        topic=question.topic,
        citations=question.citations,
        name=question.name,
        model_answer=question.model_answer,
        rubric=question.rubric,
    )


def test_gift_round_trip():
    result = parse_gift(export_gift(BANK))
    assert result.errors == [] and result.skipped == []
    assert [comparable(q) for q in result.questions] == [comparable(q) for q in BANK]
    assert [q.name for q in result.questions] == [q.name for q in BANK]


def test_xml_round_trip():
    result = parse_moodle_xml(export_moodle_xml(BANK))
    assert result.errors == [] and result.skipped == []
    assert [comparable(q) for q in result.questions] == [comparable(q) for q in BANK]
    # Moodle needs a name: questions without one get the start of their stem.
    assert [q.name for q in result.questions] == [
        "Q1",
        "特殊字符：~ = # { } \\ ::名称:: 与 // 注释 第二行 $CAT",
        "名称里有 ]]> 和 : 号",
        "// 以注释符号开头的题干",
        "[重要] 中华人民共和国的一切权力属于人民。",
    ]


@pytest.mark.parametrize(
    ("name", "parse"),
    [("sample.gift", parse_gift), ("sample.xml", parse_moodle_xml)],
)
@pytest.mark.parametrize(
    ("export", "reparse"), [(export_gift, parse_gift), (export_moodle_xml, parse_moodle_xml)]
)
def test_sample_files_survive_export_in_both_formats(name, parse, export, reparse):
    raw = (DATA / name).read_bytes()
    original = parse(raw.decode("utf-8") if parse is parse_gift else raw).questions
    if export is export_gift:  # GIFT's essay has no rubric: marked kinds travel as Moodle XML
        original = [q for q in original if q.kind not in MARKED]
    again = reparse(export([as_export(q) for q in original]))
    assert again.errors == [] and again.skipped == []
    assert [comparable(q) for q in again.questions] == [comparable(q) for q in original]


def test_gift_export_is_moodle_syntax():
    text = export_gift(BANK[:3])
    assert text.startswith("$CATEGORY: $course$/top/行政法/行政许可\n\n")
    assert text.count("$CATEGORY:") == 2  # two topics; the one in a stem is escaped
    assert (
        "// [tag:难度:3]\n"
        "// [tag:法条:行政许可法第四十二条]\n"
        "::Q1::行政机关应当自受理行政许可申请之日起几日内作出决定？{\n"
        "\t=二十日\n"
        "\t~十日\n"
        "\t~三十日\n"
        "\t####《行政许可法》第四十二条。\n"
        "}\n"
    ) in text
    # Correct options share +100 %, wrong ones share -100 %; reserved characters escaped.
    assert (
        "特殊字符：\\~ \\= \\# \\{ \\} \\\\ \\:\\:名称\\:\\: 与 // 注释\\n第二行 $CATEGORY\\: x{\n"
        "\t~%33.33333%[moodle]%50% 不是权重\n"
        "\t~%33.33333%[moodle][html] 不是格式标记\n"
        "\t~%33.33333%a -> b 不是匹配题\n"
        "\t~%-50%A & B < C\n"
        "\t~%-50%\\#号开头\n"
        "}"
    ) in text
    assert "$CATEGORY: $course$/top/行政法/行政处罚\n\n" in text
    assert (
        "::名称里有 ]]> 和 \\: 号::[html]<p>行政许可<strong>听证</strong>的费用由申请人承担。</p>"
        "{FALSE####申请人、利害关系人不承担听证费用 &amp; 其他费用。}"
    ) in text


def test_xml_export_is_moodle_structure():
    data = export_moodle_xml(BANK)
    assert data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<quiz>\n')
    root = ElementTree.fromstring(data)
    questions = root.findall("question")
    assert [q.get("type") for q in questions] == [
        "category",
        "multichoice",
        "multichoice",
        "category",
        "truefalse",
        "category",
        "multichoice",
        "category",
        "truefalse",
    ]
    assert [q.findtext("category/text") for q in questions if q.get("type") == "category"] == [
        "$course$/top/行政法/行政许可",
        "$course$/top/行政法/行政处罚",
        "$course$/top",
        "$course$/top/宪法",
    ]
    single, multiple, true_false = questions[1], questions[2], questions[4]
    assert single.findtext("single") == "true"
    assert [a.get("fraction") for a in single.findall("answer")] == ["100", "0", "0"]
    assert multiple.findtext("single") == "false"
    assert multiple.findtext("shuffleanswers") == "1"
    assert multiple.findtext("answernumbering") == "ABCD"
    assert [a.get("fraction") for a in multiple.findall("answer")] == [
        "33.33333",
        "33.33333",
        "33.33333",
        "-50",
        "-50",
    ]
    assert [t.findtext("text") for t in multiple.findall("tags/tag")] == [
        "难度:5",
        "法条:行政许可法第十二条",
        "法条:行政许可法第十三条",
    ]
    assert true_false.find("questiontext").get("format") == "html"
    assert [(a.findtext("text"), a.get("fraction")) for a in true_false.findall("answer")] == [
        ("true", "0"),
        ("false", "100"),
    ]
    # HTML travels as CDATA, as Moodle writes it.
    assert b"<text><![CDATA[<p>\xe8\xa1\x8c\xe6\x94\xbf\xe8\xae\xb8\xe5\x8f\xaf<strong>" in data
    assert b"]]]]><![CDATA[>" in data


def test_empty_bank_exports_empty_files():
    assert export_gift([]) == ""
    assert parse_moodle_xml(export_moodle_xml([])).questions == []
