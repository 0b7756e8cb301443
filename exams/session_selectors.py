"""Reads for the exam administrator's back office: sessions, candidates and results in scope.

Scope, kept simple: a superuser sees everything. An exam administrator (``Role.EXAM_ADMIN``)
sees the sessions whose eligible unit lies within the units they administer, plus the sessions
they created themselves (so a session run only from a candidate list, without an eligible
unit, stays with its author). Inside a visible session they see, import and export only the
people of their own units: two administrators of different districts can share a city-wide
session and each sees their own district's candidates and results.

This module sits beside ``exams/selectors.py`` (the question bank's reads) rather than in it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.paginator import Page, Paginator
from django.db.models import (
    Case,
    Count,
    Exists,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    When,
)
from django.db.models import Value as V
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cms.people.models import Role, User
from cms.people.selectors import people_visible_to, units_visible_to

from .models import FINISHED_STATUSES, Attempt, AttemptStatus, Candidate, ExamSession


class SessionStatus:
    NOT_STARTED = _("未开始")
    OPEN = _("进行中")
    CLOSED = _("已结束")


def _is_superuser(user) -> bool:
    return bool(getattr(user, "is_superuser", False) and user.is_active)


def sessions_visible_to(user) -> QuerySet[ExamSession]:
    """Sessions an exam administrator may manage (see the module docstring)."""
    sessions = ExamSession.objects.all()
    if _is_superuser(user):
        return sessions
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return sessions.none()
    units = units_visible_to(user, role=Role.EXAM_ADMIN)
    return sessions.filter(Q(eligible_unit__in=units.values("pk")) | Q(created_by=user))


def sessions_for_listing(user) -> QuerySet[ExamSession]:
    """Visible sessions with their blueprint and counts of candidates and attempts."""
    return (
        sessions_visible_to(user)
        .select_related("blueprint", "eligible_unit")
        .annotate(
            candidate_count=Count("candidates", filter=Q(candidates__listed=True), distinct=True),
            attempt_count=Count("attempts", distinct=True),
        )
    )


def session_status(session: ExamSession, now: datetime | None = None):
    """未开始 / 进行中 / 已结束, by the server's clock."""
    now = now or timezone.now()
    if now < session.opens_at:
        return SessionStatus.NOT_STARTED
    if now < session.closes_at:
        return SessionStatus.OPEN
    return SessionStatus.CLOSED


def people_in_scope(user):
    """The people an exam administrator may list, import and see results of."""
    return people_visible_to(user, role=Role.EXAM_ADMIN)


def session_candidates(session: ExamSession, user) -> QuerySet[Candidate]:
    """Listed candidates and those with accommodations, limited to the user's people."""
    return (
        Candidate.objects.filter(session=session, user__in=people_in_scope(user).values("pk"))
        .filter(Q(listed=True) | Q(extra_minutes__gt=0) | Q(extra_attempts__gt=0))
        .select_related("user__org_unit")
        .order_by("user__org_unit__path", "user__employee_number")
    )


# --- Results -------------------------------------------------------------------------------


