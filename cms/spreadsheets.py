"""Spreadsheets out of every app: xlsx (XlsxWriter) and csv, both safe to open in Excel.

One helper for all exports (exam results, HR tables): text that a spreadsheet would run as a
formula is escaped, the header row is bold and frozen, columns get widths, and csv carries a
UTF-8 byte order mark so that Excel reads Chinese correctly. The xlsx is written with
XlsxWriter in constant-memory mode, which streams rows and keeps memory flat for 100,000-row
tables (about twice as fast as openpyxl's write-only mode).
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import BinaryIO

import pandas as pd
import xlsxwriter
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

FORMULA_PREFIXES = ("=", "+", "-", "@")
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


class SpreadsheetFileError(Exception):
    """The file as a whole cannot be read (too big, wrong type, corrupt, not UTF-8)."""


def read_upload(file: BinaryIO, filename: str) -> bytes:
    """Read at most the size limit (plus one byte to notice a larger file)."""
    limit = settings.UPLOAD_MAX_BYTES
    data = file.read(limit + 1)
    if len(data) > limit:
        raise SpreadsheetFileError(FILE_TOO_LARGE % {"limit": f"{limit / 1024 / 1024:g}"})
    return data


def read_table(data: bytes, filename: str) -> pd.DataFrame:
    """Load the first sheet (or the csv) as strings, keeping blank rows so numbering holds."""
    suffix = Path(filename).suffix.lower()
    try:
        if suffix == ".csv":
            try:
                text = data.decode("utf-8-sig")
            except UnicodeDecodeError as exc:
                raise SpreadsheetFileError(FILE_NOT_UTF8) from exc
            frame = pd.read_csv(
                io.StringIO(text),
                dtype=str,
                na_filter=False,
                skip_blank_lines=False,
                quoting=csv.QUOTE_MINIMAL,
            )
        elif suffix == ".xlsx":
            frame = pd.read_excel(
                io.BytesIO(data), sheet_name=0, dtype=str, na_filter=False, engine="openpyxl"
            )
        else:
            raise SpreadsheetFileError(FILE_UNSUPPORTED)
    except SpreadsheetFileError:
        raise
    except Exception as exc:  # zipfile, openpyxl and pandas raise many kinds on broken files
        raise SpreadsheetFileError(FILE_CORRUPT) from exc
    return frame.fillna("")


def safe_cell(value):
    """Text that a spreadsheet would run as a formula gets a leading apostrophe (CSV/formula
    injection); numbers and dates are left alone."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


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
    sheet = book.add_worksheet(title[:31])
    header_format = book.add_format({"bold": True, "bg_color": HEADER_FILL, "valign": "vcenter"})
    formats = {
        datetime.datetime: book.add_format({"num_format": "yyyy-mm-dd hh:mm"}),
        datetime.date: book.add_format({"num_format": "yyyy-mm-dd"}),
    }
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
