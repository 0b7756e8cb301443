"""GIFT import: what a teacher's Moodle export (or a hand-written file) turns into."""

from pathlib import Path

import pytest

from exams.formats.base import FormatError, ParsedOption, SkippedQuestion
from exams.formats.gift import (
    NO_ANSWER_BLOCK,
    SECOND_ANSWER_BLOCK,
    UNCLOSED_BRACE,
    UNOPENED_BRACE,
    parse_gift,
)
from exams.formats.moodle import (
    DIFFICULTY_INVALID,
    SINGLE_NEEDS_ONE_CORRECT,
    TOO_FEW_OPTIONS,
    topic_from_category,
)

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def sample():
    return parse_gift((DATA / "sample.gift").read_text(encoding="utf-8"))


def by_position(result, position):
    return next(q for q in result.questions if q.position == position)


def test_sample_imports_every_supported_question_in_order(sample):
    assert [(q.position, q.kind) for q in sample.questions] == [
        ("第 9 行", "single"),
        ("第 20 行", "multiple"),
        ("第 30 行", "single"),
        ("第 40 行", "true_false"),
        ("第 43 行", "true_false"),
        ("第 45 行", "true_false"),
        ("第 47 行", "true_false"),
        ("第 53 行", "multiple"),
        ("第 60 行", "single"),
        ("第 74 行", "short_answer"),  # an essay, {}: marked by people
        ("第 78 行", "single"),  # a missing-word question
    ]


def test_single_choice_with_name_tags_feedback_and_category(sample):
    q = by_position(sample, "第 9 行")
    assert q.name == "许可期限"
    assert q.stem.startswith("除当场作出决定的以外") and q.stem.endswith("作出行政许可决定？")
    # Per-answer feedback ("#这是听证告知的期限") is kept beside the option, not in it.
    assert q.options == [
        ParsedOption("二十日", True, 1.0),
        ParsedOption("十日", False, 0.0, "这是听证告知的期限"),
        ParsedOption("三十日", False, 0.0),
        ParsedOption("四十五日", False, 0.0),
    ]
    assert q.explanation.startswith("《行政许可法》第四十二条：")
    assert (q.difficulty, q.citations) == (3, "行政许可法第四十二条")
    assert q.topic == "行政法/行政许可"
    assert q.not_kept == ["未保留：ID 编号“XK-001”"]


def test_multiple_choice_keeps_weights_and_multi_line_stem(sample):
    q = by_position(sample, "第 20 行")
    assert q.stem == "下列事项中，可以设定行政许可的有：\n（本题为多选题，题干分两行书写）"
    assert [(o.correct, o.fraction) for o in q.options] == [
        (True, 0.5),
        (True, 0.5),
        (False, -1.0),
        (False, -1.0),
    ]
    assert q.citations == "行政许可法第十二条；行政许可法第十三条"
    assert q.difficulty == 4


def test_escaped_characters_are_text(sample):
    q = by_position(sample, "第 30 行")
    assert q.name == "转义字符:示例"
    assert q.stem == "行政许可的条件应当明确: 下列说法正确的是{单选}？"
    assert [o.text for o in q.options] == [
        "行政许可的实施和结果应当公开 = 透明",
        "行政机关可以附加任意条件~",
        "编号可以写作#1、#2",
        "反斜杠写作 \\ 即可",
    ]
    assert q.explanation == "第一行\n第二行"
    assert q.citations == ""


def test_html_question_is_sanitised(sample):
    q = by_position(sample, "第 40 行")
    assert q.stem == "<p>行政机关举行<strong>听证</strong>的费用由申请人承担。</p>"
    assert q.explanation == "<p>《行政许可法》第五十八条：听证费用由<em>行政机关</em>承担。</p>"
    assert q.answer_true is False
    assert q.options == []


@pytest.mark.parametrize(
    ("position", "answer_true", "citations"),
    [
        ("第 43 行", True, "行政许可法第二十七条"),  # {T#wrong feedback#right feedback}
        ("第 45 行", True, ""),  # {TRUE}
        ("第 47 行", False, ""),  # {FALSE}
    ],
)
def test_true_false_words(sample, position, answer_true, citations):
    q = by_position(sample, position)
    assert (q.kind, q.answer_true, q.citations, q.difficulty) == (
        "true_false",
        answer_true,
        citations,
        None,
    )


