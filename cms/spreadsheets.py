"""Spreadsheets in and out of every app: xlsx and csv, bounded on the way in, safe on the way out.

In: every import (roster, offline training, candidate list, question bank) reads its file here.
Before anything is parsed the upload is checked against the limits in settings (size as
uploaded; for an xlsx, which is a zip, the parts' uncompressed sizes and compression ratios;
then rows, columns and non-empty cells while the sheet is streamed), and refused with a message
that names the limit. The xlsx is streamed with openpyxl's read-only reader and reading stops at
the first row or cell over a limit, so a "zip bomb" or a million-row sheet costs about a second
and little memory (``tests/bench/test_bench_upload_bombs.py`` measures both).

Out: one helper for all exports (exam results, HR tables, the question bank, Wagtail's listing
exports through ``cms.apps``): text that a spreadsheet would run as a formula is escaped, the
header row is bold and frozen, columns get widths, and csv carries a UTF-8 byte order mark so
that Excel reads Chinese correctly. The xlsx is written with XlsxWriter in constant-memory mode,
which streams rows and keeps memory flat for 100,000-row tables (about twice as fast as
openpyxl's write-only mode).
"""

from __future__ import annotations

import codecs
import csv
import datetime
import io
import itertools
import re
import struct
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import BinaryIO, NamedTuple

import pandas as pd
import xlsxwriter
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# A cell starting with one of these is run as a formula (or turned into one) by Excel,
# LibreOffice or Google Sheets; tab and carriage return smuggle a formula past naive checks.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
HEADER_FILL = "#DDEBF7"
UTF8_BOM = "\ufeff"


@dataclass(frozen=True)
class SheetError:
    """One problem in an imported spreadsheet, located as the user sees it: the row number
    in the sheet (None: the file or its header) and the column. Every import uses it."""

    row: int | None
    column: str
    message: str

    def __str__(self) -> str:
        where = _("第 %(row)s 行") % {"row": self.row} if self.row else _("表头")
        if self.column:
            return _("%(where)s，%(column)s：%(message)s") % {
                "where": where,
                "column": self.column,
                "message": self.message,
            }
        return _("%(where)s：%(message)s") % {"where": where, "message": self.message}


FILE_TOO_LARGE = _("文件过大：不能超过 %(limit)s MB。")
FILE_UNSUPPORTED = _("不支持的文件类型：请上传 .xlsx 或 .csv 文件。")
FILE_CORRUPT = _("无法读取该文件：文件已损坏或不完整，请重新保存后再上传。")
FILE_NOT_UTF8 = _("CSV 文件不是 UTF-8 编码：请在保存时选择“CSV UTF-8”。")
FILE_TOO_LARGE_UNCOMPRESSED = _("文件解压后过大：不能超过 %(limit)s MB。")
FILE_COMPRESSION_RATIO = _(
    "文件的压缩比异常（超过 %(limit)s 倍），可能是恶意构造的文件，已拒绝读取。"
)
FILE_TOO_MANY_PARTS = _("文件结构异常：包含的部件超过 %(limit)s 个。")
FILE_TOO_MANY_ROWS = _("行数过多：表头以下不能超过 %(limit)s 行，请分成几个文件上传。")
FILE_TOO_MANY_COLUMNS = _("列数过多：不能超过 %(limit)s 列。")
FILE_TOO_MANY_CELLS = _("内容过多：填有内容的单元格不能超过 %(limit)s 个，请分成几个文件上传。")

# Parts of an xlsx other than the sheets and the shared strings (styles, workbook, themes,
# relationships) are a few kilobytes in real files; openpyxl builds objects for each entry
# of some of them, so they get a much smaller cap than the sheet data.
ZIP_PART_MAX_BYTES = 10 * 1024 * 1024
# Ratios are checked for parts larger than this: tiny parts compress absurdly well legitimately.
ZIP_RATIO_MIN_BYTES = 1024 * 1024
ZIP_MAX_PARTS = 1_000
SHEET_DATA_PREFIXES = ("xl/worksheets/", "xl/sharedStrings.xml")


class SpreadsheetFileError(Exception):
    """The file as a whole cannot be read (too big, wrong type, corrupt, not UTF-8)."""


