"""Aiken import (Moodle has no Aiken export), following question/format/aiken/format.php.

One single-choice question per group: stem lines, options "A) …" or "A. …" (also the full-width
"Ａ．…" that Chinese word processors produce), then "ANSWER: B". Moodle glues a question that
lacks its ANSWER line onto the next one; we report it instead, with the line it starts on.
"""

import re
from dataclasses import dataclass, field

from .base import FormatError, ParsedOption, ParsedQuestion, ParseResult

POSITION = "第 {line} 行"
MISSING_ANSWER = "题目缺少“ANSWER: 字母”行。"
OPTION_WITHOUT_STEM = "选项前面没有题干。"
ANSWER_WITHOUT_QUESTION = "ANSWER 行前面没有题目。"
TOO_FEW_OPTIONS = "至少需要两个选项（A、B……）。"
OPTION_LETTER_ORDER = "选项字母应为 {expected}，实际为 {actual}（选项须按 A、B、C……的顺序排列）。"
ANSWER_NOT_AN_OPTION = "答案“{answer}”不是本题的选项（本题选项为 A 到 {last}）。"
ANSWER_NOT_ONE_LETTER = (
    "Aiken 格式只支持单选题：ANSWER 后面应当只有一个选项字母，实际为“{answer}”。"
)

# ASCII delimiters need a following space, as in Moodle ("A. 选项"); full-width ones do not.
_OPTION = re.compile(r"^([A-ZＡ-Ｚ])(?:[).][ \t]|[）．]\s*)(.*)$")
_ANSWER = re.compile(r"^ANSWER\s*[:：](.*)$", re.IGNORECASE)


@dataclass
class _Draft:
    line: int
    stem: list[str]
    options: list[str] = field(default_factory=list)
    broken: str = ""  # first problem found, reported when the question ends


def parse_aiken(text: str) -> ParseResult:
    """Parse an Aiken file; each question lands in questions or in errors, never nowhere."""
    result = ParseResult()
    draft: _Draft | None = None

    def error(line: int, message: str) -> None:
        result.errors.append(FormatError(POSITION.format(line=line), message))

    for number, raw in enumerate(text.lstrip("\ufeff").splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        option = _OPTION.match(line)
        answer = _ANSWER.match(line)
        if option:
            if draft is None:
                draft = _Draft(number, [], broken=OPTION_WITHOUT_STEM)
            letter = _ascii(option.group(1))
            expected = chr(ord("A") + len(draft.options))
            if letter != expected and not draft.broken:
                draft.broken = OPTION_LETTER_ORDER.format(expected=expected, actual=letter)
            draft.options.append(option.group(2).strip())
        elif answer:
            if draft is None:
                error(number, ANSWER_WITHOUT_QUESTION)
                continue
            _finish(draft, answer.group(1), number, result)
            draft = None
        elif draft is not None and not draft.options:
            draft.stem.append(line)  # multi-line stem
        else:
            if draft is not None:
                error(draft.line, draft.broken or MISSING_ANSWER)
            draft = _Draft(number, [line])
    if draft is not None:
        error(draft.line, draft.broken or MISSING_ANSWER)
    return result


def _finish(draft: _Draft, answer: str, answer_line: int, result: ParseResult) -> None:
    def error(line: int, message: str) -> None:
        result.errors.append(FormatError(POSITION.format(line=line), message))

    if draft.broken:
        return error(draft.line, draft.broken)
    if len(draft.options) < 2:
        return error(answer_line, TOO_FEW_OPTIONS)
    letters = re.sub(r"[\s,，、]", "", _ascii(answer.strip()).upper())
    if len(letters) != 1:
        return error(answer_line, ANSWER_NOT_ONE_LETTER.format(answer=answer.strip()))
    index = ord(letters) - ord("A")
    if not 0 <= index < len(draft.options):
        last = chr(ord("A") + len(draft.options) - 1)
        return error(answer_line, ANSWER_NOT_AN_OPTION.format(answer=letters, last=last))
    result.questions.append(
        ParsedQuestion(
            position=POSITION.format(line=draft.line),
            kind="single",
            stem="\n".join(draft.stem),
            options=[
                ParsedOption(text, i == index, 1.0 if i == index else 0.0)
                for i, text in enumerate(draft.options)
            ],
        )
    )


def _ascii(value: str) -> str:
    """Full-width letters (Ａ–Ｚ) as ASCII."""
    return "".join(chr(ord(c) - 0xFEE0) if "Ａ" <= c <= "Ｚ" else c for c in value)
