"""Pick the parser for an uploaded question file by its name and content."""

import io
import re
import zipfile

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .base import FILE_POSITION, FormatError, ParseResult
from .spreadsheet import parse_spreadsheet
from .text import decode_text

ERR_TOO_LARGE = _("文件过大（%(size)s KB），上限为 %(limit)s KB。")
ERR_UNKNOWN_FORMAT = _(
    "无法识别文件格式：支持 xlsx、csv（题库模板）、Word（.docx）或文本（.txt）题目列表、GIFT、Moodle XML 和 Aiken。"
)
ERR_ENCODING = _("无法读取文本：文本文件须为 UTF-8、UTF-16 或 GBK/GB18030 编码。")
ERR_TOO_MANY_QUESTIONS = _("试题过多：一个文件最多 %(limit)s 道题，请分成几个文件导入。")

FORMAT_LABELS = {
    "spreadsheet": _("题库模板（xlsx/csv）"),
    "gift": "Moodle GIFT",
    "moodle_xml": "Moodle XML",
    "aiken": "Aiken",
    "wordlist": _("Word/文本题目列表"),
}

_AIKEN_ANSWER = re.compile(
    r"^\s*ANSWER\s*[:：]\s*[A-Za-zＡ-Ｚａ-ｚ]\s*$", re.MULTILINE | re.IGNORECASE
)
# Counted before parsing, as rows are in a spreadsheet (UPLOAD_MAX_ROWS): a 20 MB GIFT file of
# one-line questions is 700,000 of them, 100 s and 500 MB to parse and check.
_XML_QUESTION = re.compile(rb"<question[\s/>]")
_GIFT_SEPARATOR = re.compile(r"\n[ \t]*(?:\r?\n)")
# A text question list: numbered lines ("1." "1、" "（1）" "第1题") and answer lines.
_LIST_NUMBER = re.compile(
    r"^[ \t\u3000]*(?:\d+[ \t]*[.．、](?!\d)|[(（]\d+[)）]|第[ \t]*\d+[ \t]*题)", re.MULTILINE
)
_LIST_ANSWER = re.compile(
    r"^[ \t\u3000]*(?:[【\[]\s*(?:正确|参考|标准)?答案\s*[】\]]|(?:正确|参考|标准)?答案\s*[:：])",
    re.MULTILINE,
)
# GIFT's answer blocks: "{=a ~b}", "{T}", "{#3}", "{}".
_GIFT_BLOCK = re.compile(r"\{[^{}]*(?:[=~#]|\b(?:T|F|TRUE|FALSE)\b)[^{}]*\}|\{\s*\}")


def _question_count(fmt: str, data: bytes, text: str | None) -> int:
    """At least the number of questions the parser would find (never fewer)."""
    if fmt == "moodle_xml":
        return len(_XML_QUESTION.findall(data))
    if fmt == "aiken":
        return len(_AIKEN_ANSWER.findall(text))
    if fmt == "wordlist":
        from .wordlist import question_starts, text_lines

        return question_starts(text_lines(text))
    # GIFT: a blank line ends a question; count the non-blank blocks.
    return sum(1 for block in _GIFT_SEPARATOR.split(text.replace("\r\n", "\n")) if block.strip())


def detect_format(data: bytes, filename: str) -> str | None:
    name = filename.lower()
    if name.endswith((".xlsx", ".csv")):
        return "spreadsheet"
    if name.endswith((".docx", ".doc")):
        return "wordlist"  # a broken or old-format Word file is reported by the reader
    if name.endswith(".xml"):
        return "moodle_xml"
    if name.endswith(".gift"):
        return "gift"
    head = data[:2048].lstrip(b"\xef\xbb\xbf").lstrip()
    if head.startswith(b"<?xml") or head.startswith(b"<quiz"):
        return "moodle_xml"
    if data[:4] == b"PK\x03\x04":
        return "wordlist" if _is_docx(data) else "spreadsheet"
    text = _decoded(data)
    if text is None:
        return None
    if text.lstrip().startswith(("<?xml", "<quiz")):  # UTF-16 XML
        return "moodle_xml"
    if _AIKEN_ANSWER.search(text) and "{" not in text:
        return "aiken"
    if _looks_like_list(text):
        return "wordlist"
    if "{" in text:
        return "gift"
    return None