class UploadLimitExceeded(SpreadsheetFileError):
    """The file is over one of the upload limits; the message names the limit."""


@dataclass(frozen=True)
class UploadLimits:
    """The limits every import is held to (settings ``UPLOAD_MAX_*``)."""

    max_bytes: int
    max_uncompressed_bytes: int
    max_compression_ratio: int
    max_rows: int
    max_columns: int
    max_cells: int

    @classmethod
    def from_settings(cls) -> UploadLimits:
        return cls(
            max_bytes=settings.UPLOAD_MAX_BYTES,
            max_uncompressed_bytes=settings.UPLOAD_MAX_UNCOMPRESSED_BYTES,
            max_compression_ratio=settings.UPLOAD_MAX_COMPRESSION_RATIO,
            max_rows=settings.UPLOAD_MAX_ROWS,
            max_columns=settings.UPLOAD_MAX_COLUMNS,
            max_cells=settings.UPLOAD_MAX_CELLS,
        )


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:g}"


def _refuse(message, limit) -> UploadLimitExceeded:
    return UploadLimitExceeded(message % {"limit": limit})


def check_upload_size(size: int, limits: UploadLimits | None = None) -> None:
    """The size as uploaded (also called by forms on ``UploadedFile.size``, before reading)."""
    limits = limits or UploadLimits.from_settings()
    if size > limits.max_bytes:
        raise _refuse(FILE_TOO_LARGE, _megabytes(limits.max_bytes))


def read_upload(file: BinaryIO, filename: str) -> bytes:
    """Read at most the size limit (plus one byte to notice a larger file)."""
    limit = settings.UPLOAD_MAX_BYTES
    data = file.read(limit + 1)
    check_upload_size(len(data))
    return data


def check_upload_limits(
    data: bytes, filename: str = "", limits: UploadLimits | None = None
) -> None:
    """Everything that can be checked before parsing: the size, and for a zip (an xlsx) the
    number of parts, each part's and the total uncompressed size, and each large part's
    compression ratio, all from the zip's directory (nothing is decompressed).

    The sizes in the directory can lie, but they bind: Python's zipfile (which openpyxl reads
    through) never returns more than a part's declared size, and a part that holds more fails
    its CRC check as a corrupt file.
    """
    limits = limits or UploadLimits.from_settings()
    check_upload_size(len(data), limits)
    if data[:4] != b"PK\x03\x04" and not filename.lower().endswith(".xlsx"):
        return
    if _zip_declared_parts(data) > ZIP_MAX_PARTS:
        raise _refuse(FILE_TOO_MANY_PARTS, ZIP_MAX_PARTS)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as exc:
        raise SpreadsheetFileError(FILE_CORRUPT) from exc
    if len(members) > ZIP_MAX_PARTS:
        raise _refuse(FILE_TOO_MANY_PARTS, ZIP_MAX_PARTS)
    total = 0
    for member in members:
        size = member.file_size
        total += size
        sheet_data = member.filename.startswith(SHEET_DATA_PREFIXES)
        if size > limits.max_uncompressed_bytes or total > limits.max_uncompressed_bytes:
            raise _refuse(FILE_TOO_LARGE_UNCOMPRESSED, _megabytes(limits.max_uncompressed_bytes))
        if not sheet_data and size > ZIP_PART_MAX_BYTES:
            raise _refuse(FILE_TOO_LARGE_UNCOMPRESSED, _megabytes(ZIP_PART_MAX_BYTES))
        ratio = size / max(member.compress_size, 1)
        if size > ZIP_RATIO_MIN_BYTES and ratio > limits.max_compression_ratio:
            raise _refuse(FILE_COMPRESSION_RATIO, limits.max_compression_ratio)


def _zip_declared_parts(data: bytes) -> int:
    """The number of entries the zip's end record declares, read before zipfile builds an
    object per entry (a 20 MB zip can declare hundreds of thousands). 0 if there is none."""
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))
    if end < 0 or end + 22 > len(data):
        return 0
    (entries,) = struct.unpack_from("<H", data, end + 10)
    return ZIP_MAX_PARTS + 1 if entries == 0xFFFF else entries  # 0xFFFF: a zip64 directory


# --- columns: the names an import knows, their synonyms, and a person's own mapping ----------

