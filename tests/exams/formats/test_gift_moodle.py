"""GIFT as Moodle reads it: Moodle's own files, missing-word blanks, feedback, weights, names,
text formats, escapes, Moodle's grade list, and the round trip of everything kept."""

from pathlib import Path

import pytest

from exams.formats.base import ExportQuestion, FormatError, ParsedImage, ParsedOption
from exams.formats.gift import IMAGES_LEFT_OUT, export_gift, parse_gift
from exams.formats.moodle import (
    BLANK,
    MULTIPLE_NEEDS_A_CORRECT,
    NOT_KEPT_MARKDOWN,
    invalid_grade_message,
)

MOODLE = Path(__file__).parent / "fixtures" / "moodle" / "gift"


def read(name: str):
    return parse_gift((MOODLE / name).read_text(encoding="utf-8"))


def at(result, position):
    return next(q for q in result.questions if q.position == position)


# Moodle's own files -------------------------------------------------------------------------


def test_moodles_test_fixture_imports_what_we_support_and_lists_the_rest():
    result = read("questions.gift.txt")
    assert result.errors == []
    assert [(q.position, q.kind, q.name) for q in result.questions] == [
        ("第 2 行", "short_answer", "Q8"),  # {} is Moodle's essay
        ("第 14 行", "single", "Q2"),
        ("第 22 行", "multiple", "colours"),
        ("第 41 行", "true_false", "Q1"),
        ("第 46 行", "true_false", "2-08 TSL"),
        ("第 49 行", "true_false", "2-08 TSL"),
    ]
    assert [(s.position, s.reason) for s in result.skipped] == [
        ("第 5 行", "不支持的题型：匹配题（matching）"),
        ("第 31 行", "不支持的题型：数值题（numerical）"),
        ("第 34 行", "不支持的题型：简答题（shortanswer）"),
    ]
    # A bank without 法条 tags: every question comes in, without citations (a draft later).
    assert {q.citations for q in result.questions} == {""}


def test_moodles_feedback_weights_and_per_answer_formats():
    result = read("questions.gift.txt")
    single = at(result, "第 14 行")
    assert single.text_format == "text"
    assert single.options == [
        ParsedOption("yellow", True, 1.0, "right; good!"),
        ParsedOption("red", False, 0.0, "wrong, it's yellow"),  # "[html]wrong…" has no markup
        ParsedOption("blue", False, 0.0, "wrong, it's yellow"),
    ]
    multiple = at(result, "第 22 行")
    assert (multiple.kind, multiple.indefinite) == ("multiple", False)
    assert [(o.text, o.correct, o.fraction, o.feedback) for o in multiple.options] == [
        ("yellow", True, 0.5, "right; good!"),
        ("red", False, -1.0, "wrong"),
        ("off-beige", True, 0.5, "right; good!"),
        ("blue", False, -1.0, "wrong"),
    ]


def test_moodles_true_false_with_general_and_answer_feedback():
    q = at(read("questions.gift.txt"), "第 41 行")
    assert q.answer_true is False
    # As Moodle: text after the answer block ("\";" in Moodle's file) makes a blank.
    assert q.stem == f'42 is the Absolute Answer to everything.{BLANK}";'
    assert q.explanation == "This is, of course, a Hitchiker's Guide to the Galaxy reference."
    # FALSE#wrong#right: "wrong" is shown to whoever answers TRUE (Moodle's feedbacktrue).
    assert q.not_kept == [
        "未保留：判断题选“对”时的反馈“42 is the Ultimate Answer.”",
        "未保留：判断题选“错”时的反馈“You gave the right answer.”",
    ]


def test_moodles_category_fixture_keeps_links_and_html():
    result = read("questions_in_category.gift.txt")
    assert [(q.position, q.kind, q.topic) for q in result.questions] == [
        ("第 14 行", "single", "Default for New Features"),
        ("第 27 行", "true_false", "Default for New Features"),
    ]
    greeting = result.questions[0]
    assert greeting.text_format == "html"
    assert greeting.stem == (
        '<a href="http://demo.moodle.net/file.php/5/media/bonjour.mp3" rel="noopener noreferrer">'
        "Listen to this greeting:</a><br><br>What language is being spoken?"
    )
    assert [(o.text, o.correct, o.feedback) for o in greeting.options][:2] == [
        ("English", False, "Sorry, listen again."),
        ("French", True, "Yes, well done!"),
    ]
    # Styles go, the text stays.
    assert result.questions[1].stem == (
        "Moodle is an acronym for <span>Modular Object-Oriented Dynamic Learning "
        "Environment</span>."
    )


