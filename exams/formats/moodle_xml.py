"""Moodle XML import and export, following question/format/xml/format.php.

Files come from outside, so they are parsed with defusedxml and any DTD is refused: no entity
expansion (billion laughs), no external entity (XXE), nothing is fetched. Topics travel as
``<question type="category">``, difficulty and citations as ``<tags>``.

Kept: the name, per-answer ``<feedback>``, the answers' ``fraction`` (only Moodle's own list of
grades, as its importer checks them), ``<generalfeedback>`` as the explanation, and images:
the base64 ``<file>`` elements of every field, referred to as ``@@PLUGINFILE@@/<name>``, and
Moodle 1.9's ``<image>``/``<image_base64>``, appended to the stem as Moodle does. Whatever else
the file says about a question (points, penalty, hints, combined feedback, ID number, other
tags, files that are not pictures…) is listed in its ``not_kept``. A multiple-answer question
(``<single>false</single>``) with one right answer is 不定项.

Case-analysis and short-answer questions travel as Moodle's ``essay``: the model answer and
the rubric in ``<graderinfo>`` (Moodle's "information for graders"), written as

    参考答案：
    <the model answer>
    评分标准：
    <criterion>|<points>        (one a line)

and the kind as the tag ``题型:案例分析`` (an essay without it is a short answer). An essay from
elsewhere without a rubric gets one criterion worth its ``defaultgrade``.
"""

import base64
import re
from collections.abc import Iterable
from html import escape
from xml.etree import ElementTree

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser, ParseError
from django.utils.translation import gettext_lazy as _

from .base import (
    MARKED,
    ExportQuestion,
    FormatError,
    ParsedImage,
    ParsedOption,
    ParsedQuestion,
    ParseResult,
    RubricCriterion,
    SkippedQuestion,
)
from .html import PLUGINFILE, html_to_text, looks_like_html, rich_text_from_moodle
from .moodle import (
    BAD_FILE,
    DEFAULT_CRITERION,
    DEFAULT_POINTS,
    EMPTY_STEM,
    GRADE_TOLERANCE,
    NOT_KEPT_FALSE_FEEDBACK,
    NOT_KEPT_IDNUMBER,
    NOT_KEPT_MARKDOWN,
    NOT_KEPT_MISSING_IMAGE,
    NOT_KEPT_TAG,
    NOT_KEPT_TRUE_FEEDBACK,
    TOO_FEW_OPTIONS,
    QuestionImages,
    RawField,
    category_for_topic,
    decode_file,
    format_percent,
    image_alt,
    image_references,
    invalid_grade_message,
    kind_of_choices,
    match_grade,
    metadata_from_tags,
    question_fields,
    renders_tags,
    tags_for,
    topic_from_category,
    unsupported_reason,
    weights_for,
)

POSITION = _("第 %(index)s 题（第 %(line)s 行）")
FILE_POSITION = _("文件")
LINE_POSITION = _("第 %(line)s 行")
UNSAFE_XML = _("文件包含不安全的 XML 实体定义，已拒绝。")
MALFORMED_XML = _("XML 格式不正确，无法读取（第 %(line)s 行第 %(column)s 列附近）。")
NOT_MOODLE_XML = _("这不是 Moodle XML 题目文件：根元素应为 <quiz>，实际为 <%(tag)s>。")
MISSING_TYPE = _("<question> 缺少 type 属性，无法判断题型。")
BAD_FRACTION = _("答案的分值 fraction=“%(value)s” 不是数字。")
UNSUPPORTED_ENCODING = _("无法识别 XML 文件的字符编码，请另存为 UTF-8 编码后再导入。")
TRUE_FALSE_UNCLEAR = _("判断题的正确答案不明确：需要一个分值为 100 的 true 或 false 答案。")
BAD_RUBRIC = _("评阅信息（graderinfo）中的评分标准第 %(n)s 行“%(line)s”应写作“评分要点|分值”。")
MODEL_ANSWER_HEADING = "参考答案："
RUBRIC_HEADING = "评分标准："
KIND_TAG = "题型"
CASE_ANALYSIS_TAG = "案例分析"
NOT_KEPT_DEFAULT_GRADE = _("未保留：每题分值 %(value)s")
NOT_KEPT_PENALTY = _("未保留：每次重新作答扣分 %(value)s%%")
NOT_KEPT_HIDDEN = _("未保留：在 Moodle 中为隐藏题目")
NOT_KEPT_HINT = _("未保留：提示“%(text)s”")
NOT_KEPT_NO_SHUFFLE = _("未保留：选项不打乱顺序（是否打乱由考试设置决定）")
NOT_KEPT_ATTACHMENTS = _("未保留：上传附件作答（最多 %(count)s 个附件）")
NOT_KEPT_TEMPLATE = _("未保留：作答模板“%(text)s”")
NOT_KEPT_UNUSED_FILE = _("未保留：文件“%(name)s”（题目中没有显示它）")
COMBINED_FEEDBACK = (
    ("correctfeedback", _("未保留：答对时的总体反馈“%(text)s”")),
    ("partiallycorrectfeedback", _("未保留：部分答对时的总体反馈“%(text)s”")),
    ("incorrectfeedback", _("未保留：答错时的总体反馈“%(text)s”")),
)

