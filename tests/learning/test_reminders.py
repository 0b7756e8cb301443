"""The learning app's reminder: study hours short with REMINDER_HOURS_WEEKS_LEFT weeks left."""

from __future__ import annotations

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.utils import translation

from cms.people.models import Notification
from cms.people.notifications import reminders_run
from learning.models import StudyHourEntry, StudyKind
from learning.reminders import hours_short_notices
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
DECEMBER = datetime.datetime(2026, 12, 1, 8, 0, tzinfo=SHANGHAI)  # 30 days left
JUNE = datetime.datetime(2026, 6, 1, 8, 0, tzinfo=SHANGHAI)


def earn(user, hours, *, year=2026, kind=StudyKind.ONLINE, n=0):
    return StudyHourEntry.objects.create(
        user=user,
        year=year,
        hours=Decimal(str(hours)),
        kind=kind,
        title="课程",
        source=f"test:{user.pk}:{year}:{kind}:{n}",
        date=datetime.date(year, 3, 1),
    )


def test_people_short_of_hours_are_reminded_in_the_last_weeks_of_the_year(settings):
    settings.STUDY_HOURS_REQUIRED = {"default": 40, "enforcement_officer": 60}
    short = UserFactory()
    earn(short, "12.5")
    earn(short, 30, year=2025)  # last year's hours do not count
    met = UserFactory()
    earn(met, 40)
    officer = UserFactory(is_enforcement_officer=True)
    earn(officer, 45)  # enough for a civil servant, not for an officer
    earn(officer, 10, kind=StudyKind.ROTATION, n=1)
    UserFactory(is_active=False)
    notices = {n.recipient_id: n for n in hours_short_notices(now=DECEMBER)}
    assert set(notices) == {short.pk, officer.pk}
    assert notices[short.pk].event_key == "hours_short:2026"
    assert notices[short.pk].params["missing"] == "27.5"
    assert notices[officer.pk].params == {
        "year": 2026,
        "counted": "55",
        "required": "60",
        "missing": "5",
        "year_end": "2026-12-31",
    }
    assert notices[short.pk].url == "/learning/"


def test_no_reminder_while_more_weeks_are_left(settings):
    earn(UserFactory(), 1)
    assert settings.REMINDER_HOURS_WEEKS_LEFT * 7 < 200
    assert hours_short_notices(now=JUNE) == []
    settings.REMINDER_HOURS_WEEKS_LEFT = 40
    assert len(hours_short_notices(now=JUNE)) == 1


def test_a_fixed_number_of_queries(django_assert_max_num_queries):
    for i in range(20):
        earn(UserFactory(), i)
    with django_assert_max_num_queries(4):
        assert len(hours_short_notices(now=DECEMBER)) == 20


def test_reminded_and_mailed_once_a_year_even_when_the_task_runs_daily():
    person = UserFactory(language="en")
    quiet = UserFactory(email_notifications=False)
    earn(person, 10)
    with time_machine.travel(DECEMBER, tick=False):
        reminders_run()
        reminders_run()
    with time_machine.travel(DECEMBER + datetime.timedelta(days=1), tick=False):
        reminders_run()
    (row,) = Notification.objects.filter(recipient=person)
    assert Notification.objects.filter(recipient=quiet, kind="hours_short").count() == 1
    assert [m.to for m in mail.outbox] == [[person.email]]
    assert row.title == "2026 年度学时尚未达标"
    assert "还差 30 学时" in row.body and "2026年12月31日" in row.body
    with translation.override("en"):
        assert "Dec. 31, 2026" in row.body
