"""Importing a session's candidate list: every row checked first, re-import updates."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook
from wagtail.models import ModelLogEntry

from exams.models import Candidate
from exams.services import candidates_import
from exams.services.sessions import (
    CANDIDATE_COLUMNS,
    COL_EMPLOYEE_NUMBER,
    COL_EXTRA_ATTEMPTS,
    COL_EXTRA_MINUTES,
    ERR_INACTIVE_PERSON,
    ERR_OUT_OF_SCOPE,
)
from exams.session_views import url_name
from tests.exams.test_session_admin import make_exam_admin
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def xlsx(rows, headers=CANDIDATE_COLUMNS) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def district(org):
    return org.districts[0]


@pytest.fixture
def admin(district):
    return make_exam_admin(district)


@pytest.fixture
def people(org, district):
    unit = org.departments_of(district)[0]
    return [UserFactory(org_unit=unit, employee_number=f"XH{i:04d}") for i in range(1, 4)]


def errors_of(result):
    return [(e.row, e.column, e.message) for e in result.errors]


def test_a_bad_row_writes_nothing_and_is_named(open_session, admin, people):
    data = xlsx(
        [
            ["XH0001", 30, 1, "视力障碍"],
            ["XH0002", "三十", "", ""],
            ["XH0003", "", "-1", ""],
            ["XH9999", "", "", ""],
            ["XH0001", "", "", ""],
        ]
    )

    result = candidates_import(session=open_session, data=data, filename="名单.xlsx", actor=admin)

    assert not result.ok
    assert errors_of(result) == [
        (3, COL_EXTRA_MINUTES, "应为不小于 0 的整数，而不是“三十”。"),
        (4, COL_EXTRA_ATTEMPTS, "应为不小于 0 的整数，而不是“-1”。"),
        (5, COL_EMPLOYEE_NUMBER, "系统中没有工号为“XH9999”的人员。"),
        (6, COL_EMPLOYEE_NUMBER, "工号与第 2 行重复。"),
    ]
    assert str(result.errors[0]) == "第 3 行，延长时间（分钟）：应为不小于 0 的整数，而不是“三十”。"
    assert not Candidate.objects.exists()
    assert not ModelLogEntry.objects.filter(action="exams.candidates.import").exists()


def test_reimport_updates_instead_of_duplicating(open_session, admin, people):
    first = candidates_import(
        session=open_session,
        data=xlsx([["XH0001", 30, 1, "视力障碍"], ["XH0002", "", "", ""]]),
        filename="名单.xlsx",
        actor=admin,
    )
    assert (first.created, first.updated, first.unchanged) == (2, 0, 0)

    csv = "工号,延长时间（分钟）,增加次数,备注\nXH0001,45,0,改为45分钟\nXH0002,,,\nXH0003,,,\n"
    second = candidates_import(
        session=open_session, data=csv.encode("utf-8-sig"), filename="名单.csv", actor=admin
    )

    assert (second.created, second.updated, second.unchanged) == (1, 1, 1)
    assert Candidate.objects.filter(session=open_session).count() == 3
    candidate = Candidate.objects.get(session=open_session, user=people[0])
    assert (candidate.extra_minutes, candidate.extra_attempts, candidate.note) == (
        45,
        0,
        "改为45分钟",
    )
    assert (
        ModelLogEntry.objects.filter(
            action="exams.candidates.import", object_id=str(open_session.pk), user=admin
        ).count()
        == 2
    )


def test_dry_run_writes_nothing(open_session, admin, people):
    result = candidates_import(
        session=open_session,
        data=xlsx([["XH0001", 10, 0, ""]]),
        filename="名单.xlsx",
        actor=admin,
        dry_run=True,
    )
    assert result.ok and result.created == 1
    assert [r.action for r in result.rows] == ["create"]
    assert not Candidate.objects.exists()


def test_people_outside_scope_and_inactive_people_are_refused(open_session, admin, org, people):
    other_district = org.districts[1]
    outsider = UserFactory(org_unit=org.departments_of(other_district)[0], employee_number="SC01")
    people[1].is_active = False
    people[1].save()

    result = candidates_import(
        session=open_session,
        data=xlsx([["XH0001", "", "", ""], [outsider.employee_number, "", "", ""], ["XH0002"]]),
        filename="名单.xlsx",
        actor=admin,
    )

    assert errors_of(result) == [
        (3, COL_EMPLOYEE_NUMBER, str(ERR_OUT_OF_SCOPE)),
        (4, COL_EMPLOYEE_NUMBER, str(ERR_INACTIVE_PERSON)),
    ]
    assert not Candidate.objects.exists()


def test_missing_column_is_reported_on_the_header(open_session, admin):
    result = candidates_import(
        session=open_session,
        data=xlsx([["1"]], headers=["编号"]),
        filename="名单.xlsx",
        actor=admin,
    )
    assert errors_of(result) == [(None, COL_EMPLOYEE_NUMBER, "缺少必需的列。")]


# --- through the admin ----------------------------------------------------------------------


@pytest.fixture
def admin_session(open_session, district):
    open_session.eligible_unit = district
    open_session.save()
    return open_session


def test_import_page_imports_and_the_candidates_page_edits(client, admin, admin_session, people):
    client.force_login(admin)
    upload = SimpleUploadedFile("名单.xlsx", xlsx([["XH0001", 30, 1, "视力障碍"]]))

    url = reverse(url_name("candidates_import"), args=[admin_session.pk])
    response = client.post(url, {"file": upload})
    assert response.status_code == 200 and "将新增 1 人" in response.content.decode()
    assert not Candidate.objects.exists()  # checked, not written
    response = client.post(url, {"action": "confirm", "token": response.context["token"]})

    assert response.status_code == 302
    candidate = Candidate.objects.get(session=admin_session, user=people[0])
    page = client.get(reverse(url_name("candidates"), args=[admin_session.pk]))
    assert 'data-employee-number="XH0001"' in page.content.decode()

    response = client.post(
        reverse(url_name("candidates"), args=[admin_session.pk]),
        {
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "1",
            "form-MIN_NUM_FORMS": "0",
            "form-MAX_NUM_FORMS": "1000",
            "form-0-id": str(candidate.pk),
            "form-0-listed": "on",
            "form-0-extra_minutes": "60",
            "form-0-extra_attempts": "2",
            "form-0-note": "视力障碍",
        },
    )
    assert response.status_code == 302
    candidate.refresh_from_db()
    assert (candidate.extra_minutes, candidate.extra_attempts) == (60, 2)
    entry = ModelLogEntry.objects.get(action="exams.candidate.update")
    assert entry.data["before"]["extra_minutes"] == 30
    assert entry.data["after"]["extra_minutes"] == 60


def test_import_page_shows_errors_with_row_and_column(client, admin, admin_session, people):
    client.force_login(admin)
    upload = SimpleUploadedFile("名单.xlsx", xlsx([["XH0001", "-5", "", ""]]))

    response = client.post(
        reverse(url_name("candidates_import"), args=[admin_session.pk]), {"file": upload}
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "第 2 行" in html and "延长时间（分钟）" in html and "而不是“-5”" in html
    assert not Candidate.objects.exists()


def test_template_download_has_the_columns(client, admin):
    client.force_login(admin)
    response = client.get(reverse(url_name("candidates_template")))
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [c.value for c in sheet[1]] == CANDIDATE_COLUMNS