_ENTITY = re.compile(r"&(?:[A-Za-z][A-Za-z0-9]*|#[0-9]+|#x[0-9A-Fa-f]+);")
_XML_INVALID = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_DECLARED_ENCODING = re.compile(rb"""(\s*<\?xml[^>]*?encoding\s*=\s*["'])([A-Za-z0-9._-]+)""")
NAME_LENGTH = 40  # derived names for questions without one (Moodle requires a name)


def parse_moodle_xml(data: bytes) -> ParseResult:
    """Parse a Moodle XML file; unsafe or malformed files give one error and no questions."""
    result = ParseResult()
    parsed = _parse_tree(data)
    if isinstance(parsed, FormatError):
        result.errors.append(parsed)
        return result
    root, question_lines = parsed
    if root.tag != "quiz":
        result.errors.append(FormatError(FILE_POSITION, NOT_MOODLE_XML % {"tag": root.tag}))
        return result

    topic = ""
    for index, (element, line) in enumerate(
        zip(root.findall("question"), question_lines, strict=True), start=1
    ):
        position = POSITION % {"index": index, "line": line}
        qtype = (element.get("type") or "").strip()
        if qtype == "category":
            topic = topic_from_category(element.findtext("category/text") or "")
        elif not qtype:
            result.errors.append(FormatError(position, MISSING_TYPE))
        elif qtype == "essay" and (element.findtext("responseformat") or "").strip() == "noinline":
            # Answered only by uploading files: candidates here answer in writing.
            result.skipped.append(SkippedQuestion(position, unsupported_reason("essay_noinline")))
        elif qtype == "essay":
            _read_essay(element, position, topic, result)
        elif qtype not in ("multichoice", "truefalse"):
            result.skipped.append(SkippedQuestion(position, unsupported_reason(qtype)))
        else:
            _read_question(element, qtype, position, topic, result)
    return result


def _parse_tree(data: bytes) -> tuple[ElementTree.Element, list[int]] | FormatError:
    """The element tree and the line of each <question>, or the one error that stops us."""
    target = _QuestionLines()
    parser = DefusedXMLParser(target=target, forbid_dtd=True)
    target.expat = parser.parser
    try:
        parser.feed(data)
        return parser.close(), target.lines
    except DefusedXmlException:
        line = LINE_POSITION % {"line": parser.parser.CurrentLineNumber}
        return FormatError(line, UNSAFE_XML)
    except ParseError as exc:
        line, column = exc.position
        message = MALFORMED_XML % {"line": line, "column": column + 1}
        return FormatError(LINE_POSITION % {"line": line}, message)
    except (ValueError, LookupError):
        # Expat reads only single-byte encodings besides UTF-8/16; GBK files are transcoded.
        declared = _DECLARED_ENCODING.match(data)
        if declared is None or declared.group(2).lower() in (b"utf-8", b"utf8"):
            return FormatError(FILE_POSITION, UNSUPPORTED_ENCODING)
        try:
            text = data.decode(declared.group(2).decode("ascii"))
        except (LookupError, UnicodeDecodeError):
            return FormatError(FILE_POSITION, UNSUPPORTED_ENCODING)
        end = declared.end(2) - declared.start(0)  # the declaration is ASCII in both encodings
        utf8 = declared.group(1) + b"UTF-8" + text[end:].encode("utf-8")
        return _parse_tree(utf8)


