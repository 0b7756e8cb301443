"""The learning app's reminder (cms.people.notifications), registered in ``LearningConfig.ready``:
study hours short of the year's requirement once REMINDER_HOURS_WEEKS_LEFT weeks are left."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cms.people.models import User
from cms.people.notifications import Notice, register_kind, register_producer

from .selectors import year_summaries

HOURS_SHORT = "hours_short"


def register() -> None:
    register_kind(
        HOURS_SHORT,
        title=_("%(year)s 年度学时尚未达标"),
        body=_(
            "您 %(year)s 年度已获得计入要求的学时 %(counted)s，要求 %(required)s，"
            "还差 %(missing)s 学时。请在 %(year_end)s 前完成。"
        ),
        dates=("year_end",),
    )
    register_producer(HOURS_SHORT, hours_short_notices)


def _hours(value: Decimal) -> str:
    return format(value.normalize(), "f") if value else "0"


def hours_short_notices(*, now: datetime.datetime) -> list[Notice]:
    """Everyone in an org unit whose counted hours are below the requirement, once the year
    has fewer than REMINDER_HOURS_WEEKS_LEFT weeks left (Asia/Shanghai). One reminder per
    person and year; three queries whatever the number of people."""
    today = timezone.localdate(now)
    year_end = datetime.date(today.year, 12, 31)
    if (year_end - today).days >= settings.REMINDER_HOURS_WEEKS_LEFT * 7:
        return []
    people = User.objects.filter(is_active=True, org_unit__isnull=False)
    url = reverse("learning:my_learning")
    notices = []
    for user_id, summary in sorted(year_summaries(people=people, year=today.year).items()):
        if summary.is_met:
            continue
        params = {
            "year": today.year,
            "counted": _hours(summary.counted),
            "required": _hours(summary.required),
            "missing": _hours(summary.missing),
            "year_end": year_end.isoformat(),
        }
        notices.append(Notice(user_id, HOURS_SHORT, f"hours_short:{today.year}", params, url))
    return notices
