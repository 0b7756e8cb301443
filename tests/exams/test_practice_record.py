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


STREAK_CASES = [
    (set(), 0),
    ({0}, 1),
    ({1}, 1),  # today's not done yet: yesterday's streak stands
    ({0, 1, 2}, 3),
    ({1, 2, 3}, 3),
    ({0, 2, 3}, 1),
    ({2, 3}, 0),
]


@pytest.mark.parametrize(("days_ago", "streak"), STREAK_CASES)
def test_daily_streak(days_ago, streak):
    import datetime

    from exams.selectors_practice import daily_streak

    today = datetime.date(2026, 3, 10)
    days = {today - datetime.timedelta(days=n) for n in days_ago}
    assert daily_streak(days, today) == streak


def test_practice_summary_counts_the_year(question, django_assert_num_queries):
    import datetime

    from exams.api import practice_summary
    from exams.models import PracticeItem, PracticeRound

    user = UserFactory()
    today = timezone.localdate()
    for n in range(3):
        day = today - datetime.timedelta(days=n)
        at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(9)))
        rnd = PracticeRound.objects.create(
            user=user,
            mode="daily",
            title="每日一练",
            day=day,
            started_at=at,
            finished_at=at,
            question_count=1,
            answered_count=1,
            correct_count=n % 2,
        )
        PracticeItem.objects.create(
            round=rnd,
            position=1,
            question=question,
            question_version_id=question.current_version_id,
            correct=bool(n % 2),
            answered_at=at,
        )
    record_answers(user_id=user.pk, answers=[_answer(question, False, 0)], source="daily")
    with django_assert_num_queries(5):
        summary = practice_summary(user.pk, today.year)
    this_year = sum(1 for n in range(3) if (today - datetime.timedelta(days=n)).year == today.year)
    assert summary.answered == this_year and summary.daily_days == this_year
    assert summary.streak == 3 and summary.today_done and summary.book_count == 1