class _QuestionLines:
    """Parser target that notes the line of each top-level <question> (ElementTree drops it)."""

    def __init__(self) -> None:
        self._builder = ElementTree.TreeBuilder()
        self._depth = 0
        self.expat = None
        self.lines: list[int] = []

    def start(self, tag: str, attrs: dict[str, str]) -> ElementTree.Element:
        self._depth += 1
        if self._depth == 2 and tag == "question":
            self.lines.append(self.expat.CurrentLineNumber if self.expat else 0)
        return self._builder.start(tag, attrs)

    def end(self, tag: str) -> ElementTree.Element:
        self._depth -= 1
        return self._builder.end(tag)

    def data(self, data: str) -> None:
        self._builder.data(data)

    def close(self) -> ElementTree.Element:
        return self._builder.close()


class _Reader:
    """What one question's fields hold, gathered before its text format is decided."""

    def __init__(self, element: ElementTree.Element) -> None:
        self.element = element
        self.images = QuestionImages()
        self.fields: list[RawField] = []
        self.not_kept: list[str] = []
        self.stem_format = _format_of(element.find("questiontext"), "html")

    def field(self, element: ElementTree.Element | None, default_format: str | None = None) -> int:
        """Add a text field with its own files; returns its index among the fields."""
        text_format = _format_of(element, default_format or self.stem_format)
        text = (element.findtext("text") or "") if element is not None else ""
        names: dict[str, str] = {}
        for file in element.findall("file") if element is not None else []:
            path = (file.get("path") or "/") + (file.get("name") or "")
            data = decode_file(file.text or "")
            if data is None:
                raise _Refused(BAD_FILE % {"name": path.lstrip("/")})
            kept = self.images.add(path, data)
            if kept:
                names[path.lstrip("/")] = kept
        if renders_tags(text_format):
            text = self.images.relink(text, names)
        self.fields.append(RawField(text, text_format))
        return len(self.fields) - 1

    def legacy_image(self) -> None:
        """Moodle 1.9's ``<image>`` + ``<image_base64>``: appended to the stem, as Moodle's
        import_headers does."""
        name = (self.element.findtext("image") or "").strip()
        encoded = self.element.findtext("image_base64") or ""
        if not name:
            return
        data = decode_file(encoded) if encoded.strip() else None
        if not encoded.strip():
            self.not_kept.append(NOT_KEPT_MISSING_IMAGE % {"name": name})
            return
        if data is None:
            raise _Refused(BAD_FILE % {"name": name})
        kept = self.images.add(name.replace("/", "_"), data)
        if kept:
            stem = self.fields[0]
            text = stem.text.strip() if stem.text_format != "plain_text" else escape(stem.text)
            self.fields[0] = RawField(
                f'{text} <img src="{PLUGINFILE}{kept}" alt="">',
                "html" if stem.text_format in ("plain_text", "markdown") else stem.text_format,
            )

    def finish(self, question: ParsedQuestion) -> list[str]:
        """Decide the format, fill the stem and explanation; returns every field's text."""
        question.text_format, texts = question_fields(self.fields)
        question.stem, question.explanation = texts[0], texts[1]
        shown = [name for text in texts for name in image_references(text)]
        question.images = [
            ParsedImage(i.name, i.data, image_alt(texts, i.name))
            for i in self.images.images
            if i.name in shown
        ]
        unused = [
            NOT_KEPT_UNUSED_FILE % {"name": i.name}
            for i in self.images.images
            if i.name not in shown
        ]
        question.not_kept += self.not_kept + self.images.not_kept + unused
        if any(f.text_format.strip() == "markdown" and f.text.strip() for f in self.fields):
            question.not_kept.append(NOT_KEPT_MARKDOWN)
        return texts


