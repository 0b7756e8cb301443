"""Moodle XML import and export, following question/format/xml/format.php.

Files come from outside, so they are parsed with defusedxml and any DTD is refused: no entity
expansion (billion laughs), no external entity (XXE), nothing is fetched. Topics travel as
``<question type="category">``, difficulty and citations as ``<tags>``.

Case-analysis and short-answer questions travel as Moodle's ``essay``: the model answer and
the rubric in ``<graderinfo>`` (Moodle's "information for graders"), written as

    参考答案：
    <the model answer>
    评分标准：
    <criterion>|<points>        (one a line)

and the kind as the tag ``题型:案例分析`` (an essay without it is a short answer). An essay from
elsewhere without a rubric gets one criterion worth its ``defaultgrade``.
"""

import re
from collections.abc import Iterable
from xml.etree import ElementTree

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser, ParseError

from .base import (
    MARKED,
    ExportQuestion,
    FormatError,
    ParsedOption,
    ParsedQuestion,
    ParseResult,
    RubricCriterion,
    SkippedQuestion,
)
from .html import html_to_text, looks_like_html, rich_text_from_moodle
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

POSITION = "第 {index} 题（第 {line} 行）"
FILE_POSITION = "文件"
LINE_POSITION = "第 {line} 行"
UNSAFE_XML = "文件包含不安全的 XML 实体定义，已拒绝。"
MALFORMED_XML = "XML 格式不正确，无法读取（第 {line} 行第 {column} 列附近）。"
NOT_MOODLE_XML = "这不是 Moodle XML 题目文件：根元素应为 <quiz>，实际为 <{tag}>。"
MISSING_TYPE = "<question> 缺少 type 属性，无法判断题型。"
BAD_FRACTION = "答案的分值 fraction=“{value}” 不是数字。"
UNSUPPORTED_ENCODING = "无法识别 XML 文件的字符编码，请另存为 UTF-8 编码后再导入。"
TRUE_FALSE_UNCLEAR = "判断题的正确答案不明确：需要一个分值为 100 的 true 或 false 答案。"
BAD_RUBRIC = "评阅信息（graderinfo）中的评分标准第 {n} 行“{line}”应写作“评分要点|分值”。"
MODEL_ANSWER_HEADING = "参考答案："
RUBRIC_HEADING = "评分标准："
KIND_TAG = "题型"
CASE_ANALYSIS_TAG = "案例分析"
DEFAULT_CRITERION = "按参考答案评分"

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
        result.errors.append(FormatError(FILE_POSITION, NOT_MOODLE_XML.format(tag=root.tag)))
        return result

    topic = ""
    for index, (element, line) in enumerate(
        zip(root.findall("question"), question_lines, strict=True), start=1
    ):
        position = POSITION.format(index=index, line=line)
        qtype = (element.get("type") or "").strip()
        if qtype == "category":
            topic = topic_from_category(element.findtext("category/text") or "")
        elif not qtype:
            result.errors.append(FormatError(position, MISSING_TYPE))
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
        line = LINE_POSITION.format(line=parser.parser.CurrentLineNumber)
        return FormatError(line, UNSAFE_XML)
    except ParseError as exc:
        line, column = exc.position
        message = MALFORMED_XML.format(line=line, column=column + 1)
        return FormatError(LINE_POSITION.format(line=line), message)
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


