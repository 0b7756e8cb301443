"""Course hours are earned once; the year is the calendar year in Asia/Shanghai."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
import time_machine

from learning import selectors, services
from learning.models import StudyHourEntry, StudyKind

from .conftest import SHANGHAI, lessons_of, study

pytestmark = pytest.mark.django_db


def complete(user, lesson, clock):
    return study(user, lesson, minutes=lesson.min_active_minutes, clock=clock, reached_end=True)


def test_completing_every_lesson_earns_the_course_hours_once(make_course, learner, clock):
    course = make_course(lessons=2, minutes=1, hours="3.5")
    first, second = lessons_of(course)
    result = complete(learner, first, clock)
    assert result.is_complete and result.course_entry is None
    assert not StudyHourEntry.objects.exists()
    result = complete(learner, second, clock)
    entry = result.course_entry
    assert entry is not None
    assert (entry.hours, entry.kind, entry.year, entry.course_id) == (
        Decimal("3.5"),
        StudyKind.ONLINE,
        2026,
        course.pk,
    )
    # Studying on, completing again, or asking the service again adds nothing.
    complete(learner, second, clock)
    assert services.course_completion_record(user=learner, course=course) is None
    assert StudyHourEntry.objects.filter(user=learner).count() == 1
    assert selectors.year_summary(user=learner, year=2026).counted == Decimal("3.5")


def test_a_course_with_an_unfinished_lesson_earns_nothing(make_course, learner, clock):
    course = make_course(lessons=2, minutes=1)
    first, second = lessons_of(course)
    complete(learner, first, clock)
    study(learner, second, minutes=5, clock=clock)  # plenty of time, never reached the end
    assert services.course_completion_record(user=learner, course=course) is None
    assert not StudyHourEntry.objects.exists()


@pytest.mark.parametrize(
    ("local_time", "year"),
    [
        (datetime.datetime(2025, 12, 31, 23, 59, 0, tzinfo=SHANGHAI), 2025),
        (datetime.datetime(2026, 1, 1, 0, 0, 30, tzinfo=SHANGHAI), 2026),
    ],
)
def test_the_year_is_the_calendar_year_in_shanghai(make_course, learner, local_time, year):
    """23:59 on 31 December (15:59 UTC) counts in that year; 00:00:30 on 1 January
    (still 31 December in UTC) counts in the new one."""
    lesson = lessons_of(make_course(lessons=1, minutes=1))[0]
    with time_machine.travel(local_time - datetime.timedelta(seconds=60), tick=False) as clock:
        services.lesson_heartbeat(user=learner, lesson=lesson, active=False)
        clock.shift(30)
        services.lesson_heartbeat(user=learner, lesson=lesson, active=True)
        clock.shift(30)
        result = services.lesson_heartbeat(
            user=learner, lesson=lesson, active=True, reached_end=True
        )
    assert result.course_entry.year == year
    assert result.course_entry.date.year == year
    assert selectors.year_summary(user=learner, year=year).earned == Decimal("2")
    assert selectors.year_summary(user=learner, year=2025 if year == 2026 else 2026).earned == 0
