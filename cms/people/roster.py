"""The staff roster spreadsheet: its template, reading it, and checking every row.

Nothing here writes to the database; ``services.roster_import`` does, and only after every
row has passed. Row numbers are those the user sees in the spreadsheet (header = row 1).
"""

from __future__ import annotations

import datetime
import io
import re
from dataclasses import dataclass, field

import pandas as pd
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from cms.db import filter_in
from cms.spreadsheets import (  # noqa: F401 (the roster's names for the shared reader)
    FILE_CORRUPT,
    FILE_NOT_UTF8,
    FILE_TOO_LARGE,
    FILE_UNSUPPORTED,
    Column,
    Columns,
    SheetError,
    read_table,
    read_upload,
)
from cms.spreadsheets import SpreadsheetFileError as RosterFileError  # noqa: F401

from .models import OrgUnit, User

# --- the template ------------------------------------------------------------------------
COL_EMPLOYEE_NUMBER = "工号"
COL_NAME = "姓名"
COL_UNIT_CODE = "单位代码"
COL_RANK = "职级"
COL_EMAIL = "电子邮箱"
COL_PHONE = "手机号码"
COL_NATIONAL_ID = "身份证号"
COL_LEADING_CADRE = "领导干部"
COL_ENFORCEMENT = "行政执法人员"
COL_ACTIVE = "在职"

COLUMNS = [
    COL_EMPLOYEE_NUMBER,
    COL_NAME,
    COL_UNIT_CODE,
    COL_RANK,
    COL_EMAIL,
    COL_PHONE,
    COL_NATIONAL_ID,
    COL_LEADING_CADRE,
    COL_ENFORCEMENT,
    COL_ACTIVE,
]
REQUIRED_COLUMNS = [COL_EMPLOYEE_NUMBER, COL_NAME, COL_UNIT_CODE]
# The roster's columns with the other names HR offices give them (found automatically; any
# other column can be mapped by hand on the check page, cms.uploads).
ROSTER_COLUMNS = Columns(
    [
        Column(COL_EMPLOYEE_NUMBER, True, ("员工号", "职工号", "人员编号", "工作证号")),
        Column(COL_NAME, True, ("人员姓名",)),
        Column(COL_UNIT_CODE, True, ("单位编码", "机构代码", "单位编号")),
        Column(COL_RANK, False, ("职务职级", "职务")),
        Column(COL_EMAIL, False, ("邮箱", "电子邮件", "Email", "E-mail")),
        Column(COL_PHONE, False, ("手机", "手机号", "联系电话")),
        Column(COL_NATIONAL_ID, False, ("身份证号码", "公民身份号码", "身份证")),
        Column(COL_LEADING_CADRE, False, ("是否领导干部",)),
        Column(COL_ENFORCEMENT, False, ("是否行政执法人员", "执法人员")),
        Column(COL_ACTIVE, False, ("是否在职",)),
    ]
)
YES, NO = "是", "否"

# (column, required, explanation, example, width)
COLUMN_DOCS = [
    (
        COL_EMPLOYEE_NUMBER,
        True,
        _("登录账号，全市唯一；字母、数字、下划线或连字符。"),
        "XH2024001",
        14,
    ),
    (COL_NAME, True, _("与档案一致的姓名。"), "张三", 10),
    (COL_UNIT_CODE, True, _("所在单位的单位代码，须已在系统中建立。"), "330106-SFJ", 16),
    (COL_RANK, False, _("职级，如“一级科员”；留空则保留系统中已有的值。"), "一级主任科员", 16),
    (
        COL_EMAIL,
        False,
        _("用于找回密码和接收通知，不得与他人重复；留空则保留已有的值。"),
        "zhangsan@example.gov.cn",
        28,
    ),
    (COL_PHONE, False, _("11 位手机号码；留空则保留已有的值。"), "13800000000", 15),
    (
        COL_NATIONAL_ID,
        False,
        _("18 位居民身份证号码（含校验位）；留空则保留已有的值。"),
        "11010519491231002X",
        22,
    ),
    (COL_LEADING_CADRE, False, _("填“是”或“否”，留空视为“否”。"), NO, 10),
    (COL_ENFORCEMENT, False, _("填“是”或“否”，留空视为“否”。"), YES, 14),
    (COL_ACTIVE, False, _("填“是”或“否”，留空视为“是”；“否”表示停用账号（不会删除）。"), YES, 8),
]

