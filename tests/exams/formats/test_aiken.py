"""Aiken import: single choice only, each broken question named by its line."""

from pathlib import Path

import pytest

from exams.formats.aiken import (
    ANSWER_NOT_AN_OPTION,
    ANSWER_NOT_ONE_LETTER,
    ANSWER_WITHOUT_QUESTION,
    MISSING_ANSWER,
    OPTION_LETTER_ORDER,
    OPTION_WITHOUT_STEM,
    TOO_FEW_OPTIONS,
    parse_aiken,
)
from exams.formats.base import FormatError, ParsedOption
from exams.formats.detect import parse_questions_file
from exams.soundness import ERR_EMPTY_OPTION

DATA = Path(__file__).parent / "data"
FIXTURES = Path(__file__).parent / "fixtures"  # Moodle's own (see fixtures/README.md)


def test_sample_file():
    result = parse_aiken((DATA / "sample_aiken.txt").read_text(encoding="utf-8"))
    first, multi_line, full_width = result.questions
    assert first.position == "第 1 行"
    assert first.kind == "single"
    assert first.stem == "行政处罚的实施机关应当是："
    assert first.options[0] == ParsedOption("具有行政处罚权的行政机关", True, 1.0)
    assert [o.correct for o in first.options] == [True, False, False, False]

    assert multi_line.position == "第 8 行"
    assert (
        multi_line.stem
        == "当事人有下列哪种情形的，应当从轻或者减轻行政处罚？\n（题干可以写成多行）"
    )
    assert [o.text for o in multi_line.options if o.correct] == [
        "主动消除或者减轻违法行为危害后果的"
    ]

    assert full_width.position == "第 15 行"
    assert [o.text for o in full_width.options] == ["不予行政处罚", "从重处罚", "加倍罚款"]
    assert [o.correct for o in full_width.options] == [True, False, False]

    assert result.skipped == []
    assert result.errors == [
        FormatError("第 21 行", MISSING_ANSWER),
        FormatError("第 28 行", ANSWER_NOT_AN_OPTION % {"answer": "E", "last": "B"}),
        FormatError("第 32 行", TOO_FEW_OPTIONS),
        FormatError("第 38 行", ANSWER_NOT_ONE_LETTER % {"answer": "A,B"}),
    ]


def test_question_without_answer_is_not_glued_to_the_next_one():
    text = "第一题\nA. 甲\nB. 乙\n第二题\nA. 丙\nB. 丁\nANSWER: B\n"
    result = parse_aiken(text)
    assert result.errors == [FormatError("第 1 行", MISSING_ANSWER)]
    assert [(q.position, q.stem) for q in result.questions] == [("第 4 行", "第二题")]


def test_options_out_of_order_and_orphans():
    text = "题目\nA. 甲\nC. 丙\nANSWER: A\n\nA. 孤立的选项\nANSWER: A\n\nANSWER: B\n"
    result = parse_aiken(text)
    assert result.questions == []
    # as in Moodle, an option and an ANSWER outside a question are each reported on their line
    assert result.errors == [
        FormatError("第 1 行", OPTION_LETTER_ORDER % {"expected": "B", "actual": "C"}),
        FormatError("第 6 行", OPTION_WITHOUT_STEM),
        FormatError("第 7 行", ANSWER_WITHOUT_QUESTION),
        FormatError("第 9 行", ANSWER_WITHOUT_QUESTION),
    ]


def test_a_letter_and_a_delimiter_start_an_option_as_in_moodle():
    """Moodle's pattern is /^[A-Z][).][ \\t]?/: "A.B 两个机关" is an option line, so a stem
    that starts so is reported, not silently cut."""
    result = parse_aiken("A.B 两个机关共同作出的行为\nA. 是\nB. 否\nANSWER: A")
    assert result.questions == []
    assert result.errors[0] == FormatError("第 1 行", OPTION_WITHOUT_STEM)


def test_options_without_a_space_and_a_full_width_colon():
    result = parse_aiken("行政处罚的种类\nA)警告\nB.罚款\nC）拘留\nANSWER：C\n")
    (question,) = result.questions
    assert [o.text for o in question.options] == ["警告", "罚款", "拘留"]
    assert [o.correct for o in question.options] == [False, False, True]
    assert question.text_format == "text"
    assert question.citations == ""


def test_lines_shorter_than_two_bytes_are_ignored_as_in_moodle():
    (question,) = parse_aiken("题干\n-\nA) 甲\n \nB) 乙\nx\nANSWER: B").questions
    assert question.stem == "题干"
    assert [o.text for o in question.options] == ["甲", "乙"]
    # one Chinese character is three bytes: a stem line, as in Moodle
    (question,) = parse_aiken("问\nA) 甲\nB) 乙\nANSWER: A").questions
    assert question.stem == "问"


def test_an_empty_option_is_reported():
    result = parse_aiken("题干\nA)\nB) 乙\nANSWER: B")
    assert result.questions == []
    assert result.errors == [FormatError("第 1 行", str(ERR_EMPTY_OPTION))]


def test_moodle_fixture_aiken_errors():
    """Moodle's own test (aikenformat_test.php): two good questions and the errors on lines
    3, 5 and 7, and the question of line 14 that the next one (line 18) starts before its
    ANSWER."""
    text = (FIXTURES / "aiken_errors.txt").read_text(encoding="utf-8")
    result = parse_aiken(text)
    good, second = result.questions
    assert good.stem == "A good question"
    assert [(o.text, o.correct) for o in good.options] == [("Correct", True), ("Incorrect", False)]
    assert second.stem == "A second good question"
    assert [(o.text, o.correct) for o in second.options] == [
        ("Incorrect (No space)", False),
        ("Correct (No space)", True),
    ]
    assert result.errors == [
        FormatError("第 3 行", TOO_FEW_OPTIONS),
        FormatError("第 5 行", OPTION_WITHOUT_STEM),
        FormatError("第 7 行", ANSWER_WITHOUT_QUESTION),
        FormatError("第 14 行", MISSING_ANSWER),
    ]


def test_moodle_fixture_questions_is_plain_text():
    text = (FIXTURES / "questions.aiken.txt").read_text(encoding="utf-8")
    fmt, result = parse_questions_file(text.encode(), "questions.aiken.txt")
    assert fmt == "aiken" and result.errors == []
    first, second = result.questions
    assert first.stem == "The Moodle project was started by:"
    assert [o.text for o in first.options if o.correct] == ["Martin Dougiamas"]
    # kept as typed (Moodle escapes it), never sanitised away
    assert second.stem == (
        'Moodle\'s abilities include handling user input that includes <html class="cool"> & images:'
    )
    assert second.text_format == "text"
    assert [o.correct for o in second.options] == [True, False]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gbk", "utf-16"])
def test_aiken_in_the_encodings_windows_writes(encoding):
    data = "行政处罚的实施机关\r\nA) 行政机关\r\nB) 社会团体\r\nANSWER: A\r\n".encode(encoding)
    fmt, result = parse_questions_file(data, "aiken.txt")
    assert fmt == "aiken"
    (question,) = result.questions
    assert question.stem == "行政处罚的实施机关"
