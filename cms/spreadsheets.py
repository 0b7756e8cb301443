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

import xlsxwriter
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
