"""Moodle GIFT import and export, following question/format/gift/format.php.

Questions are blocks separated by blank lines; ``//`` lines are comments, and the comment tags
``// [tag:难度:3]`` / ``// [tag:法条:…]`` in a question's block carry its difficulty and
citations (other tags and ``// [id:…]`` are listed as not kept). ``$CATEGORY:
$course$/top/行政法/行政许可`` sets the topic ("行政法/行政许可") of the questions after it.

Read as Moodle reads them: single and multiple choice (``=`` marks the one right answer; without
it every positive weight is a right answer, and a single one makes the question 不定项), true/false
and essays (``{}``, a short answer marked by people). Text after the answer block makes a
"missing word" question: the block's place becomes the blank ``（    ）`` in the stem. Per-answer
feedback (``#…``) and weights (``~%50%``) are kept, weights only from Moodle's own list of
grades; general feedback (``####…``) is the explanation; ``[html]`` is HTML, ``[moodle]``,
``[plain]`` and ``[markdown]`` are text as typed. Every other question type is listed in
``skipped`` with its type, every malformed question in ``errors``.
"""

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from .base import (
    ExportQuestion,
    FormatError,
    ParsedOption,
    ParsedQuestion,
    ParseResult,
    RubricCriterion,
    SkippedQuestion,
)
from .html import html_to_text, looks_like_html
from .moodle import (
    BLANK,
    DEFAULT_CRITERION,
    DEFAULT_POINTS,
    EMPTY_STEM,
    GRADE_TOLERANCE,
    NOT_KEPT_FALSE_FEEDBACK,
    NOT_KEPT_IDNUMBER,
    NOT_KEPT_MARKDOWN,
    NOT_KEPT_TAG,
    NOT_KEPT_TRUE_FEEDBACK,
    TOO_FEW_OPTIONS,
    QuestionImages,
    RawField,
    blank_stem_parts,
    category_for_topic,
    format_percent,
    invalid_grade_message,
    kind_of_choices,
    match_grade,
    metadata_from_tags,
    question_fields,
    tags_for,
    topic_from_category,
    unsupported_reason,
    weights_for,
    without_own_images,
)

POSITION = _("第 %(line)s 行")
NO_ANSWER_BLOCK = _(
    "没有找到答案区块“{…}”，无法判断题型（Moodle 会把它当作说明文字 description，本平台不导入）。"
)
UNCLOSED_BRACE = _("第 %(line)s 行的“{”没有对应的“}”（答案区块中不能有空行）。")
UNOPENED_BRACE = _("第 %(line)s 行的“}”前面没有对应的“{”（答案区块中不能有空行）。")
SECOND_ANSWER_BLOCK = _(
    "第 %(line)s 行又出现了一个答案区块“{”：一道题只能有一个答案区块，题目之间要用空行分隔。"
)
EMPTY_OPTION = _("有一个选项内容为空。")
BAD_CORRECT_WEIGHT = _("“=”标记的正确答案权重只能是 100%%（“%(text)s”）。")

