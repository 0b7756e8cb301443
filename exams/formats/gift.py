"""Moodle GIFT import and export, following question/format/gift/format.php.

Questions are blocks separated by blank lines; ``//`` lines are comments, and the comment tags
``// [tag:难度:3]`` / ``// [tag:法条:…]`` in a question's block carry its difficulty and
citations. ``$CATEGORY: $course$/top/行政法/行政许可`` sets the topic ("行政法/行政许可") of the
questions after it. Only single choice, multiple choice and true/false are imported; every other
question is listed in ``skipped`` with its type, every malformed one in ``errors``.
"""

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass

from .base import (
    ExportQuestion,
    FormatError,
    ParsedOption,
    ParsedQuestion,
    ParseResult,
    SkippedQuestion,
)
from .html import looks_like_html, rich_text_from_moodle
from .moodle import (
    EMPTY_STEM,
    MULTIPLE_NEEDS_TWO_CORRECT,
    SINGLE_NEEDS_ONE_CORRECT,
    TOO_FEW_OPTIONS,
    category_for_topic,
    export_fractions,
    format_percent,
    metadata_from_tags,
    tags_for,
    topic_from_category,
    unsupported_reason,
)

POSITION = "第 {line} 行"
NO_ANSWER_BLOCK = (
    "没有找到答案区块“{…}”，无法判断题型（Moodle 会把它当作说明文字 description，本平台不导入）。"
)
UNCLOSED_BRACE = "第 {line} 行的“{{”没有对应的“}}”（答案区块中不能有空行）。"
UNOPENED_BRACE = "第 {line} 行的“}}”前面没有对应的“{{”（答案区块中不能有空行）。"
SECOND_ANSWER_BLOCK = (
    "第 {line} 行又出现了一个答案区块“{{”：一道题只能有一个答案区块，题目之间要用空行分隔。"
)
EMPTY_OPTION = "有一个选项内容为空。"
BAD_CORRECT_WEIGHT = "“=”标记的正确答案权重只能是 100%（“{text}”）。"

CATEGORY_COMMAND = "$CATEGORY:"
TRUE_WORDS = ("T", "TRUE")
FALSE_WORDS = ("F", "FALSE")
TEXT_FORMAT_NAMES = ("html", "moodle", "plain", "markdown")

# Escaped characters are hidden behind private-use characters while the structure is parsed
# (Moodle's escapedchar_pre/escapedchar_post, without its "&&058;" collisions).
_ESCAPABLE = "\\:#={}~n"
_HIDE = {c: chr(0xE000 + i) for i, c in enumerate(_ESCAPABLE)}
_RESTORE = str.maketrans({v: ("\n" if c == "n" else c) for c, v in _HIDE.items()})
_ESCAPE_RE = re.compile(r"\\([\\:#={}~n])")
_WEIGHT_RE = re.compile(r"^%(-?\d+(?:\.\d+)?)%")
_COMMENT_TAG_RE = re.compile(r"\[tag:((?:\\\]|[^\]<>`\x00-\x1f])+)\]")
_EXPORT_ESCAPES = str.maketrans(
    {"\\": "\\\\", "#": "\\#", "=": "\\=", "~": "\\~", "{": "\\{", "}": "\\}", ":": "\\:"}
)


@dataclass
class _Block:
    """Lines of one question (blank-line separated), comment lines apart."""

    lines: list[tuple[int, str]]  # (line number, stripped text) of the non-comment lines
    comments: list[str]


def parse_gift(text: str) -> ParseResult:
    """Parse a GIFT file; never raises on bad input, reports it with the line instead."""
    result = ParseResult()
    topic = ""
    for block in _blocks(text):
        first = block.lines[0][1]
        if first.startswith(CATEGORY_COMMAND):
            topic = topic_from_category(first[len(CATEGORY_COMMAND) :])
            # Moodle wants a blank line after $CATEGORY; a question right below it is still read.
            if len(block.lines) == 1:
                continue
            block = _Block(block.lines[1:], block.comments)
        _read_question(block, topic, result)
    return result


def _blocks(text: str) -> Iterable[_Block]:
    lines: list[tuple[int, str]] = []
    comments: list[str] = []
    for number, raw in enumerate(text.lstrip("\ufeff").splitlines(), start=1):
        line = raw.strip()
        if not line:
            if lines:
                yield _Block(lines, comments)
            lines, comments = [], []
        elif line.startswith("//"):
            comments.append(line)
        else:
            lines.append((number, line))
    if lines:
        yield _Block(lines, comments)


