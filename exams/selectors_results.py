"""The results of a session as an exam office reports them: per unit, per candidate (absentees
included) and per response, for the people in the requester's scope.

Counted per person, as on the results page: a person *sat* when they finished at least one
attempt that was not voided; their result is their best such attempt (the highest score, the
later one on a tie); they *passed* when that attempt passed. *Eligible* are the people on the
candidate list and the active people the session's rule admits (its unit's subtree, leading
cadres or enforcement officers only where it says so), and anyone who sat although no longer
eligible. A paper awaiting marking (待阅卷) counts as sat, with no score, band or pass yet. Grade bands come from ``settings.GRADE_BANDS``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from cms.people.models import User

from .grading import grade_band
from .models import FINISHED_STATUSES, Attempt, AttemptSlot, AttemptStatus, Candidate, ExamSession
from .selectors import answer_letters, session_rule_q
from .session_selectors import people_in_scope

ABSENT = _("缺考")
AWAITING_MARKING = _("待阅卷")


def _rate(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(100) * part / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass
class UnitFigures:
    """One unit's line (or the total's): people eligible, sat, passed, mean and bands."""

    unit_name: str
    eligible: int = 0
    sat: int = 0
    passed: int = 0
    scores: list[Decimal] = field(default_factory=list, repr=False)
    bands: dict[str, int] = field(default_factory=dict)

    @property
    def sat_rate(self) -> Decimal | None:
        """参考率: sat / eligible, in per cent."""
        return _rate(self.sat, self.eligible)

    @property
    def pass_rate(self) -> Decimal | None:
        """合格率: passed / sat, in per cent."""
        return _rate(self.passed, self.sat)

    @property
    def mean(self) -> Decimal | None:
        if not self.scores:
            return None
        return (sum(self.scores) / len(self.scores)).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP
        )

    def add(self, candidate: CandidateResult) -> None:
        self.eligible += 1
        if candidate.attempt is None:
            return
        self.sat += 1
        self.passed += bool(candidate.attempt.passed)
        if candidate.attempt.score is not None:
            self.scores.append(candidate.attempt.score)
        if candidate.band:
            self.bands[candidate.band] = self.bands.get(candidate.band, 0) + 1


@dataclass
class CandidateResult:
    """A person's standing in the session: their best finished attempt, or none (absent)."""

    person: User
    unit_name: str
    attempt: Attempt | None  # the result: best finished, not voided
    attempts: int  # every attempt, voided and running ones included
    status: str

    @property
    def band(self) -> str:
        return grade_band(self.attempt.score) if self.attempt is not None else ""

    def section_earned(self, index: int) -> Decimal | None:
        if self.attempt is None:
            return None
        sections = (self.attempt.breakdown or {}).get("sections") or []
        for position, section in enumerate(sections):
            if position == index:
                return Decimal(section["earned"])
        return None


@dataclass
class SessionReport:
    session: ExamSession
    section_titles: list[str]
    units: list[UnitFigures]
    total: UnitFigures
    candidates: list[CandidateResult]
    bands: list[str]


def _eligible_people(session: ExamSession, user) -> QuerySet[User]:
    """The people in scope who may sit the session or have sat it (see the module's rule)."""
    listed = Candidate.objects.filter(session=session, user=OuterRef("pk"), listed=True)
    sat = Attempt.objects.filter(session=session, user=OuterRef("pk"))
    return people_in_scope(user).filter(
        Q(Exists(listed)) | Q(Exists(sat)) | session_rule_q(session)
    )


def _best(attempts: list[Attempt]) -> Attempt | None:
    finished = [a for a in attempts if a.status in FINISHED_STATUSES]
    if not finished:
        return None
    return max(finished, key=lambda a: (a.score or Decimal(-1), a.finished_at, a.number))