IMAGES_LEFT_OUT = _(
    "// 未导出的图片（GIFT 格式不能携带图片，请改用 Moodle XML 格式导出）：%(names)s"
)

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
_ENTITY = re.compile(r"&(?:[A-Za-z][A-Za-z0-9]*|#[0-9]+|#x[0-9A-Fa-f]+);")
_WEIGHT_RE = re.compile(r"^%(-?\d+(?:\.\d+)?)%")
_COMMENT_TAG_RE = re.compile(r"\[tag:((?:\\\]|[^\]<>`\x00-\x1f])+)\]")
_COMMENT_ID_RE = re.compile(r"\[id:((?:\\\]|[^\]\x00-\x1f])+)\]")
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
    position = POSITION % {"line": numbers[0]}
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
        return error(UNCLOSED_BRACE % {"line": line_of(opening)})
    if opening == -1 or closing < opening:
        return error(UNOPENED_BRACE % {"line": line_of(closing)})
    second = text.find("{", closing)
    if second != -1:
        return error(SECOND_ANSWER_BLOCK % {"line": line_of(second)})

    answers = text[opening + 1 : closing].strip()
    general_feedback = ""
    separator = answers.rfind("####")
    if separator != -1:
        general_feedback = answers[separator + 4 :]
        answers = answers[:separator].strip()

    qtype = _question_type(answers)
    if qtype not in ("multichoice", "truefalse", "essay"):
        result.skipped.append(_skip(position, qtype))
        return
    # As Moodle: text after the answer block makes it a "missing word" question, the block's
    # place a blank in the stem ("_____" there, a Chinese bracket here).
    after = text[closing + 1 :]
    question_text = text[start:opening] + (BLANK if after.strip() else "") + after
    stem_format, stem = _split_format(question_text.strip(), "moodle")
    feedback_format, general_feedback = _split_format(general_feedback.strip(), stem_format)
    fields = [_raw(stem, stem_format), _raw(general_feedback, feedback_format)]
    tags = _comment_tags(block.comments)
    meta = metadata_from_tags(tags)
    if meta.errors:
        return error(meta.errors[0])
    question = ParsedQuestion(
        position=position,
        kind="true_false",
        stem="",
        difficulty=meta.difficulty,
        topic=topic,
        citations=meta.citations,
        name=name,
    )
    question.not_kept += [NOT_KEPT_TAG % {"tag": t} for t in meta.other_tags]
    question.not_kept += [NOT_KEPT_IDNUMBER % {"value": i} for i in _comment_ids(block.comments)]

    if qtype == "truefalse":
        word, wrong, right = ([*answers.split("#", 2), "", ""])[:3]
        answer_true = word.strip() in TRUE_WORDS
        feedback_true, feedback_false = (right, wrong) if answer_true else (wrong, right)
        feedbacks = [
            (feedback_true, NOT_KEPT_TRUE_FEEDBACK),
            (feedback_false, NOT_KEPT_FALSE_FEEDBACK),
        ]
        for raw, message in feedbacks:
            shown = html_to_text(_restore(_split_format(raw.strip(), stem_format)[1]))
            if shown:
                question.not_kept.append(message % {"text": shown})
        question.answer_true = answer_true
    elif qtype == "essay":
        question.kind = "short_answer"
        question.rubric = [RubricCriterion(DEFAULT_CRITERION, DEFAULT_POINTS)]
    else:
        problem = _read_choices(question, answers, stem_format, fields)
        if problem:
            return error(problem)

    # GIFT carries no files: an image of the question's own has nothing to show, and one
    # from another server is not shown to candidates; both are listed.
    images = QuestionImages()
    fields = [
        RawField(images.relink(f.text, {}), f.text_format) if f.text_format == "html" else f
        for f in fields
    ]
    question.not_kept += images.not_kept
    question.text_format, texts = question_fields(fields)
    question.stem, question.explanation = texts[0], texts[1]
    for option, (option_text, feedback) in zip(
        question.options, zip(texts[2::2], texts[3::2], strict=True), strict=True
    ):
        option.text, option.feedback = option_text, feedback
    if any(f.text_format == "markdown" for f in fields if f.text.strip()):
        question.not_kept.append(NOT_KEPT_MARKDOWN)
    if not html_to_text(question.stem):
        return error(EMPTY_STEM)
    if any(not html_to_text(o.text) for o in question.options):
        return error(EMPTY_OPTION)
    result.questions.append(question)


def _raw(text: str, text_format: str) -> RawField:
    """GIFT's formats as the question's format sees them: only html renders markup; moodle,
    plain and markdown text is what the person typed (markdown is listed as not rendered)."""
    return RawField(_restore(text), text_format if text_format in ("html", "markdown") else "plain")


def _question_type(answers: str) -> str:
    """Moodle's own order of tests (format.php, "Get quiz type")."""
    if answers == "":
        return "essay"
    if answers.startswith("#"):
        return "numerical"
    if "~" in answers:
        return "multichoice"
    if "=" in answers and "->" in answers:
        return "matching"
    if _true_false_word(answers) in TRUE_WORDS + FALSE_WORDS:
        return "truefalse"
    return "shortanswer"


def _true_false_word(answers: str) -> str:
    """The answer word of a true/false block: ``T#wrong feedback#right feedback`` -> ``T``."""
    hash_at = answers.find("#")
    return answers[:hash_at].strip() if hash_at > 0 else answers


def _read_choices(
    question: ParsedQuestion, answers: str, text_format: str, fields: list[RawField]
) -> str | None:
    """Fill the options (and their fields) of a multichoice question; returns an error
    message if it is malformed. Texts are filled in once the question's format is known."""
    single = "=" in answers  # as Moodle: no "=" answer means several may be chosen
    parts = answers.replace("=", "~=").split("~")
    if not parts[0].strip():
        parts = parts[1:]
    if len(parts) < 2:
        return TOO_FEW_OPTIONS
    invalid: list[float] = []
    for part in parts:
        part = part.strip()
        marked = part.startswith("=")
        if marked:
            part = part[1:].lstrip()
        fraction = 1.0 if marked else 0.0
        weight = _WEIGHT_RE.match(part)
        if weight:
            fraction = float(weight.group(1)) / 100
            part = part[weight.end() :]
            if marked and abs(fraction - 1.0) >= GRADE_TOLERANCE:
                return BAD_CORRECT_WEIGHT % {"text": _restore(part.split("#", 1)[0]).strip()}
        grade = match_grade(fraction)
        if grade is None:
            invalid.append(fraction)
        option_text, _hash, feedback = part.partition("#")
        for raw in (option_text, feedback):
            raw_format, raw_text = _split_format(raw.strip(), text_format)
            fields.append(_raw(raw_text, raw_format))
        question.options.append(ParsedOption("", False, fraction if grade is None else grade))
    if invalid:
        return invalid_grade_message(question.name, invalid)
    for option in question.options:
        option.correct = option.fraction == 1.0 if single else option.fraction > 0
    question.kind, question.indefinite, problem = kind_of_choices(question.options, single=single)
    return problem or None


