"""Annual review: the matrix of cases, make-up exams, the dry run, renewals."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from certification import services
from certification.models import Credential, CredentialEvent, CredentialReview, CredentialStatus
from exams.models import ExamKind

from .conftest import at, earn, sat

pytestmark = pytest.mark.django_db

S = CredentialStatus
YEAR = timezone.localdate().year - 1  # the year under review: the credential exists then


@pytest.fixture
def old_credential(credential):
    """The fixture credential, dated back so that it was held through YEAR - 1."""
    issued = datetime.date(YEAR - 1, 3, 1)
    Credential.objects.filter(pk=credential.pk).update(
        issued_on=issued, valid_until=datetime.date(YEAR + 3, 2, 28)
    )
    credential.refresh_from_db()
    return credential


def _fail_previous_year(credential):
    """A failed, uncured review of YEAR - 1 (the credential stays as it is)."""
    CredentialReview.objects.create(
        credential=credential,
        year=YEAR - 1,
        outcome=CredentialReview.Outcome.FAILED,
        exam_passed=False,
        hours_earned=0,
        hours_required=60,
        reasons=["未通过考试"],
        consequence="suspend",
        reviewed_at=at(YEAR, 1, 10),
    )


@pytest.mark.parametrize("exam", [True, False], ids=["exam-passed", "exam-failed"])
@pytest.mark.parametrize("hours", [60, 20], ids=["hours-enough", "hours-short"])
@pytest.mark.parametrize("second_year", [False, True], ids=["first-year", "second-year"])
def test_review_matrix(old_credential, officer, exam, hours, second_year):
    sat(officer, ExamKind.ANNUAL_ROTATION, passed=exam, when=at(YEAR, 6, 10))
    earn(officer, hours, year=YEAR)
    if second_year:
        _fail_previous_year(old_credential)
    report = services.annual_review_run(year=YEAR)
    (outcome,) = report.outcomes
    old_credential.refresh_from_db()
    review = CredentialReview.objects.get(credential=old_credential, year=YEAR)
    if exam and hours >= 60:
        assert outcome.passed and review.outcome == "passed" and review.reasons == []
        assert old_credential.status == S.ACTIVE
        return
    assert review.outcome == "failed"
    assert any("轮训考试" in r for r in review.reasons) == (not exam)
    assert any("学时不足" in r for r in review.reasons) == (hours < 60)
    expected = S.REVOKED if second_year else S.SUSPENDED
    assert old_credential.status == expected
    event = old_credential.events.latest("pk")
    assert event.to_status == expected and event.actor is None
    assert event.reason.count("；") == len(review.reasons) - 1


def test_already_suspended_credential_that_fails_stays_suspended(old_credential, officer, legal):
    services.credential_suspend(credential=old_credential, actor=legal, reason="违法执法调查")
    report = services.annual_review_run(year=YEAR)
    assert report.outcomes[0].consequence == "keep_suspended"
    old_credential.refresh_from_db()
    assert old_credential.status == S.SUSPENDED


def test_make_up_exam_restores_the_suspension_automatically(old_credential, officer):
    earn(officer, 60, year=YEAR)
    with time_machine.travel(at(YEAR + 1, 1, 5), tick=False):
        services.annual_review_run(year=YEAR)
    old_credential.refresh_from_db()
    assert old_credential.status == S.SUSPENDED
    with time_machine.travel(at(YEAR + 1, 3, 1), tick=False):
        sat(officer, ExamKind.ANNUAL_ROTATION, passed=True, when=at(YEAR + 1, 3, 1))
    old_credential.refresh_from_db()
    assert old_credential.status == S.ACTIVE
    restore = old_credential.events.latest("pk")
    assert restore.action == CredentialEvent.Action.RESTORE and "补考合格" in restore.reason
    review = CredentialReview.objects.get(credential=old_credential, year=YEAR)
    assert review.made_up_at is not None and not review.counts_as_failed


def test_failed_make_up_or_manual_suspension_is_not_restored(old_credential, officer, legal):
    services.annual_review_run(year=YEAR)
    sat(officer, ExamKind.ANNUAL_ROTATION, passed=False, when=timezone.now())
    old_credential.refresh_from_db()
    assert old_credential.status == S.SUSPENDED
    # A disciplinary suspension is not lifted by an exam.
    services.credential_restore(credential=old_credential, actor=legal, reason="复核")
    services.credential_suspend(credential=old_credential, actor=legal, reason="违法执法")
    sat(officer, ExamKind.ANNUAL_ROTATION, passed=True, when=timezone.now())
    old_credential.refresh_from_db()
    assert old_credential.status == S.SUSPENDED


def test_a_cured_failure_does_not_count_toward_two_years_running(old_credential, officer):
    _fail_previous_year(old_credential)
    CredentialReview.objects.filter(year=YEAR - 1).update(made_up_at=timezone.now())
    services.annual_review_run(year=YEAR)
    old_credential.refresh_from_db()
    assert old_credential.status == S.SUSPENDED


def test_dry_run_writes_nothing_and_prints_outcomes_and_totals(old_credential, officer, capsys):
    counts = (
        CredentialReview.objects.count(),
        CredentialEvent.objects.count(),
        list(Credential.objects.values_list("status", flat=True)),
    )
    call_command("run_annual_review", "--year", str(YEAR), "--dry-run")
    out = capsys.readouterr().out
    assert old_credential.number in out and "张晓明" in out
    assert "不合格，暂扣" in out and "合计：年审 1，合格 0，不合格 1（暂扣 1" in out
    assert (
        CredentialReview.objects.count(),
        CredentialEvent.objects.count(),
        list(Credential.objects.values_list("status", flat=True)),
    ) == counts


def test_run_twice_reviews_once(old_credential, officer):
    services.annual_review_run(year=YEAR)
    report = services.annual_review_run(year=YEAR)
    assert report.outcomes[0].consequence == "skip"
    assert CredentialReview.objects.count() == 1
    assert old_credential.events.count() == 2  # issue, suspend


def test_renewal_list_holds_credentials_ending_within_60_days(old_credential, officer):
    today = timezone.localdate()
    Credential.objects.filter(pk=old_credential.pk).update(
        valid_until=today + datetime.timedelta(days=59)
    )
    assert list(services.renewal_due()) == [old_credential]
    Credential.objects.filter(pk=old_credential.pk).update(
        valid_until=today + datetime.timedelta(days=61)
    )
    assert list(services.renewal_due()) == []


def test_review_reads_in_fixed_queries(
    old_credential, xihu_dept, legal, django_assert_max_num_queries
):
    from tests.factories import UserFactory

    for i in range(5):
        person = UserFactory(org_unit=xihu_dept, is_enforcement_officer=True)
        sat(person, ExamKind.QUALIFICATION, passed=True, when=timezone.now())
        services.credential_issue(
            holder=person, authority=xihu_dept, domain="market", actor=legal, reason=f"发证{i}"
        )
    Credential.objects.update(issued_on=datetime.date(YEAR - 1, 3, 1))
    with django_assert_max_num_queries(6):
        outcomes = services.annual_review_outcomes(year=YEAR)
    assert len(outcomes) == 6