def _read_question(
    element: ElementTree.Element, qtype: str, position: str, topic: str, result: ParseResult
) -> None:
    def error(message: str) -> None:
        result.errors.append(FormatError(position, message))

    text_format = _format_of(element.find("questiontext"), "html")
    stem = _rich_text(element.find("questiontext"), text_format)
    tags = [t.findtext("text") or "" for t in element.findall("tags/tag")]
    tags += [t.findtext("text") or "" for t in element.findall("coursetags/coursetag")]
    meta = metadata_from_tags(tags)
    if not stem:
        return error(EMPTY_STEM)
    if meta.errors:
        return error(meta.errors[0])
    question = ParsedQuestion(
        position=position,
        kind="true_false",
        stem=stem,
        explanation=_rich_text(element.find("generalfeedback"), text_format),
        difficulty=meta.difficulty,
        topic=topic,
        citations=meta.citations,
        name=" ".join((element.findtext("name/text") or "").split()),
    )
    answers: list[tuple[str, float]] = []
    for answer in element.findall("answer"):
        raw = answer.get("fraction", "0")
        try:
            fraction = round(float(raw) / 100, 7)  # Moodle keeps 7 decimals
        except ValueError:
            return error(BAD_FRACTION.format(value=raw))
        answers.append((_rich_text(answer, _format_of(answer, text_format)), fraction))

    if qtype == "truefalse":
        answer_true = _true_false_answer(answers)
        if answer_true is None:
            return error(TRUE_FALSE_UNCLEAR)
        question.answer_true = answer_true
        result.questions.append(question)
        return

    # Moodle ignores blank answers when it saves a multichoice question.
    answers = [(text, fraction) for text, fraction in answers if text]
    question.kind = "single" if _is_true(element.findtext("single"), default=True) else "multiple"
    if len(answers) < 2:
        return error(TOO_FEW_OPTIONS)
    if question.kind == "single":
        question.options = [ParsedOption(t, _is_full(f), f) for t, f in answers]
        if sum(o.correct for o in question.options) != 1:
            return error(SINGLE_NEEDS_ONE_CORRECT)
    else:
        question.options = [ParsedOption(t, f > 0, f) for t, f in answers]
        if sum(o.correct for o in question.options) < 2:
            return error(MULTIPLE_NEEDS_TWO_CORRECT)
    result.questions.append(question)


def _read_essay(
    element: ElementTree.Element, position: str, topic: str, result: ParseResult
) -> None:
    """An ``essay``: a case-analysis or short-answer question marked by people."""
    text_format = _format_of(element.find("questiontext"), "html")
    stem = _rich_text(element.find("questiontext"), text_format)
    tags = [t.findtext("text") or "" for t in element.findall("tags/tag")]
    meta = metadata_from_tags(tags)
    if not stem:
        return result.errors.append(FormatError(position, EMPTY_STEM))
    if meta.errors:
        return result.errors.append(FormatError(position, meta.errors[0]))
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
            return result.errors.append(FormatError(position, BAD_RUBRIC.format(n=n, line=line)))
        rubric.append(RubricCriterion(criterion.strip(), points.strip()))
    if not rubric:
        grade = (element.findtext("defaultgrade") or "").strip()
        try:
            points = f"{float(grade):g}" if float(grade) > 0 else "10"
        except ValueError:
            points = "10"
        rubric = [RubricCriterion(DEFAULT_CRITERION, points)]
    result.questions.append(
        ParsedQuestion(
            position=position,
            kind="case_analysis" if case else "short_answer",
            stem=stem,
            explanation=_rich_text(element.find("generalfeedback"), text_format),
            difficulty=meta.difficulty,
            topic=topic,
            citations=meta.citations,
            name=" ".join((element.findtext("name/text") or "").split()),
            model_answer=model_answer,
            rubric=rubric,
        )
    )


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
        *_text_element("questiontext", question.stem, "    "),
        *_text_element("generalfeedback", question.explanation, "    "),
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
        *_text_element("questiontext", question.stem, "    "),
        *_text_element("generalfeedback", question.explanation, "    "),
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
        fractions = export_fractions(question.kind, question.options)
        for option, fraction in zip(question.options, fractions, strict=True):
            text_format = "html" if looks_like_html(option.text) else "plain_text"
            lines += [
                f'    <answer fraction="{format_percent(fraction)}" format="{text_format}">',
                f"      <text>{_xml_text(option.text.strip())}</text>",
                '      <feedback format="html">',
                "        <text></text>",
                "      </feedback>",
                "    </answer>",
            ]
    tags = tags_for(question.difficulty, question.citations)
    if tags:
        lines.append("    <tags>")
        lines += [f"      <tag><text>{_xml_text(tag)}</text></tag>" for tag in tags]
        lines.append("    </tags>")
    lines.append("  </question>")
    return lines


def _text_element(tag: str, value: str, indent: str) -> list[str]:
    """A Moodle text field: html (CDATA) if it carries markup, else plain_text."""
    value = value.strip()
    text_format = "html" if looks_like_html(value) else "plain_text"
    return [
        f'{indent}<{tag} format="{text_format}">',
        f"{indent}  <text>{_xml_text(value)}</text>",
        f"{indent}</{tag}>",
    ]


def _xml_text(value: str) -> str:
    """Moodle's xml_escape: CDATA as soon as the text holds a character XML would escape."""
    value = _XML_INVALID.sub("", value)
    if not any(c in value for c in "<>&"):
        return value
    return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"
