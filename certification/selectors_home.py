"""Reads of the learner's home (我的) and of their own appraisal page.

Everything here is computed from current data when the page is opened: the study-hour
ledger, the exams and the credentials as they are now. An ``AppraisalRecord`` is a snapshot
HR computed (and may have locked) at some time, so the person's pages show the current
figures first and the stored record beside them, marked with when it was computed and
what differs. A fixed number of queries whatever the number of exams, attempts or lessons.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.utils import timezone

from cms.people.models import User
from exams import api as exams_api
from exams.data import ExamKind, PersonExam, PracticeSummary
from learning.data import CategoryProgress, YearSummary
from learning.selectors import category_progress, kind_rows, local_year, year_summary

from .models import (
    AppraisalRecord,
    Certificate,
    CredentialEvent,
    CredentialReview,
    CredentialStatus,
)
from .selectors import STATUS_LABELS, certificate_live_status, credential_live_status
from .services.appraisal import appraisal_values_for, changes_label

# --- exams -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HomeExam:
    """A session of the person's list with its kind's name in the reader's language."""

    exam: PersonExam
    kind_label: str


def home_exams(user: User, *, now: datetime.datetime) -> list[HomeExam]:
    return [
        HomeExam(exam, exams_api.exam_kind_label(exam.kind))
        for exam in exams_api.open_exams_of(user, now=now)
    ]


# --- credentials -------------------------------------------------------------------------------


@dataclass
class CredentialLine:
    """A credential as its holder's home shows it: the live status, the reason of a
    suspension or revocation, and, when the annual review suspended it, the make-up exam
    (an annual rotation exam passed after the review lifts the suspension)."""

    credential: object
    status: str
    label: str
    reason: str = ""
    make_up: bool = False
    make_up_exams: list[HomeExam] = field(default_factory=list)

    @property
    def suspended(self) -> bool:
        return self.status == CredentialStatus.SUSPENDED


def credential_lines(
    user: User, *, exams: list[HomeExam], on: datetime.date
) -> list[CredentialLine]:
    """The person's credentials (cancelled ones left out), in at most three queries."""
    credentials = list(
        user.credentials.exclude(status=CredentialStatus.CANCELLED)
        .select_related("authority")
        .order_by("-issued_on", "-pk")
    )
    troubled = [
        c.pk
        for c in credentials
        if c.status in (CredentialStatus.SUSPENDED, CredentialStatus.REVOKED)
    ]
    last_event: dict[int, CredentialEvent] = {}
    if troubled:
        for event in CredentialEvent.objects.filter(
            credential_id__in=troubled,
            action__in=[CredentialEvent.Action.SUSPEND, CredentialEvent.Action.REVOKE],
        ).order_by("at", "pk"):
            last_event[event.credential_id] = event
    review_ids = {
        (event.data or {}).get("review_id")
        for event in last_event.values()
        if event.action == CredentialEvent.Action.SUSPEND
    } - {None}
    open_reviews = (
        set(
            CredentialReview.objects.filter(pk__in=review_ids, made_up_at__isnull=True).values_list(
                "pk", flat=True
            )
        )
        if review_ids
        else set()
    )
    rotation = [
        e for e in exams if e.exam.kind == ExamKind.ANNUAL_ROTATION and e.exam.state != "done"
    ]
    lines = []
    for credential in credentials:
        status = credential_live_status(credential, on=on)
        line = CredentialLine(credential, status, str(STATUS_LABELS[status]))
        event = last_event.get(credential.pk)
        if event is not None and credential.status == status:
            line.reason = event.reason
            if status == CredentialStatus.SUSPENDED:
                line.make_up = (event.data or {}).get("review_id") in open_reviews
                line.make_up_exams = rotation if line.make_up else []
        lines.append(line)
    return lines


# --- appraisal ---------------------------------------------------------------------------------


@dataclass
class AppraisalView:
    """One year's appraisal as its person sees it: ``live`` is computed from current data
    now (an unsaved ``AppraisalRecord``, so the same template shows both); ``record`` is
    HR's stored snapshot, if any, with ``differences`` saying what it no longer matches."""

    year: int
    live: AppraisalRecord
    computed_at: datetime.datetime
    record: AppraisalRecord | None = None
    differences: str = ""


def appraisal_views(
    user: User,
    *,
    years: list[int],
    records: dict[int, AppraisalRecord],
    now: datetime.datetime,
) -> list[AppraisalView]:
    views = []
    for year in years:
        values = appraisal_values_for(year=year, person_ids=[user.pk], now=now)[user.pk]
        live = AppraisalRecord(person=user, year=year, **values)
        if user.org_unit_id == live.unit_id:
            live.unit = user.org_unit
        record = records.get(year)
        views.append(
            AppraisalView(
                year=year,
                live=live,
                computed_at=now,
                record=record,
                differences=changes_label(record, values) if record is not None else "",
            )
        )
    return views


def my_appraisal_views(user: User, *, now: datetime.datetime | None = None) -> list[AppraisalView]:
    """This year and every year with a stored record, newest first."""
    now = now or timezone.now()
    records = {
        r.year: r
        for r in AppraisalRecord.objects.filter(person=user).select_related("unit", "locked_by")
    }
    years = sorted(set(records) | {local_year(now)}, reverse=True)
    return appraisal_views(user, years=years, records=records, now=now)


# --- the home ----------------------------------------------------------------------------------


@dataclass
class CertificateLine:
    certificate: Certificate
    label: str


@dataclass
class LearnerHome:
    year: int
    now: datetime.datetime
    summary: YearSummary
    categories: list[CategoryProgress]
    kinds: list[tuple]
    exams: list[HomeExam]
    credentials: list[CredentialLine]
    certificates: list[CertificateLine]
    appraisal: AppraisalView
    practice: PracticeSummary

    @property
    def open_exams(self) -> list[HomeExam]:
        return [e for e in self.exams if e.exam.state == "open"]

    @property
    def done_exams(self) -> list[HomeExam]:
        return [e for e in self.exams if e.exam.state == "done"]

    @property
    def upcoming_exams(self) -> list[HomeExam]:
        return [e for e in self.exams if e.exam.state == "upcoming"]


def learner_home(user: User, *, now: datetime.datetime | None = None) -> LearnerHome:
    """What "我的" shows, all of it about ``user`` only and read from current data."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    year = local_year(now)
    summary = year_summary(user=user, year=year)
    exams = home_exams(user, now=now)
    certificates = [
        CertificateLine(c, str(STATUS_LABELS[certificate_live_status(c, on=today)]))
        for c in Certificate.objects.filter(holder=user).order_by("-issued_on", "-pk")
    ]
    record = AppraisalRecord.objects.filter(person=user, year=year).first()
    (appraisal,) = appraisal_views(
        user, years=[year], records={year: record} if record else {}, now=now
    )
    return LearnerHome(
        year=year,
        now=now,
        summary=summary,
        categories=category_progress(summary, user),
        kinds=kind_rows(summary),
        exams=exams,
        credentials=credential_lines(user, exams=exams, on=today),
        certificates=certificates,
        appraisal=appraisal,
        practice=exams_api.practice_summary(user.pk, year),
    )
