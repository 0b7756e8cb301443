"""The wrong-answer book's one writer: wrong answers put a question in, two right in a row
take it out, older answers count but do not move it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from exams.models import QuestionRecord
from exams.services.practice_record import Answered, record_answers
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def question(exam_bank):
    from exams.models import Question

    return Question.objects.select_related("current_version").order_by("pk").first()


def _answer(question, correct, minutes):
    return Answered(
        question_id=question.pk,
        version_id=question.current_version_id,
        correct=correct,
        at=timezone.now() + timedelta(minutes=minutes),
        selected=["x"] if not correct else [],
    )


# (answers as right/wrong in time order, in the book afterwards, right streak, times wrong)
CASES = [
    ("", None, None, None),
    ("R", False, 1, 0),
    ("W", True, 0, 1),
    ("WR", True, 1, 1),
    ("WRR", False, 2, 1),
    ("WRWR", True, 1, 2),
    ("WRWRR", False, 2, 2),
    ("RRW", True, 0, 1),
]


@pytest.mark.parametrize(("answers", "in_book", "streak", "wrong"), CASES)
def test_book_follows_the_answers(question, settings, answers, in_book, streak, wrong):
    settings.WRONG_BOOK_CLEAR_STREAK = 2
    user = UserFactory()
    for i, mark in enumerate(answers):
        record_answers(
            user_id=user.pk, answers=[_answer(question, mark == "R", i)], source="practice"
        )
    record = QuestionRecord.objects.filter(user=user, question=question).first()
    if not answers:
        assert record is None
        return
    assert (record.in_book, record.right_streak, record.times_wrong) == (in_book, streak, wrong)
    assert record.times_answered == len(answers)


def test_older_answer_counts_but_does_not_move_the_book(question):
    user = UserFactory()
    record_answers(user_id=user.pk, answers=[_answer(question, True, 10)], source="practice")
    record_answers(user_id=user.pk, answers=[_answer(question, False, 0)], source="review")
    record = QuestionRecord.objects.get(user=user, question=question)
    assert not record.in_book
    assert (record.times_answered, record.times_wrong) == (2, 1)


def test_one_batch_is_applied_in_time_order(question):
    user = UserFactory()
    batch = [_answer(question, True, 2), _answer(question, False, 0), _answer(question, True, 1)]
    record_answers(user_id=user.pk, answers=batch, source="mock", source_id=7)
    record = QuestionRecord.objects.get(user=user, question=question)
    assert not record.in_book and record.right_streak == 2
    assert (record.wrong_source, record.wrong_source_id) == ("mock", 7)


def test_unknown_source_is_refused(question):
    with pytest.raises(ValueError):
        record_answers(user_id=1, answers=[_answer(question, True, 0)], source="exam")
