"""Pre-appointment certificates, the appointment check, annual learning certificates."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.utils import timezone

from certification import selectors, services
from certification.exceptions import CertificationError
from certification.models import Certificate, CertificateKind
from exams import api as exams_api
from exams.models import ExamKind
from tests.factories import UserFactory

from .conftest import earn, exam_session, sat

pytestmark = pytest.mark.django_db


@pytest.fixture
def cadre(xihu_dept):
    return UserFactory(org_unit=xihu_dept, name="黄志强", is_leading_cadre=True)


def test_a_pass_issues_a_certificate_valid_three_years_once(cadre):
    attempt = sat(cadre, ExamKind.PRE_APPOINTMENT, passed=True, when=timezone.now())
    certificate = Certificate.objects.get(holder=cadre)
    assert certificate.kind == CertificateKind.PRE_APPOINTMENT and certificate.attempt == attempt
    day = timezone.localdate(attempt.finished_at)
    assert certificate.valid_until == day.replace(year=day.year + 3) - datetime.timedelta(days=1)
    assert certificate.number.startswith(f"RQ{day.year}")
    sitting = exams_api.sitting(attempt.pk)
    assert services.pre_appointment_certificate_issue(sitting=sitting) == certificate
    assert Certificate.objects.count() == 1


def test_appointment_check_without_any_exam(cadre):
    check = selectors.appointment_check(cadre)
    assert not check.may_appoint and check.reasons == (str(selectors.MSG_APPOINT_NONE),)


def test_appointment_check_after_one_failure_allows_a_resit(cadre):
    sat(cadre, ExamKind.PRE_APPOINTMENT, passed=False, when=timezone.now(), score="52.00")
    check = selectors.appointment_check(cadre)
    assert not check.may_appoint
    assert "可补考一次" in check.reasons[0] and "52.00" in check.reasons[0]


def test_second_failure_of_a_nomination_blocks(cadre):
    session = exam_session(ExamKind.PRE_APPOINTMENT, timezone.now().year, title="任前考试第四批")
    now = timezone.now()
    sat(cadre, "", session=session, passed=False, when=now - datetime.timedelta(days=2))
    sat(cadre, "", session=session, passed=False, blocking=True, when=now)
    check = selectors.appointment_check(cadre)
    assert not check.may_appoint
    assert check.reasons == (str(selectors.MSG_APPOINT_BLOCKED % {"session": "任前考试第四批"}),)


def test_a_pass_allows_appointment_with_the_validity(cadre):
    sat(cadre, ExamKind.PRE_APPOINTMENT, passed=True, when=timezone.now(), score="88.00")
    check = selectors.appointment_check(cadre)
    certificate = Certificate.objects.get(holder=cadre)
    assert check.may_appoint
    assert check.certificate_number == certificate.number
    assert check.valid_until == certificate.valid_until
    assert "88.00" in check.reasons[0] and certificate.valid_until.isoformat() in check.reasons[0]


def test_a_pass_older_than_three_years_no_longer_counts(cadre):
    sat(cadre, ExamKind.PRE_APPOINTMENT, passed=True, when=timezone.now())
    with time_machine.travel(timezone.now() + datetime.timedelta(days=3 * 366), tick=False):
        check = selectors.appointment_check(cadre)
    assert not check.may_appoint and "过期" in check.reasons[0]


def test_a_later_pass_supersedes_an_earlier_block(cadre):
    old = exam_session(ExamKind.PRE_APPOINTMENT, timezone.now().year, title="第一批")
    now = timezone.now()
    sat(cadre, "", session=old, passed=False, when=now - datetime.timedelta(days=60))
    sat(cadre, "", session=old, passed=False, blocking=True, when=now - datetime.timedelta(days=50))
    new = exam_session(ExamKind.PRE_APPOINTMENT, timezone.now().year, title="第二批")
    sat(cadre, "", session=new, passed=True, when=now)
    assert selectors.appointment_check(cadre).may_appoint


def test_learning_certificate_needs_hours_and_the_annual_law_exam(xihu_dept):
    person = UserFactory(org_unit=xihu_dept, name="李婷婷")
    year = timezone.localdate().year
    with pytest.raises(CertificationError) as caught:
        services.learning_certificate_issue(user=person, year=year)
    assert len(caught.value.reasons) == 2
    earn(person, 40, year=year, kind="offline")
    sat(person, ExamKind.ANNUAL_LAW, passed=True, when=timezone.now(), score="91.00")
    certificate = Certificate.objects.get(holder=person, kind=CertificateKind.ANNUAL_LEARNING)
    assert certificate.year == year and certificate.score == 91 and certificate.hours == 40
    assert services.learning_certificate_issue(user=person, year=year) == certificate


def test_passing_the_law_exam_without_hours_issues_nothing(xihu_dept):
    person = UserFactory(org_unit=xihu_dept)
    sat(person, ExamKind.ANNUAL_LAW, passed=True, when=timezone.now())
    assert not Certificate.objects.exists()


def test_voiding_the_score_revokes_its_certificate_and_the_appointment(
    cadre, django_capture_on_commit_callbacks
):
    from wagtail.models import ModelLogEntry

    from exams.services import attempt_void

    attempt = sat(cadre, ExamKind.PRE_APPOINTMENT, passed=True, when=timezone.now())
    certificate = Certificate.objects.get(holder=cadre)
    assert selectors.appointment_check(cadre).may_appoint
    admin = UserFactory(is_superuser=True, is_staff=True)
    with django_capture_on_commit_callbacks(execute=True):
        attempt_void(attempt_id=attempt.pk, actor=admin, reason="替考", legal_basis="考场规则第5条")
    certificate.refresh_from_db()
    assert certificate.status == "revoked"
    assert ModelLogEntry.objects.filter(
        object_id=str(certificate.pk), action="certification.certificate.revoke"
    ).exists()
    assert not selectors.appointment_check(cadre).may_appoint
