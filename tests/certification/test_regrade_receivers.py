"""Certification's side of a regrade: the dry run (``regrade_consequences``) lists what would
change and writes nothing; ``results_regraded`` issues or withdraws certificates, recomputes
credential reviews and appraisal records, and flags locked records for HR.

The exam side is played here: the attempts' new results are written as the exam engine's
regrade leaves them, then the signals are sent with ``Regrade``/``ResultChange`` objects."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from wagtail.models import ModelLogEntry

from certification import selectors
from certification.models import (
    AppraisalRating,
    AppraisalRecord,
    Certificate,
    CertificateStatus,
    Credential,
    CredentialEvent,
    CredentialReview,
    CredentialStatus,
)
from certification.selectors_hr import hr_people
from certification.services import annual_review_run
from certification.services.appraisal import appraisal_compute, appraisal_lock_year
from exams.data import Consequence, Regrade, ResultChange
from exams.models import Attempt, ExamKind
from exams.signals import regrade_consequences, results_regraded
from tests.factories import UserFactory

from .conftest import at, earn, sat
from .hr_data import YEAR as HR_YEAR
from .hr_data import small_city

pytestmark = pytest.mark.django_db

YEAR = timezone.localdate().year - 1
REASON = "第7题答案更正为B"


def _change(attempt: Attempt, score: str, passed: bool) -> ResultChange:
    return ResultChange(
        attempt_id=attempt.pk,
        user_id=attempt.user_id,
        session_id=attempt.session_id,
        session_kind=attempt.session.kind,
        finished_at=attempt.finished_at,
        old_score=attempt.score,
        new_score=Decimal(score),
        old_passed=attempt.passed,
        new_passed=passed,
    )


def _regrade(*changes: ResultChange, id: int | None = 41) -> Regrade:
    return Regrade(
        id=id, question_id=7, action="key", reason=REASON, actor_id=None, changes=changes
    )


def dry_run(*changes: ResultChange) -> list[Consequence]:
    """Send the dry-run signal; certification's answers only."""
    answers = regrade_consequences.send(sender=Attempt, regrade=_regrade(*changes, id=None))
    return [
        c
        for receiver, result in answers
        if receiver.__module__.startswith("certification")
        for c in result
    ]


def regrade(*attempts_and_results: tuple[Attempt, str, bool]) -> Regrade:
    """Write the new results as the exam engine does, then send ``results_regraded``."""
    changes = []
    for attempt, score, passed in attempts_and_results:
        changes.append(_change(attempt, score, passed))
        Attempt.objects.filter(pk=attempt.pk).update(score=Decimal(score), passed=passed)
    done = _regrade(*changes)
    results_regraded.send(sender=Attempt, regrade=done)
    return done


@pytest.fixture
def cadre(xihu_dept):
    return UserFactory(org_unit=xihu_dept, name="黄志强", is_leading_cadre=True)


# --- pre-appointment certificates ------------------------------------------------------------


def test_a_flip_to_pass_issues_the_certificate(cadre):
    attempt = sat(cadre, ExamKind.PRE_APPOINTMENT, passed=False, when=at(YEAR, 5, 6), score="58.00")
    assert not Certificate.objects.filter(holder=cadre).exists()
    (planned,) = dry_run(_change(attempt, "62.00", True))
    assert planned.kind == "certificate" and planned.person_id == cadre.pk
    assert "黄志强" in planned.summary and not planned.blocked
    regrade((attempt, "62.00", True))
    certificate = Certificate.objects.get(holder=cadre)
    assert certificate.attempt_id == attempt.pk and certificate.status == CertificateStatus.VALID
    assert certificate.score == Decimal("62.00")
    entry = ModelLogEntry.objects.for_instance(certificate).get(
        action="certification.certificate.issue"
    )
    assert REASON in entry.data["reason"]
    # sending the same regrade again changes nothing (idempotent)
    results_regraded.send(sender=Attempt, regrade=_regrade(_change(attempt, "62.00", True)))
    assert Certificate.objects.filter(holder=cadre).count() == 1