class _Refused(Exception):
    """A question the file holds but that cannot be read (the message says why)."""


def _common(
    element: ElementTree.Element, position: str, topic: str, known_tags: tuple[str, ...] = ()
) -> tuple[ParsedQuestion, _Reader]:
    tags = [t.findtext("text") or "" for t in element.findall("tags/tag")]
    tags += [t.findtext("text") or "" for t in element.findall("coursetags/tag")]
    tags += [t.findtext("text") or "" for t in element.findall("coursetags/coursetag")]
    meta = metadata_from_tags(tags, known_tags)
    if meta.errors:
        raise _Refused(meta.errors[0])
    question = ParsedQuestion(
        position=position,
        kind="true_false",
        stem="",
        difficulty=meta.difficulty,
        topic=topic,
        citations=meta.citations,
        name=" ".join((element.findtext("name/text") or "").split()),
    )
    reader = _Reader(element)
    reader.field(element.find("questiontext"), "html")
    reader.field(element.find("generalfeedback"))
    reader.legacy_image()
    reader.not_kept += [NOT_KEPT_TAG % {"tag": t} for t in meta.other_tags]
    idnumber = (element.findtext("idnumber") or "").strip()
    if idnumber:
        reader.not_kept.append(NOT_KEPT_IDNUMBER % {"value": idnumber})
    if (element.findtext("hidden") or "").strip() == "1":
        reader.not_kept.append(NOT_KEPT_HIDDEN)
    for tag, message in COMBINED_FEEDBACK:
        shown = html_to_text(element.findtext(f"{tag}/text") or "")
        if shown:
            reader.not_kept.append(message % {"text": shown})
    for hint in element.findall("hint"):
        shown = html_to_text(hint.findtext("text") or "")
        if shown:
            reader.not_kept.append(NOT_KEPT_HINT % {"text": shown})
    return question, reader


def _number(value: str | None) -> float | None:
    try:
        return float((value or "").strip())
    except ValueError:
        return None


def _not_kept_grades(element: ElementTree.Element, qtype: str) -> list[str]:
    """The question's points and retry penalty, when not Moodle's defaults."""
    notes = []
    grade = _number(element.findtext("defaultgrade"))
    if grade is not None and abs(grade - 1) > GRADE_TOLERANCE:
        notes.append(NOT_KEPT_DEFAULT_GRADE % {"value": f"{grade:g}"})
    penalty = _number(element.findtext("penalty"))
    default = 1.0 if qtype == "truefalse" else 0.3333333
    if penalty is not None and abs(penalty - default) > 0.005:  # Moodle's own rounding fix
        notes.append(NOT_KEPT_PENALTY % {"value": format_percent(penalty)})
    return notes


def _read_question(
    element: ElementTree.Element, qtype: str, position: str, topic: str, result: ParseResult
) -> None:
    try:
        question = _question(element, qtype, position, topic)
    except _Refused as refused:
        result.errors.append(FormatError(position, str(refused)))
        return
    result.questions.append(question)