def _read_question(block: _Block, topic: str, result: ParseResult) -> None:
    numbers = [n for n, _ in block.lines]
    position = POSITION.format(line=numbers[0])
    text = _ESCAPE_RE.sub(lambda m: _HIDE[m.group(1)], "\n".join(t for _, t in block.lines))

    def line_of(offset: int) -> int:
        return numbers[text.count("\n", 0, offset)]

    def error(message: str) -> None:
        result.errors.append(FormatError(position, message))

    start = 0
    name = ""
    if text.startswith("::"):
        end = text.find("::", 2)
        if end != -1:
            name = _restore(text[2:end]).strip()
            start = end + 2
        else:
            start = 2  # as Moodle: an unfinished name marker is dropped
    opening = text.find("{", start)
    closing = text.find("}", start)
    if opening == -1 and closing == -1:
        return error(NO_ANSWER_BLOCK)
    if closing == -1:
        return error(UNCLOSED_BRACE.format(line=line_of(opening)))
    if opening == -1 or closing < opening:
        return error(UNOPENED_BRACE.format(line=line_of(closing)))
    second = text.find("{", closing)
    if second != -1:
        return error(SECOND_ANSWER_BLOCK.format(line=line_of(second)))

    answers = text[opening + 1 : closing].strip()
    general_feedback = ""
    separator = answers.rfind("####")
    if separator != -1:
        general_feedback = answers[separator + 4 :]
        answers = answers[:separator].strip()

    qtype = _question_type(answers)
    if qtype not in ("multichoice", "truefalse"):
        result.skipped.append(_skip(position, qtype))
        return
    if text[closing + 1 :].strip():
        result.skipped.append(_skip(position, "missingword"))
        return

    text_format, stem = _split_format(text[start:opening].strip(), "moodle")
    stem = _field(stem, text_format)
    meta = metadata_from_tags(_comment_tags(block.comments))
    if not stem:
        return error(EMPTY_STEM)
    if meta.errors:
        return error(meta.errors[0])
    question = ParsedQuestion(
        position=position,
        kind="true_false",
        stem=stem,
        explanation=_text_field(general_feedback, text_format),
        difficulty=meta.difficulty,
        topic=topic,
        citations=meta.citations,
        name=name,
    )
    if qtype == "truefalse":
        question.answer_true = _true_false_word(answers) in TRUE_WORDS
        result.questions.append(question)
        return
    problem = _read_choices(question, answers, text_format)
    if problem:
        return error(problem)
    result.questions.append(question)


def _question_type(answers: str) -> str:
    """Moodle's own order of tests (format.php, "Get quiz type")."""
    if answers == "":
        return "essay"
    if answers.startswith("#"):
        return "numerical"
    if "~" in answers:
        return "multichoice"
    if "->" in answers:
        return "matching"
    if _true_false_word(answers) in TRUE_WORDS + FALSE_WORDS:
        return "truefalse"
    return "shortanswer"


def _true_false_word(answers: str) -> str:
    """The answer word of a true/false block: ``T#wrong feedback#right feedback`` -> ``T``."""
    hash_at = answers.find("#")
    return answers[:hash_at].strip() if hash_at > 0 else answers


def _read_choices(question: ParsedQuestion, answers: str, text_format: str) -> str | None:
    """Fill the options of a multichoice question; returns an error message if it is malformed."""
    question.kind = "single" if "=" in answers else "multiple"
    parts = answers.replace("=", "~=").split("~")
    if not parts[0].strip():
        parts = parts[1:]
    if len(parts) < 2:
        return TOO_FEW_OPTIONS
    marked_correct = 0
    for part in parts:
        part = part.strip()
        marked = part.startswith("=")
        if marked:
            part = part[1:].lstrip()
            marked_correct += 1
        fraction = 1.0 if marked else 0.0
        weight = _WEIGHT_RE.match(part)
        if weight:
            fraction = round(float(weight.group(1)) / 100, 7)  # Moodle keeps 7 decimals
            part = part[weight.end() :]
            if marked and fraction != 1.0:
                return BAD_CORRECT_WEIGHT.format(text=_restore(part.split("#", 1)[0]).strip())
        option_text = _text_field(part.split("#", 1)[0], text_format)
        if not option_text:
            return EMPTY_OPTION
        correct = marked if question.kind == "single" else fraction > 0
        question.options.append(ParsedOption(option_text, correct, fraction))
    if question.kind == "single" and marked_correct != 1:
        return SINGLE_NEEDS_ONE_CORRECT
    if question.kind == "multiple" and sum(o.correct for o in question.options) < 2:
        return MULTIPLE_NEEDS_TWO_CORRECT
    return None