# --- messages (module constants so that tests can assert them word for word) -------------
FILE_EMPTY = _("文件中没有人员数据。")
COLUMN_MISSING = _("缺少必需的列。")
COLUMN_DUPLICATED = _("该列出现了不止一次。")
CELL_REQUIRED = _("必填，不能为空。")
EMPLOYEE_NUMBER_INVALID = _("工号只能包含字母、数字、下划线和连字符，且不超过 32 个字符。")
NAME_TOO_LONG = _("姓名不能超过 64 个字符。")
RANK_TOO_LONG = _("职级不能超过 32 个字符。")
EMAIL_INVALID = _("电子邮箱格式不正确。")
PHONE_INVALID = _("手机号码应为 11 位数字，以 1 开头。")
NATIONAL_ID_FORMAT = _("身份证号应为 18 位：前 17 位是数字，最后一位是数字或 X。")
NATIONAL_ID_DATE = _("身份证号中的出生日期不存在。")
NATIONAL_ID_CHECK_DIGIT = _("身份证号校验位不正确，请核对号码。")
YES_NO_INVALID = _("只能填“是”或“否”。")
DUPLICATE_EMPLOYEE_NUMBER = _("工号与第 %(row)s 行重复。")
DUPLICATE_EMAIL = _("电子邮箱与第 %(row)s 行重复。")
EMAIL_TAKEN = _("该电子邮箱已被系统中的其他人员使用。")
UNKNOWN_UNIT = _("系统中没有单位代码为“%(code)s”的单位。")
UNIT_OUT_OF_SCOPE = _("单位“%(code)s”不在您的管辖范围内。")
PERSON_OUT_OF_SCOPE = _("该工号属于您管辖范围以外的人员，不能在此修改。")

EMPLOYEE_NUMBER_RE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
PHONE_RE = re.compile(r"^1\d{10}$")
NATIONAL_ID_RE = re.compile(r"^\d{17}[\dX]$")
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"


RosterError = SheetError  # the one row-located import error type (cms.spreadsheets)


@dataclass
class RosterRow:
    """One person as given in the file; ``None`` means "column absent or cell blank: keep"."""

    row: int
    employee_number: str
    name: str
    unit_code: str
    rank: str | None = None
    email: str | None = None
    phone: str | None = None
    national_id: str | None = None
    is_leading_cadre: bool | None = None
    is_enforcement_officer: bool | None = None
    is_active: bool = True
    org_unit: OrgUnit | None = field(default=None, repr=False)


def national_id_check_digit(first17: str) -> str:
    """The GB 11643 check character for the first 17 digits of an ID number."""
    total = sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK_CHARS[total % 11]


def national_id_error(value: str):
    """The reason an 18-digit ID number is not valid, or None."""
    if not NATIONAL_ID_RE.match(value):
        return NATIONAL_ID_FORMAT
    try:
        datetime.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return NATIONAL_ID_DATE
    if national_id_check_digit(value[:17]) != value[17]:
        return NATIONAL_ID_CHECK_DIGIT
    return None


# --- reading ------------------------------------------------------------------------------
def _clean(value) -> str:
    return str(value).strip() if value is not None else ""