# How many rows of each sheet are searched for the header (a title, a date line and a blank
# row above the header are common), and how many sheets.
HEADER_SEARCH_ROWS = 10
HEADER_SEARCH_SHEETS = 20


def header_key(text: str) -> str:
    """A header cell as compared: NFKC (full-width letters and spaces made plain), without
    whitespace, a byte order mark or a trailing colon, Latin letters upper-cased
    ("选项 Ａ" and "选项A" are the same column)."""
    text = unicodedata.normalize("NFKC", str(text)).replace(UTF8_BOM, "")
    text = re.sub(r"\s+", "", text).rstrip(":：")
    return text.upper() if text.isascii() else re.sub(r"[a-z]", lambda m: m[0].upper(), text)


@dataclass(frozen=True)
class Column:
    """A column an import reads: its name (the template's header, and the key the parser
    reads the cell by), whether the import needs it, and the other names offices give it."""

    name: str
    required: bool = False
    synonyms: tuple[str, ...] = ()


class Columns:
    """The columns of one kind of import, looked up by any of their names."""

    def __init__(self, columns: Iterable[Column]):
        self.columns = list(columns)
        self._by_key: dict[str, str] = {}
        for column in self.columns:
            for text in (column.name, *column.synonyms):
                self._by_key.setdefault(header_key(text), column.name)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    def match(self, text: str, mapping: dict[str, str] | None = None) -> str | None:
        """The column a header cell is, by the person's mapping first, then by its names.
        A mapping to "" means "not imported"."""
        key = header_key(text)
        if not key:
            return None
        if mapping and key in mapping:
            name = mapping[key]
            return name if name in self._by_key.values() else None
        return self._by_key.get(key)


@dataclass
class Header:
    """Where the header of a file is and what its columns are."""

    sheet: str  # the sheet's title ("" for a csv)
    sheet_index: int
    first_row: int  # its first row (1-based, as the sheet shows it)
    last_row: int  # its last row: 1 below for a two-row (merged) header; data follows
    texts: list[str]  # each column's header text (a two-row header's two parts joined)
    names: list[str | None]  # the import's column each one is, None: not one of them
    missing: list[str] = field(default_factory=list)  # required columns not found

    @property
    def unmapped(self) -> list[tuple[int, str]]:
        """(position, text) of the file's columns that are none of the import's."""
        return [
            (i, t)
            for i, (t, n) in enumerate(zip(self.texts, self.names, strict=True))
            if t and not n
        ]

    @property
    def found(self) -> list[str]:
        return [n for n in self.names if n]


def _header_candidate(
    top: list[str], below: list[str] | None, columns: Columns, mapping
) -> tuple[int, list[str]]:
    """The best reading of a header starting at ``top``: the row alone, or joined with the
    row below when ``top``'s labels are merged over sub-labels (``选项`` over ``A B C D``)."""

    def score(texts):
        return len({n for t in texts if (n := columns.match(t, mapping))})

    single = (score(top), top)
    if not below or not any(top):
        return single
    joined = _join_header_rows(top, below)
    double = (score(joined), joined)
    # Joined only when that reads better than either row alone (a data row under a one-row
    # header, or a header under a title line, is not a second header row).
    return double if double[0] > max(single[0], score(below)) else single


def _join_header_rows(top: list[str], below: list[str]) -> list[str]:
    """A merged cell keeps its text in its first cell only: a label spans to the right over
    the blank cells above sub-labels, and a label without sub-labels stands alone."""
    width = max(len(top), len(below))
    top = top + [""] * (width - len(top))
    below = below + [""] * (width - len(below))
    joined, group = [], ""
    for upper, lower in zip(top, below, strict=True):
        if upper:
            group = upper if lower else ""
            joined.append(upper + lower if lower else upper)
        elif lower:
            joined.append(group + lower)
        else:
            group = ""
            joined.append("")
    return joined


