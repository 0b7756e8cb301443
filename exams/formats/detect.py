"""Pick the parser for an uploaded question file by its name and content."""

import re

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .base import FormatError, ParseResult
from .spreadsheet import parse_spreadsheet

ERR_TOO_LARGE = "文件过大（{size} KB），上限为 {limit} KB。"
ERR_UNKNOWN_FORMAT = "无法识别文件格式：支持 xlsx、csv（题库模板）、GIFT、Moodle XML 和 Aiken。"
ERR_ENCODING = "文本文件须为 UTF-8 编码。"
ERR_TOO_MANY_QUESTIONS = _("试题过多：一个文件最多 %(limit)s 道题，请分成几个文件导入。")

FORMAT_LABELS = {
    "spreadsheet": "题库模板（xlsx/csv）",
    "gift": "Moodle GIFT",
    "moodle_xml": "Moodle XML",
    "aiken": "Aiken",
}

_AIKEN_ANSWER = re.compile(r"^\s*ANSWER\s*:\s*[A-Za-z]\s*$", re.MULTILINE | re.IGNORECASE)
# Counted before parsing, as rows are in a spreadsheet (UPLOAD_MAX_ROWS): a 20 MB GIFT file of
# one-line questions is 700,000 of them, 100 s and 500 MB to parse and check.
_XML_QUESTION = re.compile(rb"<question[\s/>]")
_GIFT_SEPARATOR = re.compile(r"\n[ \t]*(?:\r?\n)")


def _question_count(fmt: str, data: bytes, text: str | None) -> int:
    """At least the number of questions the parser would find (never fewer)."""
    if fmt == "moodle_xml":
        return len(_XML_QUESTION.findall(data))
    if fmt == "aiken":
        return len(_AIKEN_ANSWER.findall(text))
    # GIFT: a blank line ends a question; count the non-blank blocks.
    return sum(1 for block in _GIFT_SEPARATOR.split(text.replace("\r\n", "\n")) if block.strip())


def detect_format(data: bytes, filename: str) -> str | None:
    name = filename.lower()
    if name.endswith((".xlsx", ".csv")):
        return "spreadsheet"
    if name.endswith(".xml"):
        return "moodle_xml"
    if name.endswith(".gift"):
        return "gift"
    head = data[:2048].lstrip(b"\xef\xbb\xbf").lstrip()
    if head.startswith(b"<?xml") or head.startswith(b"<quiz"):
        return "moodle_xml"
    if data[:4] == b"PK\x03\x04":
        return "spreadsheet"
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    if _AIKEN_ANSWER.search(text) and "{" not in text:
        return "aiken"
    if "{" in text:
        return "gift"
    return None


def parse_questions_file(
    data: bytes, filename: str, mapping: dict[str, str] | None = None
) -> tuple[str, ParseResult]:
    """Returns (format, result). Oversized or unrecognised files give one error, no questions.
    ``mapping`` (a spreadsheet's header -> template column) is the uploader's own."""
    limit = settings.UPLOAD_MAX_BYTES
    if len(data) > limit:
        error = ERR_TOO_LARGE.format(size=len(data) // 1024, limit=limit // 1024)
        return "unknown", ParseResult(errors=[FormatError("文件", error)])
    fmt = detect_format(data, filename)
    if fmt == "spreadsheet":
        return fmt, parse_spreadsheet(
            data, filename if filename.lower().endswith(".csv") else "x.xlsx", mapping
        )
    if fmt in ("moodle_xml", "gift", "aiken") and (error := _too_many(fmt, data)):
        return fmt, ParseResult(errors=[FormatError("文件", error)])
    if fmt == "moodle_xml":
        from .moodle_xml import parse_moodle_xml

        return fmt, parse_moodle_xml(data)
    if fmt in ("gift", "aiken"):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            return fmt, ParseResult(errors=[FormatError("文件", ERR_ENCODING)])
        if fmt == "gift":
            from .gift import parse_gift

            return fmt, parse_gift(text)
        from .aiken import parse_aiken

        return fmt, parse_aiken(text)
    return "unknown", ParseResult(errors=[FormatError("文件", ERR_UNKNOWN_FORMAT)])


def _too_many(fmt: str, data: bytes) -> str | None:
    text = None
    if fmt != "moodle_xml":
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            return None  # reported as an encoding error by the caller
    limit = settings.UPLOAD_MAX_ROWS
    if _question_count(fmt, data, text) > limit:
        return str(ERR_TOO_MANY_QUESTIONS % {"limit": f"{limit:,}"})
    return None