def _question(
    element: ElementTree.Element, qtype: str, position: str, topic: str
) -> ParsedQuestion:
    question, reader = _common(element, position, topic)
    reader.not_kept += _not_kept_grades(element, qtype)
    answer_format = reader.stem_format
    answers: list[tuple[int, int, float]] = []  # (text field, feedback field, fraction)
    invalid: list[float] = []
    for answer in element.findall("answer"):
        raw = answer.get("fraction", "0")
        number = _number(raw)
        if number is None:
            raise _Refused(BAD_FRACTION % {"value": raw})
        fraction = number / 100
        if qtype == "multichoice":
            grade = match_grade(fraction)
            if grade is None:
                invalid.append(fraction)
            else:
                fraction = grade
        if qtype == "truefalse":
            text_index = reader.field(answer, "moodle_auto_format")
        else:
            text_index = reader.field(answer, answer_format)
        answers.append((text_index, reader.field(answer.find("feedback")), fraction))
    if invalid:
        raise _Refused(invalid_grade_message(question.name, invalid))

    texts = reader.finish(question)
    if not html_to_text(question.stem) and not question.images:
        raise _Refused(EMPTY_STEM)

    if qtype == "truefalse":
        words = [(texts[t], f) for t, _feedback, f in answers]
        answer_true = _true_false_answer(words)
        if answer_true is None:
            raise _Refused(TRUE_FALSE_UNCLEAR)
        question.answer_true = answer_true
        for order, (text_index, feedback, _fraction) in enumerate(answers):
            shown = html_to_text(texts[feedback])
            word = texts[text_index].strip().lower()
            if word not in ("true", "false"):
                word = "true" if order == 0 else "false"
            if shown:
                message = NOT_KEPT_TRUE_FEEDBACK if word == "true" else NOT_KEPT_FALSE_FEEDBACK
                question.not_kept.append(message % {"text": shown})
        return question

    if (element.findtext("shuffleanswers") or "").strip() in ("0", "false"):
        question.not_kept.append(NOT_KEPT_NO_SHUFFLE)
    single = _is_true(element.findtext("single"), default=True)
    # Moodle ignores blank answers when it saves a multichoice question.
    question.options = [
        ParsedOption(texts[t], fraction == 1.0 if single else fraction > 0, fraction, texts[f])
        for t, f, fraction in answers
        if html_to_text(texts[t]) or "<img" in texts[t]
    ]
    if len(question.options) < 2:
        raise _Refused(TOO_FEW_OPTIONS)
    question.kind, question.indefinite, problem = kind_of_choices(question.options, single=single)
    if problem:
        raise _Refused(problem)
    return question


def _read_essay(
    element: ElementTree.Element, position: str, topic: str, result: ParseResult
) -> None:
    try:
        result.questions.append(_essay(element, position, topic))
    except _Refused as refused:
        result.errors.append(FormatError(position, str(refused)))


def _essay(element: ElementTree.Element, position: str, topic: str) -> ParsedQuestion:
    """An ``essay``: a case-analysis or short-answer question marked by people."""
    question, reader = _common(element, position, topic, known_tags=(KIND_TAG,))
    tags = [t.findtext("text") or "" for t in element.findall("tags/tag")]
    reader.finish(question)
    if not html_to_text(question.stem) and not question.images:
        raise _Refused(EMPTY_STEM)
    case = any(
        "".join(t.split())
        in (f"{KIND_TAG}:{CASE_ANALYSIS_TAG}", f"{KIND_TAG}：{CASE_ANALYSIS_TAG}")
        for t in tags
    )
    info = element.find("graderinfo")
    info_text = html_to_text(_rich_text(info, _format_of(info, "html"))) if info is not None else ""
    model_answer, rubric_lines = info_text, []
    if RUBRIC_HEADING in info_text:
        model_answer, _sep, rubric_part = info_text.partition(RUBRIC_HEADING)
        rubric_lines = [line.strip() for line in rubric_part.splitlines() if line.strip()]
    model_answer = model_answer.replace(MODEL_ANSWER_HEADING, "", 1).strip()
    rubric = []
    for n, line in enumerate(rubric_lines, start=1):
        criterion, bar, points = line.replace("｜", "|").rpartition("|")
        try:
            valid = bool(bar and criterion.strip()) and float(points) > 0
        except ValueError:
            valid = False
        if not valid:
            raise _Refused(BAD_RUBRIC % {"n": n, "line": line})
        rubric.append(RubricCriterion(criterion.strip(), points.strip()))
    if not rubric:
        grade = _number(element.findtext("defaultgrade"))
        points = f"{grade:g}" if grade is not None and grade > 0 else DEFAULT_POINTS
        rubric = [RubricCriterion(DEFAULT_CRITERION, points)]
    attachments = _number(element.findtext("attachments"))
    if attachments:  # -1 is "unlimited"
        shown = str(_("不限")) if attachments < 0 else f"{attachments:g}"
        question.not_kept.append(NOT_KEPT_ATTACHMENTS % {"count": shown})
    template = html_to_text(element.findtext("responsetemplate/text") or "")
    if template:
        question.not_kept.append(NOT_KEPT_TEMPLATE % {"text": template})
    question.kind = "case_analysis" if case else "short_answer"
    question.model_answer = model_answer
    question.rubric = rubric
    return question


