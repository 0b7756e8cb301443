"""The offline training spreadsheet: its template, reading it and checking every row.

Nothing here writes; ``services.offline_training_import`` does, only after every row passed.
Row numbers are those the user sees in the spreadsheet (header = row 1). File reading is the
roster's (same limits and messages for size, type, encoding and corrupt files).
"""

from __future__ import annotations

import datetime
import io
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import pandas as pd
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from cms.spreadsheets import Column, Columns, SheetError, read_table, read_upload
from cms.spreadsheets import SpreadsheetFileError as RosterFileError

from .models import StudyKind

COL_EMPLOYEE_NUMBER = "工号"
COL_NAME = "姓名"
COL_TRAINING = "培训名称"
COL_DATE = "日期"
COL_HOURS = "学时"
COL_KIND = "类别"
COLUMNS = [COL_EMPLOYEE_NUMBER, COL_NAME, COL_TRAINING, COL_DATE, COL_HOURS, COL_KIND]
REQUIRED_COLUMNS = [COL_EMPLOYEE_NUMBER, COL_TRAINING, COL_DATE, COL_HOURS, COL_KIND]
TRAINING_COLUMNS = Columns(
    [
        Column(COL_EMPLOYEE_NUMBER, True, ("员工号", "职工号", "人员编号")),
        Column(COL_NAME, False, ("人员姓名",)),
        Column(COL_TRAINING, True, ("培训班名称", "培训项目", "培训内容", "课程名称")),
        Column(COL_DATE, True, ("培训日期", "结业日期")),
        Column(COL_HOURS, True, ("学时数", "培训学时")),
        Column(COL_KIND, True, ("培训类别", "学时类别")),
    ]
)

# Offline sheets may only record attendance; online hours come from completed courses.
KIND_BY_LABEL = {
    "线下培训": StudyKind.OFFLINE,
    "offline": StudyKind.OFFLINE,
    "轮训": StudyKind.ROTATION,
    "rotation": StudyKind.ROTATION,
}
MAX_HOURS = Decimal("99.9")

FILE_EMPTY = _("文件中没有培训记录。")
COLUMN_MISSING = _("缺少必需的列。")
CELL_REQUIRED = _("必填，不能为空。")
UNKNOWN_PERSON = _("系统中没有工号为“%(number)s”的人员。")
PERSON_OUT_OF_SCOPE = _("该工号属于您管辖范围以外的人员。")
NAME_MISMATCH = _("姓名与工号“%(number)s”在系统中的姓名“%(name)s”不一致。")
TRAINING_TOO_LONG = _("培训名称不能超过 150 个字符。")
DATE_INVALID = _("日期格式不正确，请填写如 2026-03-15 的日期。")
DATE_IN_FUTURE = _("日期不能晚于今天。")
HOURS_INVALID = _("学时应为大于 0、不超过 99.9 的数字，最多一位小数。")
KIND_INVALID = _("类别只能填“线下培训”或“轮训”。")
DUPLICATE_ROW = _("与第 %(row)s 行重复（同一人、同一培训、同一日期、同一类别）。")

DATE_RE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T]00:00:00)?$")


TrainingError = SheetError  # the one row-located import error type (cms.spreadsheets)


@dataclass(frozen=True)
class TrainingRow:
    row: int
    employee_number: str
    name: str
    training: str
    date: datetime.date
    hours: Decimal
    kind: str

    @property
    def source(self) -> str:
        """The ledger source: the same attendance imported twice is one entry."""
        return f"{self.kind}:{self.date.isoformat()}:{self.training}"


def _clean(value) -> str:
    return str(value).strip() if value is not None else ""


def parse_date(text: str) -> datetime.date | None:
    match = DATE_RE.match(text)
    if not match:
        return None
    try:
        return datetime.date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


def parse_hours(text: str) -> Decimal | None:
    try:
        hours = Decimal(text)
    except InvalidOperation:
        return None
    if not hours.is_finite() or hours <= 0 or hours > MAX_HOURS:
        return None
    if hours != hours.quantize(Decimal("0.1")):
        return None
    return hours.quantize(Decimal("0.1"))