def parse_rows(frame: pd.DataFrame) -> tuple[list[RosterRow], list[RosterError]]:
    """Check each row on its own and against the other rows (no database needed)."""
    errors: list[RosterError] = []
    headers = [_clean(c).lstrip("\ufeff") for c in frame.columns]
    for column in COLUMNS:
        if headers.count(column) > 1:
            errors.append(RosterError(None, column, str(COLUMN_DUPLICATED)))
    for column in REQUIRED_COLUMNS:
        if column not in headers:
            errors.append(RosterError(None, column, str(COLUMN_MISSING)))
    if errors:
        return [], errors
    frame = frame.copy()
    frame.columns = headers
    present = set(headers)

    rows: list[RosterRow] = []
    seen_numbers: dict[str, int] = {}
    seen_emails: dict[str, int] = {}
    for line, record in zip(frame.index, frame.to_dict("records"), strict=True):
        cells = {c: _clean(record.get(c, "")) for c in COLUMNS if c in present}
        if not any(cells.values()):
            continue  # blank line
        row_errors: list[RosterError] = []

        def err(column: str, message, _line=line, _errs=row_errors) -> None:
            _errs.append(RosterError(_line, column, str(message)))

        for column in REQUIRED_COLUMNS:
            if not cells[column]:
                err(column, CELL_REQUIRED)
        number = cells[COL_EMPLOYEE_NUMBER]
        if number and not EMPLOYEE_NUMBER_RE.match(number):
            err(COL_EMPLOYEE_NUMBER, EMPLOYEE_NUMBER_INVALID)
        elif number in seen_numbers:
            err(COL_EMPLOYEE_NUMBER, DUPLICATE_EMPLOYEE_NUMBER % {"row": seen_numbers[number]})
        elif number:
            seen_numbers[number] = line
        if len(cells[COL_NAME]) > 64:
            err(COL_NAME, NAME_TOO_LONG)
        if len(cells.get(COL_RANK, "")) > 32:
            err(COL_RANK, RANK_TOO_LONG)

        email = cells.get(COL_EMAIL, "")
        if email:
            try:
                validate_email(email)
            except ValidationError:
                err(COL_EMAIL, EMAIL_INVALID)
            else:
                if email.lower() in seen_emails:
                    err(COL_EMAIL, DUPLICATE_EMAIL % {"row": seen_emails[email.lower()]})
                else:
                    seen_emails[email.lower()] = line
        phone = cells.get(COL_PHONE, "")
        if phone and not PHONE_RE.match(phone):
            err(COL_PHONE, PHONE_INVALID)
        national_id = cells.get(COL_NATIONAL_ID, "").upper()
        if national_id and (reason := national_id_error(national_id)):
            err(COL_NATIONAL_ID, reason)

        flags: dict[str, bool | None] = {}
        for column, default in (
            (COL_LEADING_CADRE, False),
            (COL_ENFORCEMENT, False),
            (COL_ACTIVE, True),
        ):
            if column not in present:
                flags[column] = None if column != COL_ACTIVE else True
                continue
            value = cells[column]
            if value == YES:
                flags[column] = True
            elif value == NO:
                flags[column] = False
            elif value == "":
                flags[column] = default
            else:
                err(column, YES_NO_INVALID)

        if row_errors:
            errors.extend(row_errors)
            continue
        rows.append(
            RosterRow(
                row=line,
                employee_number=number,
                name=cells[COL_NAME],
                unit_code=cells[COL_UNIT_CODE],
                rank=cells.get(COL_RANK) or None,
                email=email or None,
                phone=phone or None,
                national_id=national_id or None,
                is_leading_cadre=flags[COL_LEADING_CADRE],
                is_enforcement_officer=flags[COL_ENFORCEMENT],
                is_active=bool(flags[COL_ACTIVE]),
            )
        )
    if not rows and not errors:
        errors.append(RosterError(None, "", str(FILE_EMPTY)))
    return rows, errors


