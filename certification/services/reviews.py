"""The annual review (年审) of enforcement credentials, and the make-up exam that undoes it.

Year Y passes when the holder passed an annual rotation exam finished in Y (Asia/Shanghai)
and met the year's study-hour requirement (``learning.selectors.year_summaries``). A failure
suspends the credential; failing two years running revokes it. A failure that a make-up exam
cured (``made_up_at``) no longer counts toward "two years running".

The reads are done for all credentials at once in a fixed number of queries; each
credential's writes then run in a transaction of their own, so a long run that stops halfway
leaves every credential either reviewed or not, and running it again skips those reviewed.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.log_actions import log

from cms.people.models import User
from exams import api as exams_api
from exams.data import ExamKind, Sitting
from learning.selectors import year_summaries

from ..data import ReviewOutcome, ReviewReport
from ..exceptions import InvalidTransition
from ..models import Credential, CredentialEvent, CredentialReview, CredentialStatus
from .credentials import credential_restore, credential_revoke, credential_suspend

REASON_NO_EXAM = _("%(year)s年度未通过执法人员年度轮训考试")
REASON_HOURS = _("%(year)s年度学时不足：已修 %(earned)s 学时，应修 %(required)s 学时")
REASON_SUSPEND = _("%(year)s年度执法证年审不合格：%(reasons)s")
REASON_REVOKE = _("连续两年执法证年审不合格（%(previous)s、%(year)s年度）：%(reasons)s")
REASON_MADE_UP = _("年审不合格后补考合格（%(session)s，%(score)s分），自动恢复")

# The annual review's totals (ReviewReport.totals) as people read them.
TOTAL_LABELS = {
    "reviewed": _("年审"),
    "passed": _("合格"),
    "failed": _("不合格"),
    "suspended": _("暂扣"),
    "revoked": _("吊销"),
    "kept_suspended": _("维持暂扣"),
    "skipped": _("已年审跳过"),
    "renewal_due": _("待换证"),
}

CONSEQUENCE_LABELS = {
    "": _("合格"),
    "suspend": _("不合格，暂扣"),
    "revoke": _("连续两年不合格，吊销"),
    "keep_suspended": _("不合格，维持暂扣"),
    "skip": _("本年度已年审"),
}


def year_bounds(year: int) -> tuple[datetime.datetime, datetime.datetime]:
    """[1 Jan Y, 1 Jan Y+1) in the site's time zone, as aware datetimes."""
    tz = ZoneInfo(settings.TIME_ZONE)
    return (
        datetime.datetime(year, 1, 1, tzinfo=tz),
        datetime.datetime(year + 1, 1, 1, tzinfo=tz),
    )


def reviewable_credentials(*, year: int, people: QuerySet[User] | None = None):
    """Active or suspended credentials issued by the end of ``year`` (holders in ``people``)."""
    credentials = Credential.objects.filter(
        status__in=[CredentialStatus.ACTIVE, CredentialStatus.SUSPENDED],
        issued_on__lte=datetime.date(year, 12, 31),
    ).select_related("holder")
    if people is not None:
        credentials = credentials.filter(holder__in=people)
    return credentials.order_by("number")


def annual_review_outcomes(
    *, year: int, people: QuerySet[User] | None = None
) -> list[ReviewOutcome]:
    """The verdict for every reviewable credential, computed in five queries; writes nothing."""
    credentials = list(reviewable_credentials(year=year, people=people))
    if not credentials:
        return []
    holders = {c.holder_id: c.holder for c in credentials}
    summaries = year_summaries(people=list(holders.values()), year=year)
    since, until = year_bounds(year)
    exam_passers = exams_api.people_who_passed(
        user_ids=holders, kinds=[ExamKind.ANNUAL_ROTATION], since=since, until=until
    )
    ids = [c.pk for c in credentials]
    reviews = CredentialReview.objects.filter(credential_id__in=ids, year__in=[year - 1, year])
    done, previous_failed = set(), set()
    for review in reviews:
        if review.year == year:
            done.add(review.credential_id)
        elif review.counts_as_failed:
            previous_failed.add(review.credential_id)
    outcomes = []
    for credential in credentials:
        summary = summaries[credential.holder_id]
        exam_passed = credential.holder_id in exam_passers
        reasons = []
        if not exam_passed:
            reasons.append(str(REASON_NO_EXAM % {"year": year}))
        if not summary.is_met:
            reasons.append(
                str(
                    REASON_HOURS
                    % {"year": year, "earned": summary.counted, "required": summary.required}
                )
            )
        if credential.pk in done:
            consequence = "skip"
        elif not reasons:
            consequence = ""
        elif credential.pk in previous_failed:
            consequence = "revoke"
        elif credential.status == CredentialStatus.ACTIVE:
            consequence = "suspend"
        else:
            consequence = "keep_suspended"
        outcomes.append(
            ReviewOutcome(
                credential_id=credential.pk,
                number=credential.number,
                holder_name=credential.holder.name,
                year=year,
                exam_passed=exam_passed,
                hours_earned=summary.counted,
                hours_required=summary.required,
                reasons=tuple(reasons),
                consequence=consequence,
            )
        )
    return outcomes