def locate_header(
    data: bytes, filename: str, columns: Columns, mapping: dict[str, str] | None = None
) -> Header:
    """Find the header in the first rows of any sheet: the first row (or pair of rows) that
    has every required column, else the one that has the most of the import's columns, else
    row 1 of the first sheet. ``mapping`` (header text -> column name) is the person's own."""
    check_upload_limits(data, filename)
    mapping = {header_key(k): v for k, v in (mapping or {}).items()}
    best = None
    for index, title, rows in _sheet_heads(data, filename):
        for r, top in enumerate(rows[:HEADER_SEARCH_ROWS]):
            below = rows[r + 1] if r + 1 < len(rows) else None
            score, texts = _header_candidate(top, below, columns, mapping)
            two_rows = texts is not top
            header = _header(index, title, r + 1, r + 1 + two_rows, texts, columns, mapping)
            if score and not header.missing:
                return header
            if best is None or score > best[0]:
                best = (score, header)
    if best is None:
        return Header("", 0, 1, 1, [], [], list(columns.required))
    if best[0] == 0:  # nothing looks like a header: the first row, as it always was
        first = next(_sheet_heads(data, filename))
        top = first[2][0] if first[2] else []
        return _header(first[0], first[1], 1, 1, top, columns, mapping)
    return best[1]


def _header(index, title, first, last, texts, columns, mapping) -> Header:
    texts = [t.strip() for t in texts]
    names = [columns.match(t, mapping) for t in texts]
    missing = [c for c in columns.required if c not in names]
    return Header(title, index, first, last, texts, names, missing)


def _sheet_heads(data: bytes, filename: str) -> Iterator[tuple[int, str, list[list[str]]]]:
    """(index, title, the first rows) of each sheet (one for a csv)."""
    limits = UploadLimits.from_settings()
    if Path(filename).suffix.lower() == ".csv":
        rows = _csv_rows(data, limits)
        head = list(itertools.islice(rows, HEADER_SEARCH_ROWS + 1))
        yield 0, "", [_trimmed(r) for r in head]
        return
    if Path(filename).suffix.lower() != ".xlsx":
        raise SpreadsheetFileError(FILE_UNSUPPORTED)
    archive, sheets = _open_sheets(data, limits)
    try:
        for index, sheet in enumerate(sheets[:HEADER_SEARCH_SHEETS]):
            rows = _sheet_rows(sheet, max_row=HEADER_SEARCH_ROWS + 1)
            yield index, sheet.title, [_trimmed(r) for r in rows]
    finally:
        archive.close()


def _trimmed(row: list[str]) -> list[str]:
    while row and row[-1] == "":
        row.pop()
    return row