@dataclass
class ResultRow:
    attempt: Attempt
    employee_number: str
    name: str
    unit_name: str
    time_used: timedelta | None

    @property
    def minutes_used(self) -> int | None:
        if self.time_used is None:
            return None
        return int(self.time_used.total_seconds() // 60)


@dataclass
class SessionResults:
    rows: list[ResultRow]


def session_results(session: ExamSession, user) -> SessionResults:
    """Every attempt of the user's people at this session, in one query (with person and
    unit) besides the scope's. The per-unit figures are ``selectors_results.session_report``."""
    attempts = (
        Attempt.objects.filter(session=session, user__in=people_in_scope(user).values("pk"))
        .select_related("user__org_unit")
        .order_by("user__org_unit__path", "user__employee_number", "number")
    )
    rows: list[ResultRow] = []
    for attempt in attempts:
        person = attempt.user
        unit = person.org_unit
        time_used = attempt.finished_at - attempt.started_at if attempt.finished_at else None
        rows.append(
            ResultRow(
                attempt=attempt,
                employee_number=person.employee_number,
                name=person.name,
                unit_name=unit.name if unit else "",
                time_used=time_used,
            )
        )
    return SessionResults(rows=rows)


# --- The live monitor ----------------------------------------------------------------------

MONITOR_PAGE_SIZE = 50
# A page that has not been heard of (heartbeat or save) for this long is shown as offline.
MONITOR_OFFLINE_AFTER = timedelta(seconds=60)


class MonitorStatus:
    """A person's standing at a session, by their latest attempt (a running one first)."""

    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    FINISHED = "finished"
    VOIDED = "voided"

    LABELS = {
        NOT_STARTED: _("未开始"),
        IN_PROGRESS: _("作答中"),
        FINISHED: _("已交卷"),
        VOIDED: _("成绩作废"),
    }
    ATTEMPT_STATUSES = {
        IN_PROGRESS: [AttemptStatus.IN_PROGRESS],
        FINISHED: list(FINISHED_STATUSES),
        VOIDED: [AttemptStatus.VOIDED],
    }

    @classmethod
    def of(cls, attempt_status: str | None) -> str:
        for key, statuses in cls.ATTEMPT_STATUSES.items():
            if attempt_status in statuses:
                return key
        return cls.NOT_STARTED


@dataclass
class MonitorRow:
    person: User
    attempt: Attempt | None
    status: str
    answered: int = 0
    questions: int = 0
    last_save: datetime | None = None
    last_contact: datetime | None = None
    remaining_seconds: int | None = None
    offline: bool = False

    @property
    def status_label(self):
        return MonitorStatus.LABELS[self.status]

    @property
    def remaining(self) -> str:
        """H:MM:SS of the server's remaining time ("" when not running)."""
        if self.remaining_seconds is None:
            return ""
        hours, rest = divmod(self.remaining_seconds, 3600)
        return f"{hours}:{rest // 60:02d}:{rest % 60:02d}"

    @property
    def running(self) -> bool:
        return self.status == MonitorStatus.IN_PROGRESS


@dataclass
class SessionMonitor:
    counts: dict[str, int]
    rows: list[MonitorRow]
    page: Page
    status: str
    search: str
    now: datetime

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def _with_progress(attempts: QuerySet[Attempt]) -> QuerySet[Attempt]:
    """Attempts with their answered count, number of questions and last save (one query)."""
    return attempts.annotate(
        answered=Count("slots", filter=~Q(slots__selected=[])),
        questions=Count("slots"),
        last_save=Max("slots__saved_at"),
    )


def _monitor_row(person: User, attempt: Attempt | None, now: datetime) -> MonitorRow:
    row = MonitorRow(person=person, attempt=attempt, status=MonitorStatus.NOT_STARTED)
    if attempt is None:
        return row
    row.status = MonitorStatus.of(attempt.status)
    row.answered, row.questions = attempt.answered, attempt.questions
    row.last_save = attempt.last_save
    contacts = [t for t in (attempt.last_seen_at, attempt.last_save) if t is not None]
    row.last_contact = max(contacts) if contacts else None
    if row.running:
        row.remaining_seconds = max(0, int((attempt.deadline - now).total_seconds()))
        row.offline = row.last_contact is None or now - row.last_contact > MONITOR_OFFLINE_AFTER
    return row


def attempts_visible_to(user) -> QuerySet[Attempt]:
    """Attempts an exam administrator may act on: of sessions they manage, of their people
    (the scope ``exams.services.transitions.attempt_in_scope`` checks again when acting)."""
    return Attempt.objects.filter(
        session__in=sessions_visible_to(user).values("pk"),
        user__in=people_in_scope(user).values("pk"),
    ).select_related("session", "user__org_unit")


def attempt_monitor_row(attempt: Attempt, *, now: datetime | None = None) -> MonitorRow:
    """One attempt's line of the monitor (for the action pages): one query."""
    now = now or timezone.now()
    with_progress = _with_progress(Attempt.objects.filter(pk=attempt.pk)).get()
    with_progress.session, with_progress.user = attempt.session, attempt.user
    return _monitor_row(attempt.user, with_progress, now)


def _monitor_people(session: ExamSession, user) -> QuerySet[User]:
    """The people in the user's scope who are listed for the session or have sat it, each
    with their current attempt (a running one, else the latest) as two subquery columns."""
    attempts = Attempt.objects.filter(session=session, user=OuterRef("pk"))
    listed = Candidate.objects.filter(session=session, user=OuterRef("pk"), listed=True)
    current = attempts.order_by(
        Case(
            When(status=AttemptStatus.IN_PROGRESS, then=V(0)),
            default=V(1),
            output_field=IntegerField(),
        ),
        "-number",
    )
    return (
        people_in_scope(user)
        .filter(Exists(listed) | Exists(attempts))
        .annotate(
            monitor_attempt_id=Subquery(current.values("pk")[:1]),
            monitor_attempt_status=Subquery(current.values("status")[:1]),
        )
    )


def session_monitor(
    session: ExamSession,
    user,
    *,
    status: str = "",
    search: str = "",
    page: int | str = 1,
    now: datetime | None = None,
    per_page: int = MONITOR_PAGE_SIZE,
) -> SessionMonitor:
    """The exam-day view of a session: counts by standing and one page of people with their
    current attempt's progress, by the server's clock.

    A fixed number of queries whatever the number of candidates: the counts (one aggregate),
    the page's size and rows (Paginator), and one aggregate over the page's attempts for the
    answered count and the last save.
    """
    now = now or timezone.now()
    people = _monitor_people(session, user)
    counts = people.aggregate(
        **{
            MonitorStatus.NOT_STARTED: Count("pk", filter=Q(monitor_attempt_status__isnull=True)),
            **{
                key: Count("pk", filter=Q(monitor_attempt_status__in=statuses))
                for key, statuses in MonitorStatus.ATTEMPT_STATUSES.items()
            },
        }
    )
    if status == MonitorStatus.NOT_STARTED:
        people = people.filter(monitor_attempt_status__isnull=True)
    elif status in MonitorStatus.ATTEMPT_STATUSES:
        people = people.filter(monitor_attempt_status__in=MonitorStatus.ATTEMPT_STATUSES[status])
    else:
        status = ""
    search = (search or "").strip()
    if search:
        people = people.filter(Q(name__icontains=search) | Q(employee_number__icontains=search))
    people = people.select_related("org_unit").order_by("org_unit__path", "employee_number", "pk")
    page_obj = Paginator(people, per_page).get_page(page)
    persons = list(page_obj.object_list)
    ids = [p.monitor_attempt_id for p in persons if p.monitor_attempt_id]
    attempts = {}
    if ids:
        attempts = {a.pk: a for a in _with_progress(Attempt.objects.filter(pk__in=ids))}
    rows = [_monitor_row(p, attempts.get(p.monitor_attempt_id), now) for p in persons]
    return SessionMonitor(
        counts=counts, rows=rows, page=page_obj, status=status, search=search, now=now
    )