def test_category_switch_and_fractional_grades(sample):
    q = by_position(sample, "第 53 行")
    assert q.topic == "行政法/行政处罚"
    # 33.33334 % is within Moodle's tolerance of its grade 33.33333 %, which is what is kept.
    assert [(o.correct, o.fraction) for o in q.options] == [
        (True, 0.3333333),
        (True, 0.3333333),
        (True, 0.3333333),
        (False, -1.0),
    ]


def test_explicit_full_weight_on_right_answer(sample):
    q = by_position(sample, "第 60 行")
    assert q.options == [
        ParsedOption("二年", True, 1.0),
        ParsedOption("五年", False, -0.5),
        ParsedOption("一年", False, 0.0),
    ]


def test_unsupported_types_are_listed_with_their_line(sample):
    assert sample.skipped == [
        SkippedQuestion("第 66 行", "不支持的题型：匹配题（matching）"),
        SkippedQuestion("第 72 行", "不支持的题型：数值题（numerical）"),
        SkippedQuestion("第 76 行", "不支持的题型：简答题（shortanswer）"),
    ]


def test_true_false_feedback_is_listed_as_not_kept(sample):
    q = by_position(sample, "第 43 行")
    assert q.not_kept == [
        "未保留：判断题选“对”时的反馈“正确”",
        "未保留：判断题选“错”时的反馈“错误：见第二十七条”",
    ]


def test_question_without_answer_block_is_an_error_not_a_description(sample):
    assert sample.errors == [FormatError("第 81 行", NO_ANSWER_BLOCK)]


def test_malformed_questions_are_reported_with_their_line():
    result = parse_gift((DATA / "unclosed.gift").read_text(encoding="utf-8"))
    # A multiple-answer question with one correct answer is 不定项, not an error.
    assert [(q.position, q.kind, q.indefinite) for q in result.questions] == [
        ("第 3 行", "true_false", False),
        ("第 19 行", "multiple", True),
    ]
    assert result.skipped == []
    assert result.errors == [
        FormatError("第 5 行", UNCLOSED_BRACE % {"line": 5}),
        FormatError("第 9 行", UNOPENED_BRACE % {"line": 10}),
        FormatError("第 12 行", SECOND_ANSWER_BLOCK % {"line": 12}),
        FormatError("第 15 行", DIFFICULTY_INVALID % {"tag": "难度:9"}),
        FormatError("第 17 行", SINGLE_NEEDS_ONE_CORRECT),
        FormatError("第 21 行", TOO_FEW_OPTIONS),
    ]
    assert UNCLOSED_BRACE % {"line": 5} == "第 5 行的“{”没有对应的“}”（答案区块中不能有空行）。"


def test_comment_tags_belong_to_the_block_they_are_in():
    """As in Moodle, a blank line between the tags and the question detaches them."""
    result = parse_gift("// [tag:难度:5]\n\n// [tag:难度:2]\n宪法是国家的根本法。{T}\n")
    assert [(q.position, q.difficulty) for q in result.questions] == [("第 4 行", 2)]


def test_true_false_words_are_case_sensitive_like_moodle():
    result = parse_gift("宪法是国家的根本法。{true}")
    assert result.questions == []
    assert result.skipped == [SkippedQuestion("第 1 行", "不支持的题型：简答题（shortanswer）")]


def test_category_line_directly_above_a_question_still_sets_the_topic():
    result = parse_gift("$CATEGORY: $course$/top/宪法\n宪法是国家的根本法。{T}\n")
    assert [(q.position, q.topic) for q in result.questions] == [("第 2 行", "宪法")]


def test_crlf_bom_and_per_answer_formats():
    text = "\ufeff::甲::[html]<p>选择</p>{\r\n=[plain]a < b\r\n~[html]<b>c</b>\r\n}\r\n"
    (q,) = parse_gift(text).questions
    # One format per question: the plain answer of an html question is escaped text.
    assert (q.text_format, q.stem) == ("html", "<p>选择</p>")
    assert [o.text for o in q.options] == ["a &lt; b", "<b>c</b>"]


@pytest.mark.parametrize(
    ("path", "topic"),
    [
        ("$course$/top/行政法/行政许可", "行政法/行政许可"),
        ("$system$/top/宪法", "宪法"),
        ("$course$/宪法", "宪法"),
        ("top/宪法", "宪法"),
        ("行政法/行政处罚", "行政法/行政处罚"),
        ("$course$/top", ""),
        ("$course$/top/Default for 法治培训", "Default for 法治培训"),
    ],
)
def test_topic_from_category(path, topic):
    assert topic_from_category(path) == topic