def _split_format(text: str, default: str) -> tuple[str, str]:
    """Split a leading format marker: ``[html]<p>…`` -> ("html", "<p>…").

    As Moodle's parse_text_with_format, an unknown ``[…]`` is ordinary text.
    """
    if text.startswith("["):
        end = text.find("]")
        if end != -1 and text[1:end] in TEXT_FORMAT_NAMES:
            return text[1:end], text[end + 1 :]
    return default, text


def _text_field(raw: str, default_format: str) -> str:
    """An answer or feedback: may carry its own format marker, else the question's format."""
    text_format, text = _split_format(raw.strip(), default_format)
    return _field(text, text_format)


def _field(text: str, text_format: str) -> str:
    return rich_text_from_moodle(_restore(text), text_format)


def _restore(text: str) -> str:
    return text.translate(_RESTORE)


def _comment_tags(comments: list[str]) -> list[str]:
    return [
        m.group(1).replace("\\]", "]").strip()
        for comment in comments
        for m in _COMMENT_TAG_RE.finditer(comment)
    ]


def _skip(position: str, qtype: str) -> SkippedQuestion:
    return SkippedQuestion(position, unsupported_reason(qtype))


# Export ------------------------------------------------------------------------------------


def export_gift(questions: Iterable[ExportQuestion]) -> str:
    """GIFT text that Moodle imports and that ``parse_gift`` reads back to the same questions."""
    chunks: list[str] = []
    topic: str | None = None
    for question in questions:
        if question.topic != topic:
            topic = question.topic
            chunks.append(f"{CATEGORY_COMMAND} {category_for_topic(topic)}")
        chunks.append(_export_question(question))
    return "\n\n".join(chunks) + "\n" if chunks else ""


def _export_question(question: ExportQuestion) -> str:
    # One text format per question, as in Moodle: html as soon as any part carries markup.
    is_html = any(
        looks_like_html(t)
        for t in [question.stem, question.explanation, *(o.text for o in question.options)]
    )
    marker = "[html]" if is_html else "[moodle]"
    tags = tags_for(question.difficulty, question.citations)
    lines = [f"// [tag:{_escape_tag(tag)}]" for tag in tags]
    head = f"::{_escape(question.name.strip())}::" if question.name.strip() else ""
    stem = _export_text(question.stem, is_html)
    head += marker + stem if is_html else _protect(stem, marker)
    explanation = _export_text(question.explanation, is_html)
    feedback = f"####{_protect(explanation, marker)}" if explanation else ""
    if question.kind == "true_false":
        lines.append(f"{head}{{{'TRUE' if question.answer_true else 'FALSE'}{feedback}}}")
        return "\n".join(lines)
    if question.kind in ("case_analysis", "short_answer"):
        # GIFT's essay: it has no place for the rubric or the model answer (Moodle XML has).
        lines.append(f"{head}{{{feedback}}}")
        return "\n".join(lines)
    lines.append(head + "{")
    fractions = export_fractions(question.kind, question.options)
    for option, fraction in zip(question.options, fractions, strict=True):
        if question.kind == "single":
            prefix = "=" if option.correct else "~"
        else:
            prefix = f"~%{format_percent(fraction)}%"
        lines.append(f"\t{prefix}{_protect(_export_text(option.text, is_html), marker)}")
    if feedback:
        lines.append(f"\t{feedback}")
    lines.append("}")
    return "\n".join(lines)


def _export_text(text: str, is_html: bool) -> str:
    text = text.strip()
    if is_html and not looks_like_html(text):
        text = html.escape(text, quote=False)
    return _escape(text)


def _escape_tag(tag: str) -> str:
    return tag.replace("]", "\\]").replace("\n", " ")


def _escape(text: str) -> str:
    """Moodle's repchar: escape the reserved characters, line breaks as ``\\n``."""
    return text.replace("\r", "").translate(_EXPORT_ESCAPES).replace("\n", "\\n")


def _protect(text: str, marker: str) -> str:
    """Prefix a format marker when the text would otherwise read as a comment, category,
    weight or format marker."""
    if text.startswith(("[", "%", "//", "$CATEGORY")):
        return marker + text
    return text
