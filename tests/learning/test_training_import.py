"""Offline training import: all rows checked first, errors by row, nothing twice."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from learning import training_sheet
from learning.models import StudyHourEntry, StudyKind
from learning.services import offline_training_import
from tests.factories import UserFactory, give_totp

pytestmark = pytest.mark.django_db

HEADER = ["工号", "姓名", "培训名称", "日期", "学时", "类别"]


def xlsx(rows: list[list]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture
def people(db):
    return [
        UserFactory(employee_number="E1001", name="张晓明"),
        UserFactory(employee_number="E1003", name="王海峰", is_enforcement_officer=True),
    ]


def good_rows() -> list[list]:
    import datetime

    return [
        ["E1001", "张晓明", "依法行政专题培训班", datetime.datetime(2026, 3, 12), 16, "线下培训"],
        ["E1003", "王海峰", "行政执法人员年度业务轮训", "2026-05-20", "32", "轮训"],
        ["E1003", "", "依法行政专题培训班", "2026/3/12", "12.5", "线下培训"],
    ]


def test_a_valid_file_is_written_and_importing_it_again_adds_nothing(tmp_path, people):
    path = tmp_path / "training.xlsx"
    path.write_bytes(xlsx(good_rows()))
    out = io.StringIO()
    call_command("import_training", str(path), stdout=out)
    assert "已导入 3 条" in out.getvalue()
    entries = {
        (e.user.employee_number, e.kind, e.hours, e.year) for e in StudyHourEntry.objects.all()
    }
    assert entries == {
        ("E1001", StudyKind.OFFLINE, Decimal("16.0"), 2026),
        ("E1003", StudyKind.ROTATION, Decimal("32.0"), 2026),
        ("E1003", StudyKind.OFFLINE, Decimal("12.5"), 2026),
    }
    out = io.StringIO()
    call_command("import_training", str(path), stdout=out)
    assert "已导入 0 条" in out.getvalue() and "3 条已存在" in out.getvalue()
    assert StudyHourEntry.objects.count() == 3


def test_one_bad_row_writes_nothing_and_names_the_row(tmp_path, people):
    rows = good_rows()
    rows.insert(1, ["E1001", "张晓明", "宪法宣讲", "2026-02-30", "abc", "自学"])  # row 3
    rows.append(["E9999", "", "宪法宣讲", "2026-02-01", "2", "线下培训"])  # row 6
    result = offline_training_import(file=io.BytesIO(xlsx(rows)), filename="t.xlsx")
    assert not result.ok
    messages = [str(e) for e in result.errors]
    assert messages == [
        f"第 3 行，日期：{training_sheet.DATE_INVALID}",
        f"第 3 行，学时：{training_sheet.HOURS_INVALID}",
        f"第 3 行，类别：{training_sheet.KIND_INVALID}",
        f"第 6 行，工号：{training_sheet.UNKNOWN_PERSON % {'number': 'E9999'}}",
    ]
    assert not StudyHourEntry.objects.exists()
    path = tmp_path / "bad.xlsx"
    path.write_bytes(xlsx(rows))
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_training", str(path), stderr=err)
    assert "第 3 行，日期" in err.getvalue()
    assert not StudyHourEntry.objects.exists()


def test_duplicate_rows_and_name_mismatch_are_errors(people):
    rows = good_rows() + [
        good_rows()[0],
        ["E1001", "李四", "宪法宣讲", "2026-02-01", "2", "线下培训"],
    ]
    result = offline_training_import(file=io.BytesIO(xlsx(rows)), filename="t.xlsx")
    assert [e.row for e in result.errors] == [5, 6]
    assert "与第 2 行重复" in result.errors[0].message
    assert not StudyHourEntry.objects.exists()


def test_csv_files_are_read_too(people):
    text = "工号,培训名称,日期,学时,类别\nE1001,宪法宣讲,2026-02-01,2,offline\n"
    result = offline_training_import(file=io.BytesIO(text.encode("utf-8-sig")), filename="t.csv")
    assert result.ok and result.created == 1


def test_admin_upload_preview_confirm_and_template(client, people):
    admin = UserFactory(is_superuser=True, is_staff=True)
    give_totp(admin)
    client.force_login(admin)
    url = reverse("learning_training_upload")
    template = client.get(reverse("learning_training_template"))
    assert load_workbook(io.BytesIO(template.content)).active[1][0].value == "工号"
    bad = good_rows() + [["E1001", "", "宪法宣讲", "2026-01-05", "0", "线下培训"]]
    response = client.post(url, {"file": _upload("bad.xlsx", xlsx(bad))})
    assert "发现 1 处错误" in response.content.decode()
    assert str(training_sheet.HOURS_INVALID) in response.content.decode()
    assert client.post(reverse("learning_training_confirm")).status_code == 302
    assert not StudyHourEntry.objects.exists()
    response = client.post(url, {"file": _upload("good.xlsx", xlsx(good_rows()))})
    assert "将新增 3 条学时记录" in response.content.decode()
    assert not StudyHourEntry.objects.exists()
    client.post(reverse("learning_training_confirm"), {"token": response.context["token"]})
    assert StudyHourEntry.objects.count() == 3
    listing = client.get(reverse("learning_entries:index"))
    assert listing.status_code == 200 and "行政执法人员年度业务轮训" in listing.content.decode()


def test_hr_may_import_only_people_in_their_scope(client, people):
    from cms.people.models import Role
    from cms.people.services import role_assign

    hr = UserFactory(is_staff=True)
    role_assign(user=hr, role=Role.HR, scope=hr.org_unit)
    result = offline_training_import(
        file=io.BytesIO(xlsx(good_rows())), filename="t.xlsx", actor=hr
    )
    assert {e.message for e in result.errors} == {str(training_sheet.PERSON_OUT_OF_SCOPE)}
    assert not StudyHourEntry.objects.exists()


def _upload(name: str, content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)
