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

import csv
import datetime
import io
import re
import struct
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import BinaryIO

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
            return f"{where}，{self.column}：{self.message}"
        return f"{where}：{self.message}"


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


def iter_upload_rows(
    data: bytes, filename: str, limits: UploadLimits | None = None
) -> Iterator[list[str]]:
    """The rows of the first sheet (or the csv) as lists of text, the header row first, blank
    rows included (as empty lists) so that row numbers hold; trailing empty cells dropped.

    Streams: the xlsx through openpyxl's read-only reader, the csv through the csv module. It
    raises ``UploadLimitExceeded`` at the first row past ``max_rows`` (below the header), the
    first cell past ``max_columns`` or the first non-empty cell past ``max_cells``, without
    reading further. Call ``check_upload_limits``
    first (``read_table`` does).
    """
    limits = limits or UploadLimits.from_settings()
    suffix = Path(filename).suffix.lower()
    if suffix == ".csv":
        rows = _csv_rows(data, limits)
    elif suffix == ".xlsx":
        rows = _xlsx_rows(data, limits)
    else:
        raise SpreadsheetFileError(FILE_UNSUPPORTED)
    cells = 0
    for number, row in enumerate(rows, start=1):
        if number > limits.max_rows + 1:
            raise _refuse(FILE_TOO_MANY_ROWS, f"{limits.max_rows:,}")
        while row and row[-1] == "":
            row.pop()
        if len(row) > limits.max_columns:
            raise _refuse(FILE_TOO_MANY_COLUMNS, limits.max_columns)
        cells += sum(1 for value in row if value != "")
        if cells > limits.max_cells:
            raise _refuse(FILE_TOO_MANY_CELLS, f"{limits.max_cells:,}")
        yield row


def _csv_rows(data: bytes, limits: UploadLimits) -> Iterator[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SpreadsheetFileError(FILE_NOT_UTF8) from exc
    try:
        yield from csv.reader(io.StringIO(text, newline=""))
    except csv.Error as exc:  # e.g. a field over the csv module's 128 KB limit
        raise SpreadsheetFileError(FILE_CORRUPT) from exc


def _xlsx_rows(data: bytes, limits: UploadLimits) -> Iterator[list[str]]:
    archive = None
    try:
        archive, sheet = _first_sheet(data, limits)
        rows = sheet.iter_rows(max_row=limits.max_rows + 2, values_only=True)
        for values in _guarded(rows):
            yield [_cell_text(v) for v in values]
    finally:
        if archive is not None:
            archive.close()


def _first_sheet(data: bytes, limits: UploadLimits):
    """The first worksheet, opened with openpyxl's read-only reader but never sized.

    ``load_workbook(read_only=True)`` sizes every sheet when it opens the file: a sheet without
    a <dimension> element (which a hand-made file simply leaves out) is parsed to its end
    first, 17 s and 100 MB for a million short rows, before a single row can be counted. So
    the parts are read the way openpyxl's ``ExcelReader.read`` reads them, minus the sizing,
    and only the first sheet is opened. The shared strings, which openpyxl keeps in a list,
    are counted before it reads them.
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
        for entry, rel in reader.parser.find_sheets():
            if rel.target in reader.valid_files and "chartsheet" not in rel.Type:
                sheet = UnsizedSheet(reader.wb, entry.name, rel.target, reader.shared_strings)
                return reader.archive, sheet
    except SpreadsheetFileError:
        reader.archive.close()
        raise
    except Exception as exc:  # zipfile, XML and openpyxl errors on broken or foreign files
        reader.archive.close()
        raise SpreadsheetFileError(FILE_CORRUPT) from exc
    reader.archive.close()
    raise SpreadsheetFileError(FILE_CORRUPT)


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


def _cell_text(value) -> str:
    """A cell as the text pandas' ``dtype=str`` gave before: whole floats without ".0"."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_table(data: bytes, filename: str) -> pd.DataFrame:
    """Load the first sheet (or the csv) as strings, keeping blank rows so numbering holds.

    Checked against the upload limits before parsing, then streamed row by row.
    """
    check_upload_limits(data, filename)
    rows = iter_upload_rows(data, filename)
    header = next(rows, None)
    if header is None:
        return pd.DataFrame()
    body = list(rows)
    while body and not body[-1]:
        body.pop()  # trailing blank rows, as pandas dropped them
    width = max([len(header), *(len(r) for r in body)])
    columns = _column_names(header + [""] * (width - len(header)))
    return pd.DataFrame([r + [""] * (width - len(r)) for r in body], columns=columns, dtype=object)


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


def workbook_bytes(
    title: str,
    headers: Sequence[str],
    rows: Iterable[Sequence],
    widths: Sequence[int] = (),
) -> bytes:
    """One sheet: a bold, frozen header row and the rows, every text cell escaped.

    Columns without a given width are as wide as their header (at least 10). Written with
    XlsxWriter in constant-memory mode, row by row: text is always stored as text (never
    turned into a formula, number or link), numbers as numbers, dates as dates.
    """
    return workbook_sheets_bytes([(title, headers, rows, widths)])


def workbook_sheets_bytes(
    sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence], Sequence[int]]],
) -> bytes:
    """Several sheets, each ``(title, headers, rows, widths)`` written as ``workbook_bytes``
    writes its one (in constant-memory mode a sheet is finished before the next starts)."""
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
        sheet = book.add_worksheet(title[:31])
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
