"""Spreadsheets of the exam administrator: the candidate-list template and the results export."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

FORMULA_PREFIXES = ("=", "+", "-", "@")
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")


def safe_cell(value):
    """Text that a spreadsheet would run as a formula gets a leading apostrophe (CSV/formula
    injection); numbers and dates are left alone."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def workbook_bytes(
    title: str, headers: Sequence[str], rows: Iterable[Sequence], widths: Sequence[int] = ()
) -> bytes:
    """One sheet: a bold, frozen header row and the rows, every text cell escaped."""
    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    sheet.append(list(headers))
    for cell in sheet[1]:
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(vertical="center")
    for row in rows:
        sheet.append([safe_cell(_plain(v)) for v in row])
    sheet.freeze_panes = "A2"
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _plain(value):
    """openpyxl cannot store aware datetimes: show them in local time, without a zone."""
    if hasattr(value, "tzinfo") and value.tzinfo is not None:
        return timezone.localtime(value).replace(tzinfo=None)
    return value


def candidate_template() -> bytes:
    """The candidate-list template: the columns and one example row."""
    from ..services.sessions import CANDIDATE_COLUMNS

    return workbook_bytes(
        "考生名单",
        CANDIDATE_COLUMNS,
        [["XH2024001", 30, 1, "视力障碍，延长答题时间"]],
        (14, 18, 10, 40),
    )
