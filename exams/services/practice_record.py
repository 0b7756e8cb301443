"""The one writer of ``QuestionRecord``: what a person answered, right or wrong, in practice,
mock exams and released reviews, and so their wrong-answer book (错题本).

A wrong answer puts the question in the book (or keeps it there) and resets its run of right
answers; ``settings.WRONG_BOOK_CLEAR_STREAK`` right answers in a row take it out again. Answers
are applied in the order they were given; an answer older than the record's latest (a review
released after later practice) counts in the totals but does not move the question in or out
of the book, which follows the latest answers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db import transaction

from ..models import AnswerSource, QuestionRecord


@dataclass(frozen=True)
class Answered:
    """One answer to one question: the version it was given on, the option ids chosen (empty
    for a written answer), whether it was right, and when."""

    question_id: int
    version_id: int
    correct: bool
    at: datetime
    selected: list = field(default_factory=list)


def clear_streak() -> int:
    return max(1, int(getattr(settings, "WRONG_BOOK_CLEAR_STREAK", 2)))


def _apply(record: QuestionRecord, answer: Answered, source: str, source_id, streak: int) -> None:
    record.times_answered += 1
    if not answer.correct:
        record.times_wrong += 1
    if record.last_answered_at is not None and answer.at < record.last_answered_at:
        return  # older news: counted, but the book follows the latest answers
    record.last_answered_at = answer.at
    if answer.correct:
        record.right_streak += 1
        if record.in_book and record.right_streak >= streak:
            record.in_book = False
            record.left_book_at = answer.at
        return
    record.right_streak = 0
    record.wrong_version_id = answer.version_id
    record.wrong_selected = list(answer.selected)
    record.wrong_source = source
    record.wrong_source_id = source_id
    record.last_wrong_at = answer.at
    if not record.in_book:
        record.in_book = True
        record.entered_book_at = answer.at
        record.left_book_at = None


_FIELDS = [
    "times_answered",
    "times_wrong",
    "right_streak",
    "last_answered_at",
    "in_book",
    "entered_book_at",
    "left_book_at",
    "wrong_version",
    "wrong_selected",
    "wrong_source",
    "wrong_source_id",
    "last_wrong_at",
]


@transaction.atomic
def record_answers(
    *, user_id: int, answers: Iterable[Answered], source: str, source_id: int | None = None
) -> list[QuestionRecord]:
    """Apply answers to the person's records, in the order given (sorted by time), with the
    records locked; returns the records touched. The caller records each answer once."""
    if source not in AnswerSource.values:
        raise ValueError(f"unknown answer source {source!r}")
    answers = sorted(answers, key=lambda a: a.at)
    if not answers:
        return []
    streak = clear_streak()
    question_ids = {a.question_id for a in answers}
    existing = {
        r.question_id: r
        for r in QuestionRecord.objects.select_for_update().filter(
            user_id=user_id, question_id__in=question_ids
        )
    }
    new: dict[int, QuestionRecord] = {}
    for answer in answers:
        record = existing.get(answer.question_id) or new.get(answer.question_id)
        if record is None:
            record = QuestionRecord(
                user_id=user_id, question_id=answer.question_id, last_answered_at=None
            )
            new[answer.question_id] = record
        _apply(record, answer, source, source_id, streak)
    if existing:
        QuestionRecord.objects.bulk_update(list(existing.values()), _FIELDS)
    if new:
        QuestionRecord.objects.bulk_create(list(new.values()))
    return [*existing.values(), *new.values()]
