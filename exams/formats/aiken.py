"""Aiken import (Moodle has no Aiken export), read as ``qformat_aiken::readquestions`` in
Moodle's question/format/aiken/format.php reads it.

One single-choice question per group: a stem line, options ``A) …`` or ``A. …`` (the space
after the delimiter is optional, as in Moodle), then ``ANSWER: B``. As in Moodle, lines shorter
than two bytes are ignored; an option or an ANSWER line outside a question, an ANSWER after
fewer than two options and a question that the next one starts before its ANSWER are each
reported on their line (Moodle reports them and imports the rest; here nothing is written while
any is left, so each names its line).

Read a little more widely than Moodle, where Chinese word processors write other characters
for the same thing: ``ANSWER：`` with a full-width colon, ``answer:`` in lower case, full-width
option letters and delimiters (``Ａ．``), and a stem written over several lines before the first
option. Never silently narrower: where Moodle would take the first letter of ``ANSWER: AB``, or
mark an option that does not exist, the line is reported instead.

Aiken text is plain text (Moodle escapes it): questions come with ``text_format="text"`` and
no citation (the format has nowhere to put one).
"""

import re

from django.utils.translation import gettext_lazy as _

from ..soundness import structure_problems
from .base import FormatError, ParsedOption, ParsedQuestion, ParseResult
from .text import answer_letters, letter_index, strip_option_prefix

POSITION = _("第 %(line)s 行")
MISSING_ANSWER = _("题目缺少“ANSWER: 字母”行（下一题开始之前没有答案）。")
OPTION_WITHOUT_STEM = _("选项前面没有题干。")
ANSWER_WITHOUT_QUESTION = _("ANSWER 行前面没有题目。")
TOO_FEW_OPTIONS = _("至少需要两个选项（A、B……）。")
OPTION_LETTER_ORDER = _(
    "选项字母应为 %(expected)s，实际为 %(actual)s（选项须按 A、B、C……的顺序排列）。"
)
ANSWER_NOT_AN_OPTION = _("答案“%(answer)s”不是本题的选项（本题选项为 A 到 %(last)s）。")
ANSWER_NOT_ONE_LETTER = _(
    "Aiken 格式只支持单选题：ANSWER 后面应当只有一个选项字母，实际为“%(answer)s”。"
)

# Moodle: '/^[A-Z][).][ \t]?/'. Also the full-width letters and delimiters.
_OPTION = re.compile(r"^([A-ZＡ-Ｚ])[).）．]")
# Moodle: '/^ANSWER:/'. Also lower case and the full-width colon.
_ANSWER = re.compile(r"^ANSWER\s*[:：](.*)$", re.IGNORECASE)


class _Draft:
    def __init__(self, line: int, stem: str) -> None:
        self.line = line
        self.stem = [stem]
        self.options: list[str] = []
        self.broken = ""  # first problem found, reported when the question ends


def parse_aiken(text: str) -> ParseResult:
    """Parse an Aiken file; each question lands in questions or in errors, never nowhere."""
    result = ParseResult()
    draft: _Draft | None = None

    def error(line: int, message: str) -> None:
        result.errors.append(FormatError(POSITION % {"line": line}, message))

    for number, raw in enumerate(text.lstrip("\ufeff").splitlines(), start=1):
        line = raw.strip()
        if len(line.encode("utf-8")) < 2:  # Moodle: strlen($nowline) < 2
            continue
        option = _OPTION.match(line)
        answer = _ANSWER.match(line)
        if option:
            if draft is None:
                error(number, OPTION_WITHOUT_STEM)
                continue
            index = letter_index(option.group(1))
            if index != len(draft.options) and not draft.broken:
                expected = chr(ord("A") + len(draft.options))
                actual = chr(ord("A") + index)
                draft.broken = OPTION_LETTER_ORDER % {"expected": expected, "actual": actual}
            draft.options.append(strip_option_prefix(line, index))
        elif answer:
            if draft is None:
                error(number, ANSWER_WITHOUT_QUESTION)
                continue
            _finish(draft, answer.group(1), number, result)
            draft = None
        elif draft is not None and not draft.options:
            draft.stem.append(line)  # a stem over several lines
        else:
            if draft is not None:
                error(draft.line, draft.broken or MISSING_ANSWER)
            draft = _Draft(number, line)
    if draft is not None:
        error(draft.line, draft.broken or MISSING_ANSWER)
    return result


def _finish(draft: _Draft, answer: str, answer_line: int, result: ParseResult) -> None:
    def error(line: int, message: str) -> None:
        result.errors.append(FormatError(POSITION % {"line": line}, message))

    if draft.broken:
        return error(draft.line, draft.broken)
    if len(draft.options) < 2:
        return error(answer_line, TOO_FEW_OPTIONS)
    letters = answer_letters(answer.strip())
    if letters is None or len(letters) != 1:
        return error(answer_line, ANSWER_NOT_ONE_LETTER % {"answer": answer.strip()})
    index = letters[0]
    if not 0 <= index < len(draft.options):
        last = chr(ord("A") + len(draft.options) - 1)
        letter = chr(ord("A") + index)
        return error(answer_line, ANSWER_NOT_AN_OPTION % {"answer": letter, "last": last})
    stem = "\n".join(draft.stem)
    options = [(text, i == index) for i, text in enumerate(draft.options)]
    problems = structure_problems(kind="single", stem_text=stem, options=options)
    for problem in problems:
        error(draft.line, problem)
    if problems:
        return None
    result.questions.append(
        ParsedQuestion(
            position=POSITION % {"line": draft.line},
            kind="single",
            stem=stem,
            options=[
                ParsedOption(text, correct, 1.0 if correct else 0.0) for text, correct in options
            ],
            text_format="text",
        )
    )