def iter_upload_rows(
    data: bytes,
    filename: str,
    limits: UploadLimits | None = None,
    *,
    sheet_index: int = 0,
    header_row: int = 1,
) -> Iterator[list[str]]:
    """The rows of a sheet (the first by default) or the csv as lists of text, from row 1,
    blank rows included (as empty lists) so that row numbers hold; trailing empty cells
    dropped. Cells read as the person typed them (``cell_text``).

    Streams: the xlsx through openpyxl's read-only reader, the csv through the csv module. It
    raises ``UploadLimitExceeded`` at the first row past ``max_rows`` below ``header_row``,
    the first cell past ``max_columns`` or the first non-empty cell past ``max_cells``,
    without reading further. Call ``check_upload_limits`` first (``read_table`` does).
    """
    limits = limits or UploadLimits.from_settings()
    suffix = Path(filename).suffix.lower()
    if suffix == ".csv":
        rows = _csv_rows(data, limits)
    elif suffix == ".xlsx":
        rows = _xlsx_rows(data, limits, sheet_index, header_row)
    else:
        raise SpreadsheetFileError(FILE_UNSUPPORTED)
    cells = 0
    for number, row in enumerate(rows, start=1):
        if number > limits.max_rows + header_row:
            raise _refuse(FILE_TOO_MANY_ROWS, f"{limits.max_rows:,}")
        _trimmed(row)
        if len(row) > limits.max_columns:
            raise _refuse(FILE_TOO_MANY_COLUMNS, limits.max_columns)
        cells += sum(1 for value in row if value != "")
        if cells > limits.max_cells:
            raise _refuse(FILE_TOO_MANY_CELLS, f"{limits.max_cells:,}")
        yield row


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030 (a superset of GBK and
    GB2312: what Excel and Notepad write on a Chinese Windows). Raises ``UnicodeDecodeError``
    when the bytes are none of these. The one reading of uploaded text files."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    if _looks_utf16(data):
        return data[: len(data) // 2 * 2].decode("utf-16-le")
    return data.decode("gb18030")


def _looks_utf16(data: bytes) -> bool:
    """UTF-16 without a BOM: ASCII-heavy text has a zero in every other byte."""
    sample = data[:4096]
    return len(sample) >= 4 and sample[1::2].count(0) > len(sample) // 4


def _csv_rows(data: bytes, limits: UploadLimits) -> Iterator[list[str]]:
    try:
        text = decode_text(data)
    except UnicodeDecodeError as exc:
        raise SpreadsheetFileError(FILE_NOT_UTF8) from exc
    try:
        yield from csv.reader(io.StringIO(text, newline=""))
    except csv.Error as exc:  # e.g. a field over the csv module's 128 KB limit
        raise SpreadsheetFileError(FILE_CORRUPT) from exc


def _xlsx_rows(
    data: bytes, limits: UploadLimits, sheet_index: int = 0, header_row: int = 1
) -> Iterator[list[str]]:
    archive = None
    try:
        archive, sheets = _open_sheets(data, limits)
        if sheet_index >= len(sheets):
            raise SpreadsheetFileError(FILE_CORRUPT)
        yield from _sheet_rows(sheets[sheet_index], max_row=limits.max_rows + header_row + 1)
    finally:
        if archive is not None:
            archive.close()


def _sheet_rows(sheet, *, max_row: int) -> Iterator[list[str]]:
    """A sheet's rows as text, each cell by its number format (looked up once per style)."""
    formats: dict[int, str] = {}
    for cells in _guarded(sheet.iter_rows(max_row=max_row)):
        row = []
        for cell in cells:
            value = cell.value
            if value is None:
                row.append("")
            elif isinstance(value, str):
                row.append(value)
            else:
                style = cell._style_id
                if style not in formats:
                    formats[style] = cell.number_format
                row.append(cell_text(value, formats[style]))
        yield row


def _open_sheets(data: bytes, limits: UploadLimits):
    """The worksheets, opened with openpyxl's read-only reader but never sized.

    ``load_workbook(read_only=True)`` sizes every sheet when it opens the file: a sheet without
    a <dimension> element (which a hand-made file simply leaves out) is parsed to its end
    first, 17 s and 100 MB for a million short rows, before a single row can be counted. So
    the parts are read the way openpyxl's ``ExcelReader.read`` reads them, minus the sizing.
    The shared strings, which openpyxl keeps in a list, are counted before it reads them.
    """
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.styles.stylesheet import apply_stylesheet
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet
    from openpyxl.xml.constants import SHARED_STRINGS

    class UnsizedSheet(ReadOnlyWorksheet):
        def _get_size(self):
            """Rows are counted as they stream; the declared size is not trusted."""

    try:
        reader = ExcelReader(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
    except Exception as exc:
        raise SpreadsheetFileError(FILE_CORRUPT) from exc
    try:
        reader.read_manifest()
        strings = reader.package.find(SHARED_STRINGS)
        if strings is not None:
            _check_shared_strings(reader.archive, strings.PartName[1:], limits)
        reader.read_strings()
        reader.read_workbook()
        apply_stylesheet(reader.archive, reader.wb)
        sheets = [
            UnsizedSheet(reader.wb, entry.name, rel.target, reader.shared_strings)
            for entry, rel in reader.parser.find_sheets()
            if rel.target in reader.valid_files and "chartsheet" not in rel.Type
        ]
    except SpreadsheetFileError:
        reader.archive.close()
        raise
    except Exception as exc:  # zipfile, XML and openpyxl errors on broken or foreign files
        reader.archive.close()
        raise SpreadsheetFileError(FILE_CORRUPT) from exc
    if not sheets:
        reader.archive.close()
        raise SpreadsheetFileError(FILE_CORRUPT)
    return reader.archive, sheets


# An element start in XML: "<" never appears raw in text or attribute values.
_SHARED_STRING_START = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?si[\s/>]")


def _check_shared_strings(archive: zipfile.ZipFile, path: str, limits: UploadLimits) -> None:
    """No sheet within the limits needs more distinct strings than it has cells."""
    count, tail = 0, b""
    with archive.open(path) as part:
        while chunk := part.read(1024 * 1024):
            window = tail + chunk
            count += len(_SHARED_STRING_START.findall(window))
            tail = window[-16:]
            count -= len(_SHARED_STRING_START.findall(tail))  # counted again next time
            if count > limits.max_cells:
                raise _refuse(FILE_TOO_MANY_CELLS, f"{limits.max_cells:,}")


def _guarded(rows: Iterator) -> Iterator:
    """openpyxl's errors while streaming a damaged sheet become the corrupt-file message."""
    while True:
        try:
            values = next(rows)
        except StopIteration:
            return
        except Exception as exc:
            raise SpreadsheetFileError(FILE_CORRUPT) from exc
        yield values


# --- typed cells as the text the person typed -------------------------------------------------

_FORMAT_SKIP = re.compile(r'\[[^\]]*\]|"[^"]*"|\\.|_.|\*.')
_DATE_TOKEN = re.compile(
    r'"[^"]*"|\\.|\[[^\]]*\]|yyyy|yy|mmmmm|mmmm|mmm|mm|m|dddd|ddd|dd|d|hh|h|ss|s|'
    r"AM/PM|A/P|0+|.",
    re.IGNORECASE,
)


def cell_text(value, number_format: str = "General") -> str:
    """A typed cell as the text the spreadsheet shows for it: a date by its number format
    (``2026-03-15``, not ``2026-03-15 00:00:00``), a percentage as ``50%`` (not ``0.5``), a
    whole number without ``.0``, a fixed number of decimals as the format asks."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    section = (number_format or "General").split(";")[0]
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return _date_text(value, section)
    if isinstance(value, datetime.timedelta):
        return str(value)
    if isinstance(value, int | float | Decimal):
        return _number_text(value, section)
    return str(value)


def _general_number(value) -> str:
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return f"{value:.15g}"
    return str(value)


def _number_text(value, section: str) -> str:
    bare = _FORMAT_SKIP.sub("", section)
    if not re.search(r"[0#?]", bare) or "General" in section:
        return _general_number(value)
    decimals = len(re.search(r"\.([0#?]*)", bare)[1]) if "." in bare else 0
    number = float(value)
    if "%" in bare:
        return f"{number * 100:.{decimals}f}%"
    if re.search(r"E[+-]", bare, re.IGNORECASE):
        return f"{number:.{decimals}E}"
    grouping = "," if re.search(r"[0#],[0#]", bare) else ""
    return f"{number:{grouping}.{decimals}f}"


def _date_text(value, section: str) -> str:
    if isinstance(value, datetime.time):
        value = datetime.datetime.combine(datetime.date(1900, 1, 1), value)
    elif not isinstance(value, datetime.datetime):
        value = datetime.datetime.combine(value, datetime.time())
    bare = _FORMAT_SKIP.sub("", section).lower()
    if not any(c in bare for c in "ymdhs"):  # "General" or a number format on a date
        if value.time() == datetime.time():
            return value.strftime("%Y-%m-%d")
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if bare.strip() in ("mm-dd-yy", "m/d/yy", "m/d/yyyy"):  # Excel's locale short date
        return value.strftime("%Y-%m-%d")
    tokens = _DATE_TOKEN.findall(section)
    hours = [i for i, t in enumerate(tokens) if t.lower() in ("h", "hh")]
    if hours and value.time() == datetime.time() and any(c in bare for c in "yd"):
        # A date written with a date-and-time format (openpyxl's default for datetimes)
        # shows its day: the midnight is not something a person typed.
        tokens = tokens[: hours[0]]
        while tokens and tokens[-1].strip(" T") == "":
            tokens.pop()
    twelve_hour = any(t.upper() in ("AM/PM", "A/P") for t in tokens)
    out: list[str] = []
    for i, token in enumerate(tokens):
        low = token.lower()
        if low.startswith("m") and low in ("m", "mm"):
            before = [t.lower() for t in tokens[:i] if t.lower()[0] in "hdys"]
            after = [t.lower() for t in tokens[i + 1 :] if t.lower()[0] in "hdys"]
            minute = (before and before[-1][0] == "h") or (after and after[0][0] == "s")
            number = value.minute if minute else value.month
            out.append(f"{number:02d}" if low == "mm" else str(number))
        elif low in ("mmm", "mmmm", "mmmmm"):
            out.append(
                value.strftime("%b" if low == "mmm" else "%B")[: 1 if low == "mmmmm" else None]
            )
        elif low == "yyyy":
            out.append(f"{value.year:04d}")
        elif low == "yy":
            out.append(f"{value.year % 100:02d}")
        elif low in ("d", "dd"):
            out.append(f"{value.day:02d}" if low == "dd" else str(value.day))
        elif low in ("ddd", "dddd"):
            out.append(value.strftime("%a" if low == "ddd" else "%A"))
        elif low in ("h", "hh"):
            hour = value.hour % 12 or 12 if twelve_hour else value.hour
            out.append(f"{hour:02d}" if low == "hh" else str(hour))
        elif low in ("s", "ss"):
            out.append(f"{value.second:02d}" if low == "ss" else str(value.second))
        elif low in ("am/pm", "a/p"):
            am = value.hour < 12
            out.append(("AM" if am else "PM") if low == "am/pm" else ("A" if am else "P"))
        elif token.startswith('"'):
            out.append(token[1:-1])
        elif token.startswith("\\"):
            out.append(token[1:])
        elif token.startswith("[") or token.startswith("0"):
            continue  # a locale/colour code; fractions of seconds are not typed
        else:
            out.append(token)
    return "".join(out)


def read_table(
    data: bytes,
    filename: str,
    *,
    columns: Columns | None = None,
    mapping: dict[str, str] | None = None,
) -> pd.DataFrame:
    """A sheet (or the csv) as strings, keeping blank rows; the index is each row's number
    as the sheet shows it.

    Without ``columns`` the header is row 1 of the first sheet. With ``columns`` it is looked
    for in the first rows of every sheet (``locate_header``), two-row merged headers are
    joined, and the columns found (by name, synonym or ``mapping``) are named by the import's
    names; the others keep their own text. ``frame.attrs["header"]`` is the ``Header``.
    Checked against the upload limits before parsing, then streamed row by row.
    """
    check_upload_limits(data, filename)
    if columns is not None:
        header = locate_header(data, filename, columns, mapping)
    else:
        header = None
    sheet_index = header.sheet_index if header else 0
    last_row = header.last_row if header else 1
    rows = iter_upload_rows(data, filename, sheet_index=sheet_index, header_row=last_row)
    head = [next(rows, None) for _ in range(last_row)]
    if head[0] is None and header is None:
        return pd.DataFrame()
    if header is not None:
        texts = [n or t for t, n in zip(header.texts, header.names, strict=True)]
    else:
        texts = head[0]
    body = list(rows)
    while body and not body[-1]:
        body.pop()  # trailing blank rows, as pandas dropped them
    width = max([len(texts), *(len(r) for r in body)])
    names = _column_names(texts + [""] * (width - len(texts)))
    frame = pd.DataFrame(
        [r + [""] * (width - len(r)) for r in body],
        columns=names,
        index=range(last_row + 1, last_row + 1 + len(body)),
        dtype=object,
    )
    frame.attrs["header"] = header
    return frame


def _column_names(header: list[str]) -> list[str]:
    """Header cells as pandas named them: "Unnamed: 3" for a blank one, "X.1" for a repeat."""
    names: list[str] = []
    seen: dict[str, int] = {}
    for index, text in enumerate(header):
        name = text if text != "" else f"Unnamed: {index}"
        if name in seen:
            seen[name] += 1
            name = f"{name}.{seen[name]}"
        seen.setdefault(name, 0)
        names.append(name)
    return names


def safe_cell(value):
    """Text that a spreadsheet would run as a formula gets a leading apostrophe (CSV/formula
    injection); numbers and dates are left alone."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def escape_wagtail_exports() -> None:
    """Route every cell of Wagtail's own spreadsheet exports through ``safe_cell``.

    Every listing the admin can download as xlsx or csv (the index view of every ModelViewSet
    and SnippetViewSet, the user listing, the reports such as the site history, form
    submissions) is a ``SpreadsheetExportMixin`` view, and every value passes through its
    ``preprocess_field_value`` on the way to a cell, where Wagtail leaves text that starts with
    "=", "+", "-" or "@" as it is. Escaping there, once, covers those views and any added
    later (including subclasses of them), which a base class for our viewsets would not:
    Wagtail's reports and user views are not ours. Called from ``CmsConfig.ready``;
    ``tests/cms/test_export_formulas.py`` checks that no view goes around it.
    """
    from wagtail.admin.views.mixins import SpreadsheetExportMixin

    original = SpreadsheetExportMixin.preprocess_field_value
    if getattr(original, "escapes_formulas", False):
        return

    def preprocess_field_value(self, field, value, export_format):
        return safe_cell(original(self, field, value, export_format))

    preprocess_field_value.escapes_formulas = True
    preprocess_field_value.__doc__ = original.__doc__
    SpreadsheetExportMixin.preprocess_field_value = preprocess_field_value


def unescape_cell(text: str) -> str:
    """The text ``safe_cell`` escaped, for files that come back (an exported question bank
    imported again): the apostrophe before a formula character is dropped."""
    if text.startswith("'") and text[1:].startswith(FORMULA_PREFIXES):
        return text[1:]
    return text


def plain(value):
    """Spreadsheets cannot store aware datetimes: show them in local time, without a zone."""
    if hasattr(value, "tzinfo") and value.tzinfo is not None:
        return timezone.localtime(value).replace(tzinfo=None)
    return value


def _width(text: str) -> int:
    # A CJK character takes about two Latin character widths in Excel.
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in str(text)) + 2


class Sheet(NamedTuple):
    """One sheet of a workbook: its title, header row, rows (any iterable, read once) and
    column widths. A plain ``(title, headers, rows, widths)`` tuple does as well."""

    title: str
    headers: Sequence[str]
    rows: Iterable[Sequence]
    widths: Sequence[int] = ()


def workbook_bytes(
    title: str,
    headers: Sequence[str],
    rows: Iterable[Sequence],
    widths: Sequence[int] = (),
) -> bytes:
    """A workbook of one sheet (``workbook_sheets_bytes``)."""
    return workbook_sheets_bytes([Sheet(title, headers, rows, widths)])


def workbook_sheets_bytes(sheets: Sequence[Sheet]) -> bytes:
    """Sheets with a bold, frozen header row and their rows, every text cell escaped.

    Columns without a given width are as wide as their header (at least 10). Written with
    XlsxWriter in constant-memory mode, row by row: text is always stored as text (never
    turned into a formula, number or link), numbers as numbers, dates as dates.
    """
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer,
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
        },
    )
    header_format = book.add_format({"bold": True, "bg_color": HEADER_FILL, "valign": "vcenter"})
    formats = {
        datetime.datetime: book.add_format({"num_format": "yyyy-mm-dd hh:mm"}),
        datetime.date: book.add_format({"num_format": "yyyy-mm-dd"}),
    }
    for title, headers, rows, widths in sheets:
        sheet = book.add_worksheet(str(title)[:31])
        for index, header in enumerate(headers):
            width = widths[index] if index < len(widths) else max(10, _width(header))
            sheet.set_column(index, index, width)
            sheet.write_string(0, index, str(header), header_format)
        sheet.freeze_panes(1, 0)
        for number, row in enumerate(rows, start=1):
            for column, value in enumerate(row):
                _write(sheet, number, column, safe_cell(plain(value)), formats)
    book.close()
    return buffer.getvalue()


def _write(sheet, row: int, column: int, value, formats) -> None:
    if value is None or value == "":
        return
    if isinstance(value, bool):
        sheet.write_boolean(row, column, value)
    elif isinstance(value, int | float | Decimal):
        sheet.write_number(row, column, float(value))
    elif isinstance(value, datetime.datetime):
        sheet.write_datetime(row, column, value, formats[datetime.datetime])
    elif isinstance(value, datetime.date):
        sheet.write_datetime(row, column, value, formats[datetime.date])
    else:
        sheet.write_string(row, column, str(value))


def csv_bytes(headers: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    """UTF-8 with a byte order mark (Excel's cue for UTF-8), every text cell escaped."""
    buffer = io.StringIO()
    buffer.write(UTF8_BOM)
    writer = csv.writer(buffer)
    writer.writerow([str(h) for h in headers])
    for row in rows:
        writer.writerow(["" if v is None else safe_cell(plain(v)) for v in row])
    return buffer.getvalue().encode("utf-8")