def _true_false_answer(answers: list[tuple[str, float]]) -> bool | None:
    """As Moodle: match the answers by their text "true"/"false", else by order (true first)."""
    by_word: dict[str, float] = {}
    for order, (text, fraction) in enumerate(answers):
        word = text.strip().lower()
        if word not in ("true", "false"):
            word = "true" if order == 0 else "false"
        by_word[word] = fraction
    true_right = by_word.get("true")
    false_right = by_word.get("false")
    if true_right is not None and false_right is not None:
        if _is_full(true_right) == _is_full(false_right):
            return None
        return _is_full(true_right)
    if true_right is not None:
        return _is_full(true_right)
    if false_right is not None:
        return not _is_full(false_right)
    return None


def _is_full(fraction: float) -> bool:
    return abs(fraction - 1.0) < 1e-6


def _is_true(value: str | None, *, default: bool) -> bool:
    """Moodle's trans_single: "false", "0" or empty mean no."""
    if value is None:
        return default
    value = value.strip()
    return not (value in ("false", "0") or not value)


def _format_of(element: ElementTree.Element | None, default: str) -> str:
    return element.get("format", default) if element is not None else default


def _rich_text(element: ElementTree.Element | None, default_format: str) -> str:
    if element is None:
        return ""
    return rich_text_from_moodle(
        element.findtext("text") or "", _format_of(element, default_format)
    )


# Export ------------------------------------------------------------------------------------