def check_against_database(
    rows: list[RosterRow], *, allowed_units=None
) -> tuple[dict[str, User], list[RosterError]]:
    """Units must exist (and lie in scope); e-mails must not belong to someone else.

    ``allowed_units`` is a queryset of the units the actor may import into, or None for all.
    Returns the existing people by employee number. A fixed number of queries per 500 rows
    (the lookups are batched: ``cms.db.filter_in``).
    """
    errors: list[RosterError] = []
    if not rows:
        return {}, errors
    codes = {r.unit_code for r in rows}
    units = {u.code: u for u in filter_in(OrgUnit.objects.all(), "code__in", codes)}
    allowed_ids = None
    if allowed_units is not None:
        allowed_ids = set(filter_in(allowed_units.values_list("pk", flat=True), "code__in", codes))
    numbers = [r.employee_number for r in rows]
    existing = {
        p.employee_number: p
        for p in filter_in(User.objects.select_related("org_unit"), "employee_number__in", numbers)
    }
    allowed_existing_units = None
    if allowed_units is not None:
        unit_ids = {p.org_unit_id for p in existing.values() if p.org_unit_id}
        allowed_existing_units = set(
            filter_in(allowed_units.values_list("pk", flat=True), "pk__in", unit_ids)
        )
    emails = [r.email.lower() for r in rows if r.email]
    email_owners: dict[str, str] = {}
    owners = User.objects.annotate(email_lower=Lower("email")).values_list(
        "employee_number", "email"
    )
    for owner_number, owner_email in filter_in(owners, "email_lower__in", emails):
        email_owners[owner_email.lower()] = owner_number
    file_numbers = set(numbers)

    for r in rows:
        unit = units.get(r.unit_code)
        if unit is None:
            errors.append(
                RosterError(r.row, COL_UNIT_CODE, str(UNKNOWN_UNIT % {"code": r.unit_code}))
            )
        elif allowed_ids is not None and unit.pk not in allowed_ids:
            errors.append(
                RosterError(r.row, COL_UNIT_CODE, str(UNIT_OUT_OF_SCOPE % {"code": r.unit_code}))
            )
        r.org_unit = unit
        person = existing.get(r.employee_number)
        if (
            person is not None
            and allowed_existing_units is not None
            and person.org_unit_id not in allowed_existing_units
        ):
            errors.append(RosterError(r.row, COL_EMPLOYEE_NUMBER, str(PERSON_OUT_OF_SCOPE)))
        if r.email:
            owner = email_owners.get(r.email.lower())
            # Another person's address, unless that person is in the file too (and so
            # gets a different address from it: a duplicate in the file is caught above).
            if owner is not None and owner != r.employee_number and owner not in file_numbers:
                errors.append(RosterError(r.row, COL_EMAIL, str(EMAIL_TAKEN)))
    return existing, errors


# --- the template file --------------------------------------------------------------------
def roster_template_xlsx() -> bytes:
    """The blank roster to fill in, with a "说明" sheet documenting each column."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "花名册"
    sheet.append(COLUMNS)
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    for cell in sheet[1]:
        cell.font = bold
        cell.fill = fill
    sheet.freeze_panes = "A2"
    for index, (_column, _req, _doc, _example, width) in enumerate(COLUMN_DOCS, start=1):
        sheet.column_dimensions[sheet.cell(1, index).column_letter].width = width
        # Keep long numbers (ID, phone, employee number) as text so Excel does not mangle them.
        for row in range(2, 1002):
            sheet.cell(row, index).number_format = "@"

    notes = workbook.create_sheet("说明")
    notes.append([str(_("示例（请在“花名册”工作表中填写，本工作表不会被导入）"))])
    notes["A1"].font = bold
    notes.append(COLUMNS)
    notes.append([example for _c, _r, _d, example, _w in COLUMN_DOCS])
    notes.append([])
    notes.append([str(_("列名")), str(_("是否必填")), str(_("填写说明"))])
    for cell in notes[5]:
        cell.font = bold
        cell.fill = fill
    for column, required, doc, _example, _width in COLUMN_DOCS:
        notes.append([column, YES if required else NO, str(doc)])
    for cell in notes[2]:
        cell.font = bold
    for index, (_c, _r, _d, _e, width) in enumerate(COLUMN_DOCS, start=1):
        notes.column_dimensions[notes.cell(1, index).column_letter].width = max(width, 12)
    notes.column_dimensions["C"].width = 60
    for row in notes.iter_rows(min_row=6):
        row[2].alignment = Alignment(wrap_text=True, vertical="top")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