def read_rows(file, filename: str, mapping: dict[str, str] | None = None) -> pd.DataFrame:
    """The sheet as strings (the header found in the first rows of any sheet; ``mapping``:
    the uploader's own header names); raises ``RosterFileError`` for unreadable files."""
    data = read_upload(file, filename)
    return read_table(data, filename, columns=TRAINING_COLUMNS, mapping=mapping)


def parse_rows(
    frame: pd.DataFrame, *, today: datetime.date
) -> tuple[list[TrainingRow], list[TrainingError]]:
    """Check each row on its own and against the other rows (no database needed)."""
    columns = [str(c).strip() for c in frame.columns]
    frame.columns = columns
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        return [], [TrainingError(None, c, str(COLUMN_MISSING)) for c in missing]
    rows: list[TrainingRow] = []
    errors: list[TrainingError] = []
    seen: dict[tuple, int] = {}
    for number, record in zip(frame.index, frame.to_dict("records"), strict=True):
        values = {c: _clean(record.get(c)) for c in COLUMNS}
        if not any(values.values()):
            continue  # blank line
        row_errors = [
            TrainingError(number, c, str(CELL_REQUIRED)) for c in REQUIRED_COLUMNS if not values[c]
        ]
        date = hours = kind = None
        if values[COL_DATE]:
            date = parse_date(values[COL_DATE])
            if date is None:
                row_errors.append(TrainingError(number, COL_DATE, str(DATE_INVALID)))
            elif date > today:
                row_errors.append(TrainingError(number, COL_DATE, str(DATE_IN_FUTURE)))
        if values[COL_HOURS]:
            hours = parse_hours(values[COL_HOURS])
            if hours is None:
                row_errors.append(TrainingError(number, COL_HOURS, str(HOURS_INVALID)))
        if values[COL_KIND]:
            kind = KIND_BY_LABEL.get(values[COL_KIND].lower())
            if kind is None:
                row_errors.append(TrainingError(number, COL_KIND, str(KIND_INVALID)))
        if len(values[COL_TRAINING]) > 150:
            row_errors.append(TrainingError(number, COL_TRAINING, str(TRAINING_TOO_LONG)))
        if row_errors:
            errors.extend(row_errors)
            continue
        row = TrainingRow(
            row=number,
            employee_number=values[COL_EMPLOYEE_NUMBER],
            name=values[COL_NAME],
            training=values[COL_TRAINING],
            date=date,
            hours=hours,
            kind=kind,
        )
        key = (row.employee_number.upper(), row.source)
        if key in seen:
            errors.append(
                TrainingError(number, COL_TRAINING, str(DUPLICATE_ROW % {"row": seen[key]}))
            )
            continue
        seen[key] = number
        rows.append(row)
    if not rows and not errors:
        errors.append(TrainingError(None, "", str(FILE_EMPTY)))
    return rows, errors


def training_template_xlsx() -> bytes:
    """A blank template with one example row and a short "说明" sheet."""
    book = Workbook()
    sheet = book.active
    sheet.title = "线下培训"
    sheet.append(COLUMNS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
    sheet.append(["E1001", "张晓明", "2026年度依法行政专题培训", "2026-03-15", "4", "线下培训"])
    for letter, width in zip("ABCDEF", (12, 10, 32, 14, 8, 12), strict=True):
        sheet.column_dimensions[letter].width = width
    notes = book.create_sheet("说明")
    notes.append(["列", "必填", "说明"])
    notes.append([COL_EMPLOYEE_NUMBER, "是", str(_("人员工号，须已在系统中。"))])
    notes.append([COL_NAME, "否", str(_("填写时须与系统中的姓名一致，用于核对。"))])
    notes.append([COL_TRAINING, "是", str(_("培训班名称。"))])
    notes.append(
        [COL_DATE, "是", str(_("培训日期（结业日期），如 2026-03-15；按该日所在年度计入。"))]
    )
    notes.append([COL_HOURS, "是", str(_("学时数，大于 0，最多一位小数。"))])
    notes.append([COL_KIND, "是", str(_("“线下培训”或“轮训”（行政执法人员年度业务轮训）。"))])
    notes.append(["", "", str(_("同一文件重复导入不会重复计入学时。"))])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


__all__ = ["RosterFileError", "TrainingError", "TrainingRow", "parse_rows", "read_rows"]