def test_a_flip_to_fail_withdraws_the_certificate_and_it_verifies_as_withdrawn(client, cadre):
    attempt = sat(cadre, ExamKind.PRE_APPOINTMENT, passed=True, when=at(YEAR, 5, 6), score="61.00")
    certificate = Certificate.objects.get(attempt_id=attempt.pk)
    assert selectors.appointment_check(cadre).may_appoint
    regrade((attempt, "59.00", False))
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.WITHDRAWN
    assert REASON in certificate.status_reason
    entry = ModelLogEntry.objects.for_instance(certificate).get(
        action="certification.certificate.withdraw"
    )
    assert entry.data["before"] == "valid" and entry.data["after"] == "withdrawn"
    # the public page says "withdrawn" with the reason (and still no personal data)
    page = client.get(reverse("verify:code", kwargs={"code": certificate.verification_code}))
    html = page.content.decode()
    assert 'data-status="withdrawn"' in html and "已撤回" in html
    assert REASON in html and "黄志强" not in html
    answer = selectors.verification_by_code(certificate.verification_code).as_json()
    assert answer["status"] == "withdrawn" and REASON in answer["status_reason"]
    assert not selectors.appointment_check(cadre).may_appoint
    # a later regrade that makes it pass again reinstates the same certificate
    attempt.refresh_from_db()
    regrade((attempt, "60.50", True))
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.VALID and certificate.status_reason == ""
    assert certificate.score == Decimal("60.50")
    assert Certificate.objects.filter(holder=cadre).count() == 1


# --- credential reviews ----------------------------------------------------------------------


@pytest.fixture
def old_credential(credential):
    Credential.objects.filter(pk=credential.pk).update(
        issued_on=datetime.date(YEAR - 1, 3, 1), valid_until=datetime.date(YEAR + 3, 2, 28)
    )
    credential.refresh_from_db()
    return credential


def test_review_failed_for_the_exam_is_passed_and_the_credential_restored(old_credential, officer):
    attempt = sat(officer, ExamKind.ANNUAL_ROTATION, passed=False, when=at(YEAR, 6, 10))
    earn(officer, 60, year=YEAR)
    annual_review_run(year=YEAR, now=at(YEAR + 1, 1, 5))
    old_credential.refresh_from_db()
    assert old_credential.status == CredentialStatus.SUSPENDED
    (planned,) = dry_run(_change(attempt, "64.00", True))
    assert planned.kind == "credential_review" and "恢复执法证" in planned.summary
    regrade((attempt, "64.00", True))
    review = CredentialReview.objects.get(credential=old_credential, year=YEAR)
    assert review.outcome == CredentialReview.Outcome.PASSED and review.exam_passed
    assert review.reasons == []
    old_credential.refresh_from_db()
    assert old_credential.status == CredentialStatus.ACTIVE
    restore = old_credential.events.get(action=CredentialEvent.Action.RESTORE)
    assert REASON in restore.reason and restore.actor is None
    assert (
        ModelLogEntry.objects.for_instance(old_credential)
        .filter(action="certification.review.regraded", data__before__outcome="failed")
        .exists()
    )


def test_review_passed_on_an_attempt_that_now_fails_suspends(old_credential, officer):
    attempt = sat(officer, ExamKind.ANNUAL_ROTATION, passed=True, when=at(YEAR, 6, 10))
    earn(officer, 60, year=YEAR)
    annual_review_run(year=YEAR, now=at(YEAR + 1, 1, 5))
    old_credential.refresh_from_db()
    assert old_credential.status == CredentialStatus.ACTIVE
    regrade((attempt, "57.00", False))
    review = CredentialReview.objects.get(credential=old_credential, year=YEAR)
    assert review.outcome == CredentialReview.Outcome.FAILED and not review.exam_passed
    assert review.consequence == "suspend"
    assert review.reasons == [f"{YEAR}年度未通过执法人员年度轮训考试"]
    old_credential.refresh_from_db()
    assert old_credential.status == CredentialStatus.SUSPENDED
    suspension = old_credential.events.get(action=CredentialEvent.Action.SUSPEND)
    assert REASON in suspension.reason and suspension.data["review_id"] == review.pk
    # a make-up exam passed later lifts it as it lifts any review suspension
    sat(officer, ExamKind.ANNUAL_ROTATION, passed=True, when=timezone.now())
    old_credential.refresh_from_db()
    assert old_credential.status == CredentialStatus.ACTIVE


# --- appraisal records -----------------------------------------------------------------------


def _annual_attempt(person) -> Attempt:
    return Attempt.objects.select_related("session").get(
        user=person, session__kind=ExamKind.ANNUAL_LAW
    )


