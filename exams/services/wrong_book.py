"""Exam attempts feeding the wrong-answer book (错题本), each exactly once.

Practice feeds the book as each answer is given; an exam attempt feeds it when its answers
become the candidate's to learn from:

- a mock exam (模拟考试) when its review is visible (a mock's policy is normally "right after
  submit"): at submit or time-out, or at the last mark of a paper with written answers
  (``transitions._apply`` calls ``attempt_book``); a mock whose policy shows no review is not
  booked, since the book would show its keys;
- any other exam when its full review is released (``selectors.review_visible``: the session's
  policy is "full after close", it has closed and the results are out). Reviews become visible
  on events (results released by an administrator, the last mark of a paper) and by the clock
  alone (the close of a session whose results come out at close); the events book at once
  (``session_book_reviews`` after a release, ``attempt_book`` after a mark) and
  ``wrong_book_sync`` catches up whatever the clock made visible when the book is opened.

``BookedAttempt`` (one row per attempt, a unique key) is the marker: it is inserted first, in
the transaction that records the answers, so that two bookings at once (two tabs opening the
book, a release while the book is open) record the attempt once: the second insert waits for
the first transaction and fails on the key.

What is recorded: the machine-scored questions (single, multiple, true/false) that were
answered, right when the slot earned its full points (after any confirmed remedy: a corrected
key, a question given full marks); questions dropped by a remedy, left unanswered, or marked by
people (case analysis, short answer: no right or wrong to put in a book) are left out. A voided
attempt is never booked. A regrade after booking does not record the attempt again (the
marker stays): the book keeps the answer as it stood when the attempt was booked, and the book
page shows the corrected key beside it.
"""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from ..grading import MACHINE_SCORED_KINDS
from ..models import (
    FINISHED_STATUSES,
    AnswerSource,
    Attempt,
    BookedAttempt,
    ExamKind,
)
from .practice_record import Answered, record_answers
from .scoring import scoring_rules


def booking_source(attempt: Attempt, *, now: datetime | None = None) -> str | None:
    """Where the attempt's answers would come from in the book, if it may be booked now
    (``None``: not yet, or never). Reads ``attempt.session`` (select it)."""
    if attempt.status not in FINISHED_STATUSES or attempt.marking_pending:
        return None  # running, voided, or written answers still to be marked
    from ..selectors import review_visible  # the selectors import the services

    # Only once the candidate may see the keys: a mock's answers the book shows (the key, the
    # explanation) must not reach anyone earlier than the session's review policy lets them.
    if not review_visible(attempt, now=now):
        return None
    return AnswerSource.MOCK if attempt.session.kind == ExamKind.MOCK else AnswerSource.REVIEW


def _answers(attempt: Attempt) -> list[Answered]:
    slots = list(
        attempt.slots.filter(hand_marked=False)
        .select_related("question_version")
        .only(
            "selected",
            "points",
            "earned",
            "question_version__id",
            "question_version__question_id",
            "question_version__kind",
        )
    )
    rules = scoring_rules(
        session_id=attempt.session_id,
        question_ids=[s.question_version.question_id for s in slots],
    )
    at = attempt.finished_at or timezone.now()
    return [
        Answered(
            question_id=slot.question_version.question_id,
            version_id=slot.question_version.pk,
            correct=slot.earned >= slot.points,
            at=at,
            selected=list(slot.selected),
        )
        for slot in slots
        if slot.question_version.kind in MACHINE_SCORED_KINDS
        and slot.selected
        and slot.earned is not None
        and rules.counts(slot.question_version.question_id)
    ]


@transaction.atomic
def attempt_book(*, attempt: Attempt, now: datetime | None = None) -> bool:
    """Record the attempt's answers in its candidate's book if it may be booked now and has
    not been; returns whether it was booked by this call. ``attempt`` with its session."""
    now = now or timezone.now()
    source = booking_source(attempt, now=now)
    if source is None:
        return False
    try:
        with transaction.atomic():  # a savepoint: a lost race leaves the outer work alone
            marker = BookedAttempt.objects.create(attempt=attempt, source=source, booked_at=now)
    except IntegrityError:
        return False  # booked already (or just now, by someone else)
    answers = _answers(attempt)
    record_answers(user_id=attempt.user_id, answers=answers, source=source, source_id=attempt.pk)
    if answers:
        marker.answers = len(answers)
        marker.save(update_fields=["answers"])
    return True


def _unbooked():
    return Attempt.objects.filter(
        status__in=FINISHED_STATUSES, marking_pending=False, booking__isnull=True
    ).select_related("session")


def wrong_book_sync(*, user, now: datetime | None = None) -> int:
    """Book the person's finished attempts that became bookable and were not booked (a mock
    from before this book existed, a review the session's close released); returns how many.
    One query when there is nothing to book."""
    now = now or timezone.now()
    return sum(attempt_book(attempt=a, now=now) for a in _unbooked().filter(user_id=user.pk))


def session_book_reviews(*, session_id: int, now: datetime | None = None) -> int:
    """Book every attempt of a session whose review has just become visible (its results
    released); returns how many. Idempotent."""
    now = now or timezone.now()
    return sum(attempt_book(attempt=a, now=now) for a in _unbooked().filter(session_id=session_id))


def wrong_books_sync_all(*, now: datetime | None = None) -> int:
    """Book every bookable attempt of everyone (the demo, a periodic catch-up)."""
    now = now or timezone.now()
    return sum(attempt_book(attempt=a, now=now) for a in _unbooked().order_by("pk"))