def test_moodles_examples_file():
    result = read("examples.txt")
    assert result.errors == []
    assert (len(result.questions), len(result.skipped)) == (23, 20)
    kinds = {s.reason for s in result.skipped}
    assert kinds == {
        "不支持的题型：简答题（shortanswer）",
        "不支持的题型：数值题（numerical）",
        "不支持的题型：匹配题（matching）",
    }
    # "Grant is {~buried =entombed ~living} in Grant's tomb." — the missing word.
    grant = at(result, "第 10 行")
    assert grant.stem == f"Grant is {BLANK} in Grant's tomb."
    assert [(o.text, o.correct) for o in grant.options] == [
        ("buried", False),
        ("entombed", True),
        ("living", False),
    ]
    # Partial credit on wrong answers of a single choice, feedback on each, a blank at the end.
    hometown = at(result, "第 117 行")
    assert hometown.name == "Jesus' hometown"
    assert hometown.stem == f"Jesus Christ was from {BLANK}."
    assert [(o.text, o.correct, o.fraction) for o in hometown.options] == [
        ("Jerusalem", False, 0.0),
        ("Bethlehem", False, 0.25),
        ("Galilee", False, 0.5),
        ("Nazareth", True, 1.0),
    ]
    assert hometown.options[3].feedback == "Yes! That's right!"
    # Escaped control characters are text.
    equals = at(result, "第 143 行")
    assert [o.text for o in equals.options] == ["= 2 + 2", "= 2 + 3", "= 2 + 4"]
    control = at(result, "第 148 行")
    assert [o.text for o in control.options] == ["~", "=", "#", "{", "}", "\\"]
    assert control.options[0].feedback == "~ is a control character."
    # Two answers of 50 %: a plain multiple choice.
    two = at(result, "第 136 行")
    assert (two.kind, two.indefinite) == ("multiple", False)
    assert [o.fraction for o in two.options] == [-0.5, 0.5, 0.5, -0.5]


# Missing word, 不定项, formats, escapes, categories --------------------------------------------


def test_missing_word_single_and_multiple():
    text = (
        "行政处罚决定书应当在{~五日 =七日 ~十日}内送达当事人。\n\n"
        "下列{~%50%警告 ~%50%罚款 ~%-100%记过}属于行政处罚。\n"
    )
    single, multiple = parse_gift(text).questions
    assert (single.kind, single.stem) == ("single", f"行政处罚决定书应当在{BLANK}内送达当事人。")
    assert [o.correct for o in single.options] == [False, True, False]
    assert (multiple.kind, multiple.stem) == ("multiple", f"下列{BLANK}属于行政处罚。")
    assert [(o.correct, o.fraction) for o in multiple.options] == [
        (True, 0.5),
        (True, 0.5),
        (False, -1.0),
    ]


def test_one_positive_weight_without_an_equals_sign_is_indefinite():
    (q,) = parse_gift("下列属于行政法规的是：{~%100%行政许可法实施条例 ~宪法 ~刑法}").questions
    assert (q.kind, q.indefinite) == ("multiple", True)
    assert [o.correct for o in q.options] == [True, False, False]
    result = parse_gift("没有正确答案的多选题。{~%-50%甲 ~%-50%乙}")
    assert result.errors == [FormatError("第 1 行", MULTIPLE_NEEDS_A_CORRECT)]


@pytest.mark.parametrize(
    ("gift", "text_format", "stem", "options"),
    [
        ("[plain]a <b>粗体</b>{=甲 ~乙}", "text", "a <b>粗体</b>", ["甲", "乙"]),
        ("[moodle]a <b>粗体</b>{=甲 ~乙}", "text", "a <b>粗体</b>", ["甲", "乙"]),
        ("a <b>粗体</b>{=甲 ~乙}", "text", "a <b>粗体</b>", ["甲", "乙"]),  # moodle by default
        ("[html]a <b>粗体</b>{=甲 ~[plain]1 < 2}", "html", "a <b>粗体</b>", ["甲", "1 &lt; 2"]),
        ("[html]a &amp; b{=甲 ~乙}", "text", "a & b", ["甲", "乙"]),  # html without markup
        ("[markdown]**粗体**{=甲 ~乙}", "text", "**粗体**", ["甲", "乙"]),
    ],
)
def test_text_formats(gift, text_format, stem, options):
    (q,) = parse_gift(gift).questions
    assert (q.text_format, q.stem, [o.text for o in q.options]) == (text_format, stem, options)
    assert (NOT_KEPT_MARKDOWN in q.not_kept) == gift.startswith("[markdown]")


def test_escapes_names_and_category_paths():
    text = (
        "$CATEGORY: $course$/top/行政法/行政复议\n\n"
        "::名称\\:一::题干有 \\= \\~ \\# \\{ \\} \\: 字符{=对 \\= 是#反馈 \\# 一 ~错####总\\:评}\n"
    )
    (q,) = parse_gift(text).questions
    assert q.topic == "行政法/行政复议"
    assert q.name == "名称:一"
    assert q.stem == "题干有 = ~ # { } : 字符"
    assert q.options[0] == ParsedOption("对 = 是", True, 1.0, "反馈 # 一")
    assert q.explanation == "总:评"


# Moodle's grade list -----------------------------------------------------------------------