def export_moodle_xml(questions: Iterable[ExportQuestion]) -> bytes:
    """UTF-8 Moodle XML that Moodle imports and ``parse_moodle_xml`` reads back unchanged."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>', "<quiz>"]
    topic: str | None = None
    for question in questions:
        if question.topic != topic:
            topic = question.topic
            out += [
                '  <question type="category">',
                "    <category>",
                f"      <text>{_xml_text(category_for_topic(topic))}</text>",
                "    </category>",
                '    <info format="html">',
                "      <text></text>",
                "    </info>",
                "  </question>",
            ]
        out += _export_question(question)
    out.append("</quiz>")
    return ("\n".join(out) + "\n").encode("utf-8")


def _export_essay(question: ExportQuestion, name: str) -> list[str]:
    total = sum(float(c.points) for c in question.rubric) or 1.0
    info = "\n".join(
        [
            MODEL_ANSWER_HEADING,
            question.model_answer.strip(),
            RUBRIC_HEADING,
            *(f"{c.criterion}|{c.points}" for c in question.rubric),
        ]
    )
    lines = [
        '  <question type="essay">',
        "    <name>",
        f"      <text>{_xml_text(name)}</text>",
        "    </name>",
        *_text_element("questiontext", question.stem, "    ", _stem_images(question)),
        *_text_element("generalfeedback", question.explanation, "    ", question.images),
        f"    <defaultgrade>{total:.7f}</defaultgrade>",
        "    <penalty>0.0000000</penalty>",
        "    <hidden>0</hidden>",
        "    <responseformat>plain</responseformat>",
        "    <responserequired>1</responserequired>",
        "    <responsefieldlines>15</responsefieldlines>",
        "    <attachments>0</attachments>",
        '    <graderinfo format="plain_text">',
        f"      <text>{_xml_text(info)}</text>",
        "    </graderinfo>",
        '    <responsetemplate format="plain_text">',
        "      <text></text>",
        "    </responsetemplate>",
    ]
    tags = tags_for(question.difficulty, question.citations)
    if question.kind == "case_analysis":
        tags.append(f"{KIND_TAG}:{CASE_ANALYSIS_TAG}")
    if tags:
        lines.append("    <tags>")
        lines += [f"      <tag><text>{_xml_text(tag)}</text></tag>" for tag in tags]
        lines.append("    </tags>")
    lines.append("  </question>")
    return lines


def _export_question(question: ExportQuestion) -> list[str]:
    true_false = question.kind == "true_false"
    name = (
        " ".join(question.name.split())
        or " ".join(html_to_text(question.stem).split())[:NAME_LENGTH]
    )
    if question.kind in MARKED:
        return _export_essay(question, name)
    lines = [
        f'  <question type="{"truefalse" if true_false else "multichoice"}">',
        "    <name>",
        f"      <text>{_xml_text(name)}</text>",
        "    </name>",
        *_text_element("questiontext", question.stem, "    ", _stem_images(question)),
        *_text_element("generalfeedback", question.explanation, "    ", question.images),
        "    <defaultgrade>1.0000000</defaultgrade>",
        f"    <penalty>{'1.0000000' if true_false else '0.3333333'}</penalty>",
        "    <hidden>0</hidden>",
    ]
    if true_false:
        for word in ("true", "false"):
            right = question.answer_true == (word == "true")
            lines += [
                f'    <answer fraction="{100 if right else 0}" format="moodle_auto_format">',
                f"      <text>{word}</text>",
                '      <feedback format="html">',
                "        <text></text>",
                "      </feedback>",
                "    </answer>",
            ]
    else:
        lines += [
            f"    <single>{'true' if question.kind == 'single' else 'false'}</single>",
            "    <shuffleanswers>1</shuffleanswers>",
            "    <answernumbering>ABCD</answernumbering>",
        ]
        fractions = weights_for(question.kind, question.options)
        for option, fraction in zip(question.options, fractions, strict=True):
            answer = _text_element("answer", option.text, "    ", question.images)
            answer[0] = answer[0].replace(
                "<answer ", f'<answer fraction="{format_percent(fraction)}" '
            )
            feedback = _text_element("feedback", option.feedback, "      ", question.images)
            lines += [*answer[:-1], *feedback, answer[-1]]
    tags = tags_for(question.difficulty, question.citations)
    if tags:
        lines.append("    <tags>")
        lines += [f"      <tag><text>{_xml_text(tag)}</text></tag>" for tag in tags]
        lines.append("    </tags>")
    lines.append("  </question>")
    return lines


def _text_element(
    tag: str, value: str, indent: str, images: Iterable[ParsedImage] = ()
) -> list[str]:
    """A Moodle text field: html (CDATA) if it carries markup or entities, else plain_text;
    with the files of the images it shows, base64 as Moodle writes them (write_files)."""
    value = value.strip()
    text_format = "html" if looks_like_html(value) or _ENTITY.search(value) else "plain_text"
    shown = set(image_references(value))
    files = [
        f'{indent}  <file name="{escape(i.name, quote=True)}" path="/" encoding="base64">'
        f"{base64.b64encode(i.data).decode('ascii')}</file>"
        for i in images
        if i.name in shown or tag == "questiontext"
    ]
    return [
        f'{indent}<{tag} format="{text_format}">',
        f"{indent}  <text>{_xml_text(value)}</text>",
        *files,
        f"{indent}</{tag}>",
    ]


def _stem_images(question: ExportQuestion) -> list[ParsedImage]:
    """The stem carries its own images and any the question holds but no field shows."""
    texts = [question.explanation, *(t for o in question.options for t in (o.text, o.feedback))]
    elsewhere = {name for text in texts for name in image_references(text)}
    in_stem = set(image_references(question.stem))
    return [i for i in question.images if i.name in in_stem or i.name not in elsewhere]


def _xml_text(value: str) -> str:
    """Moodle's xml_escape: CDATA as soon as the text holds a character XML would escape."""
    value = _XML_INVALID.sub("", value)
    if not any(c in value for c in "<>&"):
        return value
    return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"