def _status(attempts: list[Attempt], best: Attempt | None) -> str:
    if best is not None and best.marking_pending:
        return str(AWAITING_MARKING)
    if best is not None:
        return str(best.get_status_display())
    if any(a.status == AttemptStatus.IN_PROGRESS for a in attempts):
        return str(AttemptStatus.IN_PROGRESS.label)
    if attempts:  # only voided ones
        return str(AttemptStatus.VOIDED.label)
    return str(ABSENT)


def session_report(session: ExamSession, user) -> SessionReport:
    """Per unit and per candidate, in three queries (people with units, their attempts, the
    blueprint's sections) whatever the number of people."""
    from django.conf import settings

    people = list(
        _eligible_people(session, user)
        .select_related("org_unit")
        .order_by("org_unit__path", "employee_number", "pk")
    )
    by_person: dict[int, list[Attempt]] = {}
    attempts = Attempt.objects.filter(session=session, user__in=[p.pk for p in people]).order_by(
        "number"
    )
    for attempt in attempts:
        by_person.setdefault(attempt.user_id, []).append(attempt)
    bands = [str(label) for _floor, label in settings.GRADE_BANDS]
    total = UnitFigures(str(_("合计")), bands=dict.fromkeys(bands, 0))
    units: dict[str, UnitFigures] = {}
    candidates: list[CandidateResult] = []
    for person in people:
        own = by_person.get(person.pk, [])
        best = _best(own)
        unit = person.org_unit
        candidate = CandidateResult(
            person=person,
            unit_name=unit.name if unit else "",
            attempt=best,
            attempts=len(own),
            status=_status(own, best),
        )
        candidates.append(candidate)
        figures = units.setdefault(
            unit.path if unit else "",
            UnitFigures(candidate.unit_name, bands=dict.fromkeys(bands, 0)),
        )
        figures.add(candidate)
        total.add(candidate)
    titles = [s.title for s in session.blueprint.sections.all()] if session.blueprint_id else []
    return SessionReport(
        session=session,
        section_titles=titles,
        units=[units[key] for key in sorted(units)],
        total=total,
        candidates=candidates,
        bands=bands,
    )


@dataclass(frozen=True)
class ResponseRow:
    employee_number: str
    attempt_number: int
    position: int
    section: int
    question_id: int
    version: int
    kind: str
    answer: str  # letters as the candidate saw the options
    key: str
    earned: Decimal | None
    points: Decimal
    saved_at: datetime | None


def session_responses(
    session: ExamSession, user, *, chunk_size: int = 2000
) -> Iterator[ResponseRow]:
    """One row per finished (not voided) attempt × question of the people in scope, streamed
    (a server-side cursor, no model per row), for analysis outside the platform."""
    slots = (
        AttemptSlot.objects.filter(
            attempt__session=session,
            attempt__status__in=FINISHED_STATUSES,
            attempt__user__in=people_in_scope(user).values("pk"),
        )
        .order_by(
            "attempt__user__org_unit__path",
            "attempt__user__employee_number",
            "attempt__number",
            "position",
        )
        .values_list(
            "attempt__user__employee_number",
            "attempt__number",
            "position",
            "section",
            "question_version__question_id",
            "question_version__number",
            "question_version__kind",
            "question_version__options",
            "option_order",
            "selected",
            "earned",
            "points",
            "saved_at",
        )
    )
    for (
        number,
        attempt_number,
        position,
        section,
        question_id,
        version,
        kind,
        options,
        order,
        selected,
        earned,
        points,
        saved_at,
    ) in slots.iterator(chunk_size=chunk_size):
        correct = [o["id"] for o in options if o.get("correct")]
        yield ResponseRow(
            employee_number=number,
            attempt_number=attempt_number,
            position=position,
            section=section,
            question_id=question_id,
            version=version,
            kind=kind,
            answer=answer_letters(order, selected),
            key=answer_letters(order, correct),
            earned=earned,
            points=points,
            saved_at=saved_at,
        )