def test_an_appraisal_record_is_recomputed():
    city = small_city()
    person = city.people["甲"]  # 40 h, annual exam 90 -> 合格
    appraisal_compute(year=HR_YEAR, people=hr_people(city.hr_a))
    record = AppraisalRecord.objects.get(person=person, year=HR_YEAR)
    assert record.rating == AppraisalRating.PASSED
    attempt = _annual_attempt(person)
    (planned,) = dry_run(_change(attempt, "55.00", False))
    assert planned.kind == "appraisal" and planned.object_id == record.pk and not planned.blocked
    regrade((attempt, "55.00", False))
    record.refresh_from_db()
    assert record.exam_score == Decimal("55.00") and record.exam_passed is False
    assert record.exam_band == "不合格" and record.rating == AppraisalRating.FAILED
    entry = ModelLogEntry.objects.for_instance(record).get(
        action="certification.appraisal.recompute"
    )
    assert entry.data["changes"]["rating"] == ["passed", "failed"]
    assert REASON in entry.data["reason"]
    # nobody else's record moved
    other = AppraisalRecord.objects.get(person=city.people["丁"], year=HR_YEAR)
    assert not ModelLogEntry.objects.for_instance(other).exists()


def test_a_locked_record_is_flagged_not_changed_and_the_unlock_applies_it(client):
    city = small_city()
    person = city.people["甲"]
    appraisal_compute(year=HR_YEAR, people=hr_people(city.hr_a))
    appraisal_lock_year(year=HR_YEAR, actor=city.hr_a)
    record = AppraisalRecord.objects.get(person=person, year=HR_YEAR)
    attempt = _annual_attempt(person)
    (planned,) = dry_run(_change(attempt, "55.00", False))
    assert planned.kind == "appraisal" and planned.blocked
    regrade((attempt, "55.00", False))
    record.refresh_from_db()
    assert record.locked and record.rating == AppraisalRating.PASSED
    assert record.exam_score == Decimal("90.00")
    assert record.recompute_pending and REASON in record.recompute_reason
    assert "90.00 → 55.00" in record.recompute_reason
    assert (
        ModelLogEntry.objects.for_instance(record)
        .filter(action="certification.appraisal.flag")
        .exists()
    )
    # HR sees the flag on the year's list and on the record
    client.force_login(city.hr_a)
    listing = client.get(reverse("hr:appraisal", args=[HR_YEAR])).content.decode()
    assert "data-recompute-pending" in listing
    url = reverse("hr:record", args=[record.pk])
    page = client.get(url).content.decode()
    assert "data-recompute-pending" in page and REASON in page
    # another district's HR may not unlock it
    client.force_login(city.hr_b)
    assert client.post(url, {"action": "unlock", "reason": "x"}).status_code == 404
    record.refresh_from_db()
    assert record.locked and record.rating == AppraisalRating.PASSED
    # the audited unlock applies the waiting change
    client.force_login(city.hr_a)
    client.post(url, {"action": "unlock", "reason": "试题答案更正，按新成绩重算"})
    record.refresh_from_db()
    assert not record.locked and not record.recompute_pending
    assert record.exam_score == Decimal("55.00") and record.rating == AppraisalRating.FAILED
    actions = list(
        ModelLogEntry.objects.for_instance(record)
        .order_by("timestamp", "pk")
        .values_list("action", flat=True)
    )
    assert actions[-2:] == ["certification.appraisal.unlock", "certification.appraisal.recompute"]


# --- the dry run ---------------------------------------------------------------------------


def _snapshot():
    return {
        "certificates": list(Certificate.objects.values_list("pk", "status", "score")),
        "reviews": list(CredentialReview.objects.values_list("pk", "outcome", "exam_passed")),
        "credentials": list(Credential.objects.values_list("pk", "status")),
        "events": CredentialEvent.objects.count(),
        "records": list(
            AppraisalRecord.objects.values_list("pk", "rating", "exam_score", "recompute_pending")
        ),
        "log": ModelLogEntry.objects.count(),
    }


