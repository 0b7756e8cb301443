"""Reads for key corrections and regrades: a question's usage, a plan's rows, the notices.

Scoped like the session pages: an exam administrator sees the sessions ``sessions_visible_to``
gives and, inside them, the people of ``people_in_scope``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, QuerySet

from cms.db import filter_in
from cms.people.models import User

from . import data
from .models import (
    FINISHED_STATUSES,
    Attempt,
    AttemptSlot,
    AttemptStatus,
    ExamSession,
    Question,
    Regrade,
    RegradeChange,
)
from .session_selectors import people_in_scope, sessions_visible_to


@dataclass
class UsageRow:
    """How many attempts of one session used one version of the question."""

    session: ExamSession
    version: int
    graded: int
    in_progress: int
    voided: int
    remedy: Regrade | None = None


def question_usage(question: Question, user) -> list[UsageRow]:
    """The sessions (in the user's scope) whose papers held the question, by version: three
    queries whatever the number of sessions."""
    counts = (
        AttemptSlot.objects.filter(
            question_version__question=question,
            attempt__session__in=sessions_visible_to(user).values("pk"),
            attempt__user__in=people_in_scope(user).values("pk"),
        )
        .values("attempt__session_id", "question_version__number")
        .annotate(
            graded=Count("pk", filter=Q(attempt__status__in=FINISHED_STATUSES)),
            running=Count("pk", filter=Q(attempt__status=AttemptStatus.IN_PROGRESS)),
            voided=Count("pk", filter=Q(attempt__status=AttemptStatus.VOIDED)),
        )
        .order_by("attempt__session_id", "question_version__number")
    )
    counts = list(counts)
    ids = {row["attempt__session_id"] for row in counts}
    sessions = ExamSession.objects.in_bulk(ids)
    remedies = {
        r.session_id: r
        for r in Regrade.objects.filter(question=question, session_id__in=ids).exclude(
            action=Regrade.Action.KEY
        )
    }
    rows = [
        UsageRow(
            session=sessions[row["attempt__session_id"]],
            version=row["question_version__number"],
            graded=row["graded"],
            in_progress=row["running"],
            voided=row["voided"],
            remedy=remedies.get(row["attempt__session_id"]),
        )
        for row in counts
    ]
    rows.sort(key=lambda r: (-r.session.opens_at.timestamp(), r.version))
    return rows


def question_regrades(question: Question, user) -> QuerySet[Regrade]:
    return (
        regrades_visible_to(user)
        .filter(question=question)
        .select_related("session", "actor", "old_version", "new_version")
    )


def regrades_visible_to(user) -> QuerySet[Regrade]:
    """A session's remedies go with the session; a key correction (every session) with its
    author and the superusers."""
    regrades = Regrade.objects.all()
    if getattr(user, "is_superuser", False) and user.is_active:
        return regrades
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return regrades.none()
    return regrades.filter(Q(session__in=sessions_visible_to(user).values("pk")) | Q(actor=user))


@dataclass
class PlanRow:
    change: data.ResultChange
    name: str
    unit: str
    session: str

    @property
    def delta(self) -> Decimal:
        return (self.change.new_score or Decimal(0)) - (self.change.old_score or Decimal(0))


def plan_rows(changes: Iterable[data.ResultChange]) -> list[PlanRow]:
    """The changes with their candidates' names and sessions: flips first, then by change;
    one query per 500 attempts."""
    changes = list(changes)
    attempts = {
        a.pk: a
        for a in filter_in(
            Attempt.objects.select_related("user__org_unit", "session").only(
                "pk", "user__name", "user__org_unit__name", "session__title"
            ),
            "pk__in",
            [c.attempt_id for c in changes],
        )
    }
    rows = []
    for change in changes:
        attempt = attempts[change.attempt_id]
        unit = attempt.user.org_unit
        rows.append(
            PlanRow(change, attempt.user.name, unit.name if unit else "", attempt.session.title)
        )
    rows.sort(key=lambda r: (not r.change.pass_flipped, -abs(r.delta), r.change.attempt_id))
    return rows


@dataclass
class ConsequenceRow:
    consequence: data.Consequence
    name: str


def consequence_rows(consequences: Iterable[data.Consequence]) -> list[ConsequenceRow]:
    consequences = list(consequences)
    names = dict(
        filter_in(
            User.objects.values_list("pk", "name"), "pk__in", [c.person_id for c in consequences]
        )
    )
    return [ConsequenceRow(c, names.get(c.person_id, "")) for c in consequences]


def regrade_changes_visible(regrade: Regrade, user) -> QuerySet[RegradeChange]:
    """The regrade's changed results, of the people the user may see."""
    return (
        RegradeChange.objects.filter(
            regrade=regrade, attempt__user__in=people_in_scope(user).values("pk")
        )
        .select_related("attempt__user__org_unit", "attempt__session")
        .order_by("attempt__session_id", "attempt__user__name", "attempt_id")
    )


def attempt_corrections(attempt_ids: Iterable[int]) -> dict[int, list[RegradeChange]]:
    """The result corrections of these attempts, oldest first (one query)."""
    corrections: dict[int, list[RegradeChange]] = {}
    rows = RegradeChange.objects.filter(attempt_id__in=list(attempt_ids)).select_related("regrade")
    for change in rows.order_by("at", "pk"):
        corrections.setdefault(change.attempt_id, []).append(change)
    return corrections
