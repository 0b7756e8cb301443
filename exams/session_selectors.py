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

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cms.people.models import Role
from cms.people.selectors import people_visible_to, units_visible_to

from .models import Attempt, AttemptStatus, Candidate, ExamSession


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
class UnitSummary:
    """Counted per person: attempted = finished at least once, passed = passed at least once,
    average = the mean of each person's best score."""

    unit_name: str
    attempted: int = 0
    passed: int = 0
    best_scores: list[Decimal] = field(default_factory=list, repr=False)

    @property
    def pass_rate(self) -> Decimal | None:
        if not self.attempted:
            return None
        return (Decimal(100) * self.passed / self.attempted).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP
        )

    @property
    def average_score(self) -> Decimal | None:
        if not self.best_scores:
            return None
        return (sum(self.best_scores) / len(self.best_scores)).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP
        )


@dataclass
class SessionResults:
    rows: list[ResultRow]
    units: list[UnitSummary]
    total: UnitSummary


def session_results(session: ExamSession, user) -> SessionResults:
    """Every attempt of the user's people at this session, and a per-unit summary.

    One query for the attempts (with person and unit) and one for the scope, however many
    attempts there are; the summary is computed from the same rows.
    """
    attempts = (
        Attempt.objects.filter(session=session, user__in=people_in_scope(user).values("pk"))
        .select_related("user__org_unit")
        .order_by("user__org_unit__path", "user__employee_number", "number")
    )
    rows: list[ResultRow] = []
    best: dict[int, tuple[str, str, Decimal | None, bool]] = {}  # user id -> unit, path, ...
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
        if attempt.status in (AttemptStatus.IN_PROGRESS, AttemptStatus.VOIDED):
            continue
        unit_key = unit.path if unit else ""
        previous = best.get(person.pk)
        score = attempt.score
        passed = bool(attempt.passed)
        if previous is not None:
            _unit, _key, previous_score, previous_passed = previous
            if previous_score is not None and (score is None or previous_score > score):
                score = previous_score
            passed = passed or previous_passed
        best[person.pk] = (unit.name if unit else "", unit_key, score, passed)

    by_unit: dict[str, UnitSummary] = {}
    total = UnitSummary(str(_("合计")))
    for unit_name, unit_key, score, passed in sorted(best.values(), key=lambda v: v[1]):
        summary = by_unit.setdefault(unit_key, UnitSummary(unit_name))
        for target in (summary, total):
            target.attempted += 1
            target.passed += passed
            if score is not None:
                target.best_scores.append(score)
    return SessionResults(rows=rows, units=list(by_unit.values()), total=total)