def test_the_dry_run_lists_every_consequence_and_writes_nothing(
    old_credential, officer, cadre, django_assert_max_num_queries
):
    pre = sat(cadre, ExamKind.PRE_APPOINTMENT, passed=True, when=at(YEAR, 5, 6), score="61.00")
    rotation = sat(officer, ExamKind.ANNUAL_ROTATION, passed=True, when=at(YEAR, 6, 10))
    law = sat(officer, ExamKind.ANNUAL_LAW, passed=True, when=at(YEAR, 7, 1), score="66.00")
    earn(officer, 60, year=YEAR)
    annual_review_run(year=YEAR, now=at(YEAR + 1, 1, 5))
    appraisal_compute(year=YEAR, people=type(officer).objects.filter(pk=officer.pk))
    AppraisalRecord.objects.filter(person=officer).update(locked=True, locked_at=timezone.now())
    changes = (
        _change(pre, "58.00", False),
        _change(rotation, "50.00", False),
        _change(law, "59.00", False),
    )
    before = _snapshot()
    with django_assert_max_num_queries(30):
        planned = dry_run(*changes)
    assert _snapshot() == before
    kinds = sorted((c.kind, c.person_id, c.blocked) for c in planned)
    assert ("certificate", cadre.pk, False) in kinds  # the pre-appointment one withdrawn
    assert ("credential_review", officer.pk, False) in kinds
    assert ("appraisal", officer.pk, True) in kinds  # locked: flagged, not changed
    summaries = "\n".join(c.summary for c in planned)
    assert "撤回证书" in summaries and "年审改为不合格" in summaries


def test_the_dry_run_reads_in_a_fixed_number_of_queries():
    """Batch reads: four people's changed results cost the same queries as one's."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    city = small_city()
    appraisal_compute(year=HR_YEAR, people=hr_people(city.hr_a))
    appraisal_compute(year=HR_YEAR, people=hr_people(city.hr_b))
    attempts = [_annual_attempt(city.people[key]) for key in ("甲", "乙", "丁", "戊")]
    with CaptureQueriesContext(connection) as one:
        assert len(dry_run(_change(attempts[0], "55.00", False))) == 1
    with CaptureQueriesContext(connection) as four:
        assert len(dry_run(*[_change(a, "55.00", False) for a in attempts])) == 4
    assert len(four) == len(one)


def test_a_make_up_exam_that_now_fails_suspends_again_and_one_that_now_passes_restores(
    old_credential, officer
):
    sat(officer, ExamKind.ANNUAL_ROTATION, passed=False, when=at(YEAR, 6, 10))
    earn(officer, 60, year=YEAR)
    annual_review_run(year=YEAR, now=at(YEAR + 1, 1, 5))
    make_up = sat(officer, ExamKind.ANNUAL_ROTATION, passed=True, when=timezone.now())
    old_credential.refresh_from_db()
    review = CredentialReview.objects.get(credential=old_credential, year=YEAR)
    assert old_credential.status == CredentialStatus.ACTIVE and review.made_up_at is not None
    # the make-up exam's result falls below the pass mark: the cure goes with it
    regrade((make_up, "55.00", False))
    review.refresh_from_db()
    old_credential.refresh_from_db()
    assert review.made_up_at is None and review.counts_as_failed
    assert old_credential.status == CredentialStatus.SUSPENDED
    again = old_credential.events.filter(action=CredentialEvent.Action.SUSPEND).last()
    assert REASON in again.reason and again.data["review_id"] == review.pk
    # and back: the regraded make-up exam passes again, which restores the credential
    make_up.refresh_from_db()
    (planned,) = dry_run(_change(make_up, "61.00", True))
    assert "恢复执法证" in planned.summary
    regrade((make_up, "61.00", True))
    old_credential.refresh_from_db()
    review.refresh_from_db()
    assert old_credential.status == CredentialStatus.ACTIVE and review.made_up_at is not None


def test_the_learning_certificate_follows_the_annual_law_exam(client, xihu_dept):
    person = UserFactory(org_unit=xihu_dept, name="孙丽")
    earn(person, 40, year=YEAR, kind="online")
    attempt = sat(person, ExamKind.ANNUAL_LAW, passed=True, when=at(YEAR, 9, 1), score="60.00")
    certificate = Certificate.objects.get(holder=person, year=YEAR)
    regrade((attempt, "58.00", False))
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.WITHDRAWN and REASON in certificate.status_reason
    attempt.refresh_from_db()
    regrade((attempt, "60.00", True))
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.VALID