def _split_format(text: str, default: str) -> tuple[str, str]:
    """Split a leading format marker: ``[html]<p>…`` -> ("html", "<p>…").

    As Moodle's parse_text_with_format, an unknown ``[…]`` is ordinary text.
    """
    if text.startswith("["):
        end = text.find("]")
        if end != -1 and text[1:end] in TEXT_FORMAT_NAMES:
            return text[1:end], text[end + 1 :]
    return default, text


def _restore(text: str) -> str:
    return text.translate(_RESTORE)


def _comment_tags(comments: list[str]) -> list[str]:
    return [
        m.group(1).replace("\\]", "]").strip()
        for comment in comments
        for m in _COMMENT_TAG_RE.finditer(comment)
    ]


def _comment_ids(comments: list[str]) -> list[str]:
    """Moodle's ``// [id:…]`` comment: the question's ID number."""
    return [
        m.group(1).replace("\\]", "]").strip()
        for comment in comments
        for m in _COMMENT_ID_RE.finditer(comment)
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
    # GIFT cannot carry images: they are left out, and a comment says which.
    stem, dropped = without_own_images(question.stem)
    explanation, more = without_own_images(question.explanation)
    dropped += more
    options = []
    for option in question.options:
        text, more = without_own_images(option.text)
        feedback, even_more = without_own_images(option.feedback)
        dropped += more + even_more
        options.append(ParsedOption(text, option.correct, option.fraction, feedback))
    texts = [stem, explanation, *(t for o in options for t in (o.text, o.feedback))]
    # One text format per question, as in Moodle: html as soon as any part carries markup.
    is_html = any(_is_html(t) for t in texts)
    marker = "[html]" if is_html else "[moodle]"
    tags = tags_for(question.difficulty, question.citations)
    lines = [f"// [tag:{_escape_tag(tag)}]" for tag in tags]
    names = list(dict.fromkeys(dropped + [i.name for i in question.images]))
    if names:
        lines.append(IMAGES_LEFT_OUT % {"names": "、".join(names)})
    head = f"::{_escape(question.name.strip())}::" if question.name.strip() else ""
    # A missing-word question: the answer block goes where the blank is.
    blank = blank_stem_parts(stem) if question.kind in ("single", "multiple") else None
    before, after = blank if blank else (stem, "")
    before = _export_text(before, is_html)
    head += marker + before if is_html else _protect(before, marker)
    tail = _export_text(after, is_html) if blank else ""
    explanation = _export_text(explanation, is_html)
    feedback = f"####{_protect(explanation, marker)}" if explanation else ""
    if question.kind == "true_false":
        lines.append(f"{head}{{{'TRUE' if question.answer_true else 'FALSE'}{feedback}}}")
        return "\n".join(lines)
    if question.kind in ("case_analysis", "short_answer"):
        # GIFT's essay: it has no place for the rubric or the model answer (Moodle XML has).
        lines.append(f"{head}{{{feedback}}}")
        return "\n".join(lines)
    lines.append(head + "{")
    fractions = weights_for(question.kind, options)
    for option, fraction in zip(options, fractions, strict=True):
        if question.kind == "single" and fraction == 1.0:
            prefix = "="
        elif fraction == 0:
            prefix = "~"
        else:
            prefix = f"~%{format_percent(fraction)}%"
        line = f"\t{prefix}{_protect(_export_text(option.text, is_html), marker)}"
        if option.feedback.strip():
            line += f"#{_protect(_export_text(option.feedback, is_html), marker)}"
        lines.append(line)
    if feedback:
        lines.append(f"\t{feedback}")
    lines.append("}" + tail)
    return "\n".join(lines)


def _is_html(text: str) -> bool:
    """Stored text is HTML: tags or entities (an "&amp;" must not come back as five letters)."""
    return looks_like_html(text) or bool(_ENTITY.search(text))


def _export_text(text: str, is_html: bool) -> str:
    text = text.strip()
    if is_html and not _is_html(text):
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
