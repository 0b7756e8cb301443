"""Aiken import: single choice only, each broken question named by its line."""

from pathlib import Path

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

DATA = Path(__file__).parent / "data"


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
        FormatError("第 28 行", ANSWER_NOT_AN_OPTION.format(answer="E", last="B")),
        FormatError("第 32 行", TOO_FEW_OPTIONS),
        FormatError("第 38 行", ANSWER_NOT_ONE_LETTER.format(answer="A,B")),
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
    assert result.errors == [
        FormatError("第 1 行", OPTION_LETTER_ORDER.format(expected="B", actual="C")),
        FormatError("第 6 行", OPTION_WITHOUT_STEM),
        FormatError("第 9 行", ANSWER_WITHOUT_QUESTION),
    ]


def test_a_letter_without_space_is_stem_text_as_in_moodle():
    (q,) = parse_aiken("A.B 两个机关共同作出的行为\nA. 是\nB. 否\nANSWER: A").questions
    assert q.stem == "A.B 两个机关共同作出的行为"
