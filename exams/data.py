"""Plain answers of the exam app that other apps read (certification above all).

Standard library only, so that importing it never pulls in models. ``exams.api`` returns
these; ``exams.signals`` carries them.
"""

from __future__ import annotations

import datetime
import enum
from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class ResultChange:
    """One graded attempt's result before and after a regrade (a key correction, a dropped
    question, full marks for a question)."""

    attempt_id: int
    user_id: int
    session_id: int
    session_kind: str  # an ``ExamKind`` value
    finished_at: datetime.datetime | None
    old_score: Decimal | None
    new_score: Decimal | None
    old_passed: bool | None
    new_passed: bool | None

    @property
    def score_changed(self) -> bool:
        return self.old_score != self.new_score

    @property
    def pass_flipped(self) -> bool:
        return self.old_passed != self.new_passed


@dataclass(frozen=True)
class Regrade:
    """A regrade of the attempts that used one question: planned (dry run, ``id`` None) or
    done. ``action`` is ``key`` (key correction), ``drop`` (question left out of the score) or
    ``full_marks`` (every candidate gets the question's points)."""

    id: int | None
    question_id: int
    action: str
    reason: str
    actor_id: int | None
    changes: tuple[ResultChange, ...] = field(default_factory=tuple)

    @property
    def flips(self) -> tuple[ResultChange, ...]:
        return tuple(c for c in self.changes if c.pass_flipped)


@dataclass(frozen=True)
class Consequence:
    """A document or record outside the exam app that a regrade changes (or, for a locked
    record, would change and waits for an audited unlock). Built by the app that owns it, in
    answer to ``exams.signals.regrade_consequences``; ``summary`` is already translated."""

    kind: str  # "certificate", "credential_review", "appraisal", ...
    person_id: int
    summary: str
    object_id: int | None = None
    blocked: bool = False  # e.g. a locked appraisal record: flagged for HR, not changed


class ExamKind(enum.StrEnum):
    """The kinds of exam session. ``exams.models.ExamKind`` (the model field's choices, with
    their translated labels) takes its values from here, so the two never drift apart."""

    PRE_APPOINTMENT = "pre_appointment"
    ANNUAL_ROTATION = "annual_rotation"
    ANNUAL_LAW = "annual_law"
    QUALIFICATION = "qualification"
    MOCK = "mock"


@dataclass(frozen=True)
class SessionInfo:
    """An exam session as other apps see it: what it is and when it ran."""

    id: int
    title: str
    kind: str  # an ``ExamKind`` value
    opens_at: datetime.datetime
    closes_at: datetime.datetime
    eligible_unit_id: int | None = None


@dataclass(frozen=True)
class Sitting:
    """One graded attempt (a sitting of an exam) of one person: its result as certification
    reads it. Voided and unfinished attempts are never handed out as sittings."""

    attempt_id: int
    user_id: int
    session_id: int
    session_title: str
    session_kind: str  # an ``ExamKind`` value
    number: int
    finished_at: datetime.datetime | None
    score: Decimal | None
    passed: bool | None
    band: str = ""  # 优秀 / 良好 / 合格 / 不合格 by ``settings.GRADE_BANDS``; "" without a score
    blocking: bool = False  # a second pre-appointment failure: the appointment is blocked
    eligible_unit_id: int | None = None  # the session's unit (the certificate's authority)
    voided: bool = False


@dataclass(frozen=True)
class PersonResult:
    """A person's sittings of a set of exams reduced to what reports show."""

    user_id: int
    attempts: int = 0
    best_score: Decimal | None = None
    passed: bool = False  # passed any of them


@dataclass(frozen=True)
class PracticeSummary:
    """One person's practice in a year (练习 and 每日一练), for their home page: questions
    answered and answered right, rounds, days with a finished daily practice, the current
    streak of such days (ending today, or yesterday when today's is not done yet), today's
    daily practice, and questions in the wrong-answer book now."""

    year: int
    answered: int
    correct: int
    rounds: int
    daily_days: int
    streak: int
    today_done: bool
    today_answered: int
    today_count: int
    book_count: int

    @property
    def accuracy(self) -> int | None:
        """Per cent answered right, or None before the first answer."""
        return round(self.correct * 100 / self.answered) if self.answered else None


@dataclass(frozen=True)
class PersonExam:
    """An exam session on a person's list whose window has not closed yet (for their home):
    when it opens and closes, what they have done in it and whether they may still start.

    ``state`` is ``upcoming`` (not open yet), ``open`` (something left to do: start, or
    resume the attempt in progress) or ``done`` (open, but nothing left to do: passed, or
    attempts used up). ``passed`` and ``score`` stay None while the result is not released.
    """

    session_id: int
    title: str
    kind: str  # an ``ExamKind`` value
    opens_at: datetime.datetime
    closes_at: datetime.datetime
    state: str
    attempts_allowed: int
    attempts_used: int
    in_progress: bool
    can_start: bool
    result_visible: bool = False
    score: Decimal | None = None
    passed: bool | None = None

    @property
    def sat(self) -> bool:
        """Whether the person has finished at least one attempt of it."""
        return self.attempts_used > 0