def test_grades_outside_moodles_list_are_refused_naming_the_question():
    result = parse_gift("::三分之一::多选题。{~%33%甲 ~%33%乙 ~%34%丙 ~%-100%丁}")
    assert result.questions == []
    assert result.errors == [
        FormatError("第 1 行", invalid_grade_message("三分之一", [0.33, 0.33, 0.34]))
    ]
    assert result.errors[0].message.startswith("题目“三分之一”的答案分值 33%、33%、34% 不在")


@pytest.mark.parametrize(
    ("weight", "kept"), [("33.33333", 0.3333333), ("33.333", 0.3333333), ("12.5", 0.125)]
)
def test_grades_within_moodles_tolerance_become_moodles_value(weight, kept):
    (q,) = parse_gift(f"多选题。{{~%{weight}%甲 ~%{weight}%乙 ~%-100%丙}}").questions
    assert [o.fraction for o in q.options] == [kept, kept, -1.0]


# Export and the round trip -----------------------------------------------------------------


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
    )


ROUND_TRIP = [
    ExportQuestion(
        kind="single",
        stem=f"行政处罚决定书应当在{BLANK}内送达当事人。",
        options=[
            ParsedOption("五日", False, -0.5, "太短了"),
            ParsedOption("七日", True, 1.0, "见第六十一条"),
            ParsedOption("十日", False, 0.25, "接近 # 但不对"),
        ],
        answer_true=None,
        explanation="《行政处罚法》第六十一条。",
        difficulty=3,
        topic="行政法/行政处罚",
        citations="行政处罚法第六十一条",
        name="送达期限",
    ),
    ExportQuestion(
        kind="multiple",
        stem="下列属于行政处罚的有：",
        options=[
            ParsedOption("警告", True, 0.5, "对"),
            ParsedOption("罚款", True, 0.5),
            ParsedOption("记过", False, -1.0, "这是政务处分"),
        ],
        answer_true=None,
        explanation="",
        difficulty=2,
        topic="行政法/行政处罚",
        citations="",
        name="处罚种类",
    ),
    ExportQuestion(
        kind="multiple",
        stem="下列属于行政法规的是：",
        options=[
            ParsedOption("行政复议法实施条例", True, 1.0),
            ParsedOption("宪法", False, 0.0),
            ParsedOption("刑法", False, 0.0),
        ],
        answer_true=None,
        explanation="",
        difficulty=1,
        topic="宪法",
        citations="",
        name="不定项",
        indefinite=True,
    ),
    ExportQuestion(
        kind="true_false",
        stem="<p>行政机关可以<strong>收取</strong>复议费用。</p>",
        options=[],
        answer_true=False,
        explanation="<p>不得收取 &amp; 不得变相收取。</p>",
        difficulty=1,
        topic="宪法",
        citations="",
        name="复议费用",
    ),
]


def test_gift_round_trip_keeps_feedback_weights_names_blanks_and_indefinite():
    text = export_gift(ROUND_TRIP)
    assert "::送达期限::行政处罚决定书应当在{\n" in text
    assert "\t~%-50%五日#太短了\n\t=七日#见第六十一条\n\t~%25%十日#接近 \\# 但不对\n" in text
    assert "}内送达当事人。" in text
    result = parse_gift(text)
    assert result.errors == [] and result.skipped == []
    assert [comparable(q) for q in result.questions] == [comparable(q) for q in ROUND_TRIP]


def test_weights_that_disagree_with_the_key_are_rewritten():
    """What the bank stores without weights (1 for correct, 0 otherwise) exports as Moodle needs."""
    question = ExportQuestion(
        kind="multiple",
        stem="多选",
        options=[
            ParsedOption("甲", True, 1.0),
            ParsedOption("乙", True, 1.0),
            ParsedOption("丙", False),
        ],
        answer_true=None,
        explanation="",
        difficulty=1,
        topic="",
        citations="",
    )
    assert "\t~%50%甲\n\t~%50%乙\n\t~%-100%丙\n" in export_gift([question])


def test_gift_cannot_carry_images_and_says_which_were_left_out():
    question = ExportQuestion(
        kind="single",
        stem='<p>看图作答：<img src="@@PLUGINFILE@@/map.png" alt="地图"></p>',
        options=[
            ParsedOption('<img src="@@PLUGINFILE@@/a.png" alt="">甲', True, 1.0),
            ParsedOption("乙", False, 0.0),
        ],
        answer_true=None,
        explanation="",
        difficulty=1,
        topic="",
        citations="",
        images=[
            ParsedImage("map.png", b"\x89PNG\r\n\x1a\n1"),
            ParsedImage("a.png", b"\x89PNG\r\n\x1a\n2"),
        ],
    )
    text = export_gift([question])
    assert IMAGES_LEFT_OUT % {"names": "map.png、a.png"} in text
    assert "PLUGINFILE" not in text
    (q,) = parse_gift(text).questions
    assert q.stem == "<p>看图作答：</p>"
    assert [o.text for o in q.options] == ["甲", "乙"]
