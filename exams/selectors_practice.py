"""Reading practice (练习, 每日一练) and the wrong-answer book: a person's figures for a year."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone

from .data import PracticeSummary
from .models import PracticeItem, PracticeMode, PracticeRound, QuestionRecord


def daily_streak(days: set[datetime.date], today: datetime.date) -> int:
    """Days in a row with a finished daily practice, ending today, or yesterday when today's
    is not finished yet (so the streak is not broken before the day is over)."""
    day = today if today in days else today - datetime.timedelta(days=1)
    streak = 0
    while day in days:
        streak += 1
        day -= datetime.timedelta(days=1)
    return streak


def practice_summary(
    user_id: int, year: int, *, today: datetime.date | None = None
) -> PracticeSummary:
    """The year's practice figures of one person, in five queries whatever their history."""
    today = today or timezone.localdate()
    items = PracticeItem.objects.filter(round__user_id=user_id, answered_at__year=year).aggregate(
        answered=Count("pk"), correct=Count("pk", filter=Q(correct=True))
    )
    rounds = PracticeRound.objects.filter(user_id=user_id, started_at__year=year).count()
    finished_days = set(
        PracticeRound.objects.filter(
            user_id=user_id, mode=PracticeMode.DAILY, finished_at__isnull=False
        ).values_list("day", flat=True)
    )
    todays = (
        PracticeRound.objects.filter(user_id=user_id, mode=PracticeMode.DAILY, day=today)
        .values("answered_count", "question_count", "finished_at")
        .first()
    )
    book = QuestionRecord.objects.filter(user_id=user_id, in_book=True).count()
    return PracticeSummary(
        year=year,
        answered=items["answered"],
        correct=items["correct"],
        rounds=rounds,
        daily_days=sum(1 for day in finished_days if day.year == year),
        streak=daily_streak(finished_days, today),
        today_done=bool(todays and todays["finished_at"]),
        today_answered=todays["answered_count"] if todays else 0,
        today_count=todays["question_count"] if todays else settings.PRACTICE_DAILY_COUNT,
        book_count=book,
    )