def _review_write(outcome: ReviewOutcome, *, actor: User | None, now: datetime.datetime) -> None:
    with transaction.atomic():
        credential = Credential.objects.select_for_update().get(pk=outcome.credential_id)
        if CredentialReview.objects.filter(credential=credential, year=outcome.year).exists():
            return  # reviewed meanwhile by another run
        review = CredentialReview(
            credential=credential,
            year=outcome.year,
            outcome=CredentialReview.Outcome.PASSED
            if outcome.passed
            else CredentialReview.Outcome.FAILED,
            exam_passed=outcome.exam_passed,
            hours_earned=outcome.hours_earned,
            hours_required=outcome.hours_required,
            reasons=list(outcome.reasons),
            consequence=outcome.consequence,
            reviewed_at=now,
            reviewed_by=actor,
        )
        review.full_clean()
        review.save()
        log(
            instance=credential,
            action="certification.review." + ("passed" if outcome.passed else "failed"),
            user=actor,
            data={"year": outcome.year, "reasons": list(outcome.reasons)},
        )
        joined = "；".join(outcome.reasons)
        if outcome.consequence == "suspend":
            credential_suspend(
                credential=credential,
                actor=actor,
                reason=str(REASON_SUSPEND % {"year": outcome.year, "reasons": joined}),
                legal_basis=settings.CREDENTIAL_REVIEW_LEGAL_BASIS,
                now=now,
                review_id=review.pk,
            )
        elif outcome.consequence == "revoke":
            credential_revoke(
                credential=credential,
                actor=actor,
                reason=str(
                    REASON_REVOKE
                    % {"previous": outcome.year - 1, "year": outcome.year, "reasons": joined}
                ),
                legal_basis=settings.CREDENTIAL_REVIEW_LEGAL_BASIS,
                now=now,
                review_id=review.pk,
            )


def renewal_due(
    *, people: QuerySet[User] | None = None, on: datetime.date | None = None
) -> QuerySet[Credential]:
    """Active or suspended credentials whose validity ends within the renewal window."""
    on = on or timezone.localdate()
    end = on + datetime.timedelta(days=settings.CREDENTIAL_RENEWAL_WINDOW_DAYS)
    credentials = Credential.objects.filter(
        status__in=[CredentialStatus.ACTIVE, CredentialStatus.SUSPENDED],
        valid_until__gte=on,
        valid_until__lte=end,
    ).select_related("holder", "authority")
    if people is not None:
        credentials = credentials.filter(holder__in=people)
    return credentials.order_by("valid_until", "number")


def annual_review_run(
    *,
    year: int,
    dry_run: bool = False,
    actor: User | None = None,
    people: QuerySet[User] | None = None,
    now: datetime.datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ReviewReport:
    """Review every active or suspended credential (of ``people``) for ``year``.

    A dry run computes the same outcomes and writes nothing. Idempotent: a credential already
    reviewed for the year is skipped.
    """
    now = now or timezone.now()
    outcomes = annual_review_outcomes(year=year, people=people)
    report = ReviewReport(year=year, dry_run=dry_run, outcomes=outcomes)
    report.renewal_due = [
        (c.number, c.holder.name, c.valid_until)
        for c in renewal_due(people=people, on=timezone.localdate(now))
    ]
    total = len(outcomes)
    if progress:
        progress(0, total)
    if dry_run:
        return report
    for index, outcome in enumerate(outcomes, start=1):
        if outcome.consequence != "skip":
            _review_write(outcome, actor=actor, now=now)
        if progress and (index % 20 == 0 or index == total):
            progress(index, total)
    return report


def review_make_up(*, sitting: Sitting, now: datetime.datetime | None = None) -> list[Credential]:
    """A passed rotation exam after a failed review restores what that review suspended.

    Only suspensions made by the annual review are lifted (a disciplinary suspension stays),
    and only by an exam finished after the review. Returns the credentials restored.
    """
    if not sitting.passed or sitting.voided or sitting.session_kind != ExamKind.ANNUAL_ROTATION:
        return []
    now = now or timezone.now()
    restored = []
    suspended = Credential.objects.filter(
        holder_id=sitting.user_id, status=CredentialStatus.SUSPENDED
    )
    for credential in suspended:
        last = (
            credential.events.filter(action=CredentialEvent.Action.SUSPEND).order_by("-at", "-pk")
        ).first()
        review_id = (last.data or {}).get("review_id") if last else None
        if not review_id:
            continue
        review = CredentialReview.objects.filter(pk=review_id, made_up_at__isnull=True).first()
        if review is None or (sitting.finished_at and sitting.finished_at <= review.reviewed_at):
            continue
        with transaction.atomic():
            review.made_up_at = now
            review.save(update_fields=["made_up_at"])
            try:
                restored.append(
                    credential_restore(
                        credential=credential,
                        actor=None,
                        reason=str(
                            REASON_MADE_UP
                            % {"session": sitting.session_title, "score": sitting.score}
                        ),
                        legal_basis=settings.CREDENTIAL_REVIEW_LEGAL_BASIS,
                        now=now,
                        data={"attempt_id": sitting.attempt_id, "review_id": review.pk},
                    )
                )
            except InvalidTransition:
                transaction.set_rollback(True)
    return restored
