"""Roster import: every row is checked first; nothing is written unless all pass."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook
from wagtail.models import ModelLogEntry

from cms.people import roster
from cms.people.models import User
from cms.people.services import role_assign, roster_import
from tests.cms.people.roster_files import roster_row, write_roster
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

VALID_ID = "11010519491231002X"


def run(path, **kwargs):
    with open(path, "rb") as fh:
        return roster_import(file=fh, filename=path.name, **kwargs)


def messages(result) -> list[str]:
    return [str(e) for e in result.errors]


def test_valid_xlsx_creates_people_with_unusable_passwords(tree, tmp_path):
    path = write_roster(
        tmp_path / "r.xlsx",
        [
            roster_row(
                "XH001",
                "张三",
                "330106-SFJ",
                职级="一级科员",
                电子邮箱="zhangsan@example.gov.cn",
                手机号码="13800000001",
                身份证号=VALID_ID,
                领导干部="是",
                行政执法人员="否",
            ),
            roster_row("XH002", "李四", "330106-SCJGJ", 行政执法人员="是"),
        ],
    )
    result = run(path)
    assert result.ok, messages(result)
    assert (result.created, result.updated, result.unchanged) == (2, 0, 0)
    zhang = User.objects.get(employee_number="XH001")
    assert zhang.name == "张三"
    assert zhang.org_unit.code == "330106-SFJ"
    assert zhang.national_id == VALID_ID
    assert zhang.is_leading_cadre and not zhang.is_enforcement_officer
    assert not zhang.has_usable_password()
    assert User.objects.get(employee_number="XH002").is_enforcement_officer
    entries = ModelLogEntry.objects.filter(action="people.roster_import")
    assert entries.count() == 2  # one per unit named in the file
    assert entries.first().data["filename"] == "r.xlsx"
    assert entries.first().data["created"] == 2


@pytest.mark.postgres
def test_bad_row_writes_nothing_and_names_row_and_column(tree, tmp_path):
    path = write_roster(
        tmp_path / "r.xlsx",
        [
            roster_row("XH001", "张三", "330106-SFJ"),
            roster_row("XH002", "李四", "330106-SFJ", 电子邮箱="not-an-email"),
            roster_row("XH003", "王五", "NOPE"),
            roster_row("XH004", "赵六", "330106-SFJ", 身份证号="110105194912310021"),
            roster_row("XH005", "钱七", "330106-SFJ", 领导干部="Y"),
        ],
    )
    result = run(path)
    assert not result.ok
    assert User.objects.count() == 0
    located = {(e.row, e.column, e.message) for e in result.errors}
    assert (3, "电子邮箱", str(roster.EMAIL_INVALID)) in located
    assert (4, "单位代码", str(roster.UNKNOWN_UNIT % {"code": "NOPE"})) in located
    assert (5, "身份证号", str(roster.NATIONAL_ID_CHECK_DIGIT)) in located
    assert (6, "领导干部", str(roster.YES_NO_INVALID)) in located
    assert "第 3 行，电子邮箱：电子邮箱格式不正确。" in messages(result)


def test_required_cells_and_employee_number_format(tree, tmp_path):
    path = write_roster(
        tmp_path / "r.xlsx",
        [roster_row("XH 001", "张三", "330106-SFJ"), roster_row("XH002", "", "330106-SFJ")],
    )
    result = run(path)
    located = {(e.row, e.column, e.message) for e in result.errors}
    assert (2, "工号", str(roster.EMPLOYEE_NUMBER_INVALID)) in located
    assert (3, "姓名", str(roster.CELL_REQUIRED)) in located


def test_duplicates_within_file_and_email_of_another_person(tree, tmp_path):
    UserFactory(employee_number="OLD1", email="taken@example.gov.cn", org_unit=tree.city)
    path = write_roster(
        tmp_path / "r.xlsx",
        [
            roster_row("XH001", "张三", "330106-SFJ", 电子邮箱="a@example.gov.cn"),
            roster_row("XH001", "张三", "330106-SFJ"),
            roster_row("XH003", "王五", "330106-SFJ", 电子邮箱="A@example.gov.cn"),
            roster_row("XH004", "赵六", "330106-SFJ", 电子邮箱="taken@example.gov.cn"),
        ],
    )
    result = run(path)
    located = {(e.row, e.column, e.message) for e in result.errors}
    assert (3, "工号", str(roster.DUPLICATE_EMPLOYEE_NUMBER % {"row": 2})) in located
    assert (4, "电子邮箱", str(roster.DUPLICATE_EMAIL % {"row": 2})) in located
    assert (5, "电子邮箱", str(roster.EMAIL_TAKEN)) in located
    assert User.objects.count() == 1


def test_missing_required_column(tree, tmp_path):
    columns = [c for c in roster.COLUMNS if c != "单位代码"]
    path = write_roster(tmp_path / "r.xlsx", [roster_row("XH001", "张三", "")], columns=columns)
    result = run(path)
    assert [(e.row, e.column, e.message) for e in result.errors] == [
        (None, "单位代码", str(roster.COLUMN_MISSING))
    ]
    assert "表头，单位代码：缺少必需的列。" in messages(result)
    assert User.objects.count() == 0


def test_truncated_xlsx_is_reported_not_raised(tree, tmp_path):
    path = write_roster(tmp_path / "r.xlsx", [roster_row("XH001", "张三", "330106-SFJ")])
    data = path.read_bytes()
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(data[: len(data) // 2])
    result = run(broken)
    assert messages(result) == [f"表头：{roster.FILE_CORRUPT}"]
    assert User.objects.count() == 0


def test_oversize_file_is_refused_before_parsing(tree, tmp_path, settings):
    settings.UPLOAD_MAX_BYTES = 512 * 1024
    path = tmp_path / "big.csv"
    path.write_text("工号,姓名,单位代码\n" + "XH001,张三,330106-SFJ\n" * 30_000, encoding="utf-8")
    assert path.stat().st_size > 512 * 1024
    result = run(path)
    assert [e.message for e in result.errors] == ["文件过大：不能超过 0.5 MB。"]
    assert User.objects.count() == 0


def test_unsupported_extension(tree, tmp_path):
    path = tmp_path / "r.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0 not really")
    result = run(path)
    assert [e.message for e in result.errors] == [str(roster.FILE_UNSUPPORTED)]


def test_csv_with_bom_and_without(tree, tmp_path):
    bom = write_roster(tmp_path / "bom.csv", [roster_row("XH001", "张三", "330106-SFJ")], bom=True)
    assert bom.read_bytes().startswith(b"\xef\xbb\xbf")
    result = run(bom)
    assert result.ok, messages(result)
    assert User.objects.get(employee_number="XH001").name == "张三"

    plain = tmp_path / "plain.csv"
    plain.write_text("工号,姓名,单位代码\nXH002,李四,330106-SFJ\n", encoding="utf-8")
    assert run(plain).created == 1


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-16"])
def test_csv_as_excel_writes_it_on_a_chinese_windows_is_read(tree, tmp_path, encoding):
    path = tmp_path / f"{encoding}.csv"
    path.write_bytes("工号,姓名,单位代码\nXH001,张三,330106-SFJ\n".encode(encoding))
    result = run(path)
    assert result.ok, messages(result)
    assert User.objects.get(employee_number="XH001").name == "张三"


def test_csv_in_no_known_encoding_gets_a_clear_message(tree, tmp_path):
    path = tmp_path / "odd.csv"
    path.write_bytes("工号,姓名,单位代码\n".encode("gbk") + b"\x81\x20\xff\xfe\n")
    assert [e.message for e in run(path).errors] == [str(roster.FILE_NOT_UTF8)]


def test_blank_lines_keep_spreadsheet_row_numbers(tree, tmp_path):
    path = tmp_path / "r.csv"
    path.write_text(
        "工号,姓名,单位代码\nXH001,张三,330106-SFJ\n,,\nXH003,,330106-SFJ\n", encoding="utf-8"
    )
    result = run(path)
    assert [(e.row, e.column) for e in result.errors] == [(4, "姓名")]


@pytest.mark.postgres
def test_reimport_updates_instead_of_duplicating(tree, tmp_path):
    first = write_roster(
        tmp_path / "a.xlsx",
        [roster_row("XH001", "张三", "330106-SFJ", 职级="一级科员", 电子邮箱="z@example.gov.cn")],
    )
    run(first)
    person = User.objects.get(employee_number="XH001")
    person.set_password("Chosen-By-Him-42")
    person.save()

    second = write_roster(
        tmp_path / "b.xlsx",
        [
            roster_row("XH001", "张三", "330102-SFJ", 职级="二级主任科员"),  # moved and promoted
            roster_row("XH002", "李四", "330102-SFJ"),
        ],
    )
    result = run(second)
    assert (result.created, result.updated, result.unchanged) == (1, 1, 0)
    assert result.to_update[0].fields == ["所在单位", "职级"]
    assert User.objects.filter(employee_number="XH001").count() == 1
    person.refresh_from_db()
    assert person.org_unit.code == "330102-SFJ"
    assert person.rank == "二级主任科员"
    assert person.email == "z@example.gov.cn"  # blank cell keeps the stored address
    assert person.check_password("Chosen-By-Him-42")

    again = run(second)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)


@pytest.mark.postgres
def test_email_may_move_between_people_in_one_file(tree, tmp_path):
    UserFactory(employee_number="XH001", email="a@example.gov.cn", org_unit=tree.city)
    UserFactory(employee_number="XH002", email="b@example.gov.cn", org_unit=tree.city)
    path = write_roster(
        tmp_path / "r.xlsx",
        [
            roster_row("XH001", "张三", "330100", 电子邮箱="b@example.gov.cn"),
            roster_row("XH002", "李四", "330100", 电子邮箱="a@example.gov.cn"),
        ],
    )
    result = run(path)
    assert result.ok, messages(result)
    assert User.objects.get(employee_number="XH001").email == "b@example.gov.cn"
    assert User.objects.get(employee_number="XH002").email == "a@example.gov.cn"


@pytest.mark.postgres
def test_inactive_column_and_deactivate_missing(tree, tmp_path):
    sfj = tree.departments_of(tree.districts[0])[0]
    other = tree.departments_of(tree.districts[1])[0]
    gone = UserFactory(employee_number="GONE1", org_unit=sfj)
    elsewhere = UserFactory(employee_number="KEEP1", org_unit=other)
    path = write_roster(
        tmp_path / "r.xlsx",
        [
            roster_row("XH001", "张三", sfj.code),
            roster_row("XH002", "李四", sfj.code, 在职="否"),
        ],
    )
    dry = run(path, deactivate_missing=True, dry_run=True)
    assert [c.employee_number for c in dry.to_deactivate] == ["GONE1"]
    assert User.objects.filter(employee_number__startswith="XH").count() == 0
    gone.refresh_from_db()
    assert gone.is_active

    result = run(path, deactivate_missing=True)
    assert (result.created, result.deactivated) == (2, 1)
    gone.refresh_from_db()
    elsewhere.refresh_from_db()
    assert not gone.is_active  # deactivated, still there
    assert elsewhere.is_active  # not in a unit the file covers
    assert not User.objects.get(employee_number="XH002").is_active


def test_without_deactivate_missing_absent_people_stay_active(tree, tmp_path):
    sfj = tree.departments_of(tree.districts[0])[0]
    stay = UserFactory(org_unit=sfj)
    run(write_roster(tmp_path / "r.xlsx", [roster_row("XH001", "张三", sfj.code)]))
    stay.refresh_from_db()
    assert stay.is_active


def test_dry_run_writes_nothing(tree, tmp_path):
    path = write_roster(tmp_path / "r.xlsx", [roster_row("XH001", "张三", "330106-SFJ")])
    result = run(path, dry_run=True)
    assert result.ok and result.created == 1
    assert [c.employee_number for c in result.to_create] == ["XH001"]
    assert not User.objects.filter(employee_number="XH001").exists()
    assert not ModelLogEntry.objects.filter(action="people.roster_import").exists()


def test_scoped_hr_cannot_import_into_another_district(tree, tmp_path):
    xihu, shangcheng = tree.districts
    hr = UserFactory(org_unit=xihu)
    role_assign(user=hr, role="hr", scope=xihu)
    outsider = UserFactory(employee_number="SC001", org_unit=tree.departments_of(shangcheng)[0])
    path = write_roster(
        tmp_path / "r.xlsx",
        [
            roster_row("XH001", "张三", "330106-SFJ"),
            roster_row("XH002", "李四", "330102-SFJ"),
            roster_row("SC001", "外区人员", "330106-SFJ"),
        ],
    )
    result = run(path, actor=hr)
    located = {(e.row, e.column, e.message) for e in result.errors}
    assert (3, "单位代码", str(roster.UNIT_OUT_OF_SCOPE % {"code": "330102-SFJ"})) in located
    assert (4, "工号", str(roster.PERSON_OUT_OF_SCOPE)) in located
    outsider.refresh_from_db()
    assert outsider.org_unit.code == "330102-SFJ"


# --- the template ----------------------------------------------------------------------------
def test_template_has_header_frozen_pane_and_documentation_sheet(tmp_path):
    path = tmp_path / "template.xlsx"
    path.write_bytes(roster.roster_template_xlsx())
    workbook = load_workbook(path)
    assert workbook.sheetnames == ["花名册", "说明"]
    sheet = workbook["花名册"]
    assert [c.value for c in sheet[1]] == roster.COLUMNS
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["G"].width >= 20  # the 18-digit ID fits
    notes = workbook["说明"]
    assert [c.value for c in notes[2]] == roster.COLUMNS
    example = [c.value for c in notes[3]]
    assert roster.national_id_error(example[6]) is None
    documented = [row[0].value for row in notes.iter_rows(min_row=6)]
    assert documented == roster.COLUMNS


@pytest.mark.django_db
def test_filled_template_imports(tree, tmp_path):
    """HR fills in the downloaded template itself; it must import as is."""
    path = tmp_path / "filled.xlsx"
    path.write_bytes(roster.roster_template_xlsx())
    workbook = load_workbook(path)
    workbook["花名册"].append(
        ["XH009", "孙九", "330106-SFJ", "", "", "13800000009", VALID_ID, "否", "是", "是"]
    )
    workbook.save(path)
    result = run(path)
    assert result.ok, messages(result)
    assert result.created == 1
    assert User.objects.get(employee_number="XH009").phone == "13800000009"


# --- the management command -----------------------------------------------------------------
def test_command_prints_counts(tree, tmp_path):
    path = write_roster(tmp_path / "r.xlsx", [roster_row("XH001", "张三", "330106-SFJ")])
    out = io.StringIO()
    call_command("import_roster", str(path), stdout=out)
    assert "新增 1" in out.getvalue()
    assert User.objects.filter(employee_number="XH001").exists()


def test_command_dry_run(tree, tmp_path):
    path = write_roster(tmp_path / "r.xlsx", [roster_row("XH001", "张三", "330106-SFJ")])
    out = io.StringIO()
    call_command("import_roster", str(path), "--dry-run", stdout=out)
    assert "试运行" in out.getvalue()
    assert not User.objects.filter(employee_number="XH001").exists()


def test_command_prints_each_error_and_fails(tree, tmp_path):
    path = write_roster(
        tmp_path / "r.xlsx",
        [roster_row("XH001", "", "330106-SFJ"), roster_row("XH002", "李四", "NOPE")],
    )
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_roster", str(path), stdout=out)
    lines = out.getvalue().splitlines()
    assert "第 2 行，姓名：必填，不能为空。" in lines
    assert "第 3 行，单位代码：系统中没有单位代码为“NOPE”的单位。" in lines
    assert User.objects.count() == 0