def _is_docx(data: bytes) -> bool:
    """A zip holding word/document.xml (an xlsx holds xl/workbook.xml instead)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "word/document.xml" in archive.namelist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError):
        return False


def _looks_like_list(text: str) -> bool:
    return bool(
        _LIST_NUMBER.search(text) and _LIST_ANSWER.search(text) and not _GIFT_BLOCK.search(text)
    )


def _decoded(data: bytes) -> str | None:
    try:
        return decode_text(data)
    except UnicodeDecodeError:
        return None


def parse_questions_file(
    data: bytes, filename: str, mapping: dict[str, str] | None = None
) -> tuple[str, ParseResult]:
    """Returns (format, result). Oversized or unrecognised files give one error, no questions.
    ``mapping`` (a spreadsheet's header -> template column) is the uploader's own."""
    limit = settings.UPLOAD_MAX_BYTES
    if len(data) > limit:
        error = ERR_TOO_LARGE % {"size": len(data) // 1024, "limit": limit // 1024}
        return "unknown", ParseResult(errors=[FormatError(str(FILE_POSITION), error)])
    fmt = detect_format(data, filename)
    if fmt == "spreadsheet":
        return fmt, parse_spreadsheet(
            data, filename if filename.lower().endswith(".csv") else "x.xlsx", mapping
        )
    word_file = filename.lower().endswith((".docx", ".doc"))
    if fmt == "wordlist" and (data[:4] == b"PK\x03\x04" or word_file):
        return fmt, _parse_docx(data)
    if fmt in ("moodle_xml", "gift", "aiken", "wordlist") and (error := _too_many(fmt, data)):
        return fmt, ParseResult(errors=[FormatError(str(FILE_POSITION), error)])
    if fmt == "moodle_xml":
        from .moodle_xml import parse_moodle_xml

        return fmt, parse_moodle_xml(data)
    if fmt in ("gift", "aiken", "wordlist"):
        text = _decoded(data)
        if text is None:
            return fmt, ParseResult(errors=[FormatError(str(FILE_POSITION), ERR_ENCODING)])
        if fmt == "wordlist":
            from .wordlist import parse_wordlist_text

            return fmt, parse_wordlist_text(text)
        if fmt == "gift":
            from .gift import parse_gift

            return fmt, parse_gift(text)
        from .aiken import parse_aiken

        return fmt, parse_aiken(text)
    if filename.lower().endswith((".txt", ".gift")) and _decoded(data) is None:
        return "unknown", ParseResult(errors=[FormatError(str(FILE_POSITION), ERR_ENCODING)])
    return "unknown", ParseResult(errors=[FormatError(str(FILE_POSITION), ERR_UNKNOWN_FORMAT)])


def _parse_docx(data: bytes) -> ParseResult:
    """A Word list: its lines are read (within the zip limits), counted against the question
    limit, and only then assembled into questions."""
    from .wordlist import docx_lines, parse_lines, question_starts

    try:
        lines = docx_lines(data)
    except ValueError as exc:
        return ParseResult(errors=[FormatError(str(FILE_POSITION), str(exc))])
    limit = settings.UPLOAD_MAX_ROWS
    if question_starts(lines) > limit:
        return ParseResult(
            errors=[
                FormatError(
                    str(FILE_POSITION), str(ERR_TOO_MANY_QUESTIONS % {"limit": f"{limit:,}"})
                )
            ]
        )
    return parse_lines(lines)


def _too_many(fmt: str, data: bytes) -> str | None:
    text = None
    if fmt != "moodle_xml":
        text = _decoded(data)
        if text is None:
            return None  # reported as an encoding error by the caller
    limit = settings.UPLOAD_MAX_ROWS
    if _question_count(fmt, data, text) > limit:
        return str(ERR_TOO_MANY_QUESTIONS % {"limit": f"{limit:,}"})
    return None
