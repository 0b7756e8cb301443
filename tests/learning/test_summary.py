"""Yearly requirements and the year summary for HR: defaults, overrides, fixed queries."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cms.people.models import User
from learning import selectors
from learning.models import StudyHourEntry, StudyKind, StudyRequirement
from tests.factories import OrgUnitFactory, UserFactory

pytestmark = pytest.mark.django_db


def earn(user, hours, kind=StudyKind.OFFLINE, year=2026, n=0):
    return StudyHourEntry.objects.create(
        user=user,
        year=year,
        hours=Decimal(hours),
        kind=kind,
        title="培训",
        source=f"{kind}:{year}:{n}",
        date=datetime.date(year, 6, 1),
    )


def test_defaults_40_for_everyone_60_for_enforcement_officers_with_rotation():
    clerk = UserFactory()
    officer = UserFactory(is_enforcement_officer=True)
    for person in (clerk, officer):
        earn(person, "30", StudyKind.ONLINE, n=1)
        earn(person, "20", StudyKind.ROTATION, n=2)
    clerk_summary = selectors.year_summary(user=clerk, year=2026)
    officer_summary = selectors.year_summary(user=officer, year=2026)
    assert (clerk_summary.required, officer_summary.required) == (Decimal(40), Decimal(60))
    # Rotation training counts toward the enforcement officer's requirement only.
    assert clerk_summary.counted == Decimal(30) and clerk_summary.missing == Decimal(10)
    assert officer_summary.counted == Decimal(50) and officer_summary.missing == Decimal(10)
    assert officer_summary.earned_by_kind == {"online": Decimal(30), "rotation": Decimal(20)}
    assert officer_summary.percent == 83 and not officer_summary.is_met
    earn(officer, "10", StudyKind.OFFLINE, n=3)
    assert selectors.year_summary(user=officer, year=2026).is_met


def test_a_requirement_row_overrides_the_default_for_its_year_only():
    clerk = UserFactory()
    StudyRequirement.objects.create(
        year=2026, category="default", hours=Decimal("48"), counted_kinds=["online", "offline"]
    )
    assert selectors.year_summary(user=clerk, year=2026).required == Decimal(48)
    assert selectors.year_summary(user=clerk, year=2025).required == Decimal(40)


def test_summary_selector_query_count_does_not_grow_with_people():
    unit = OrgUnitFactory()

    def populate(n):
        for i in range(n):
            person = UserFactory(org_unit=unit, is_enforcement_officer=i % 2 == 0)
            earn(person, "12", StudyKind.ONLINE, n=1)
            earn(person, "30", StudyKind.ROTATION, n=2)

    def count_queries():
        people = User.objects.filter(org_unit=unit)
        with CaptureQueriesContext(connection) as ctx:
            summaries = selectors.year_summaries(people=people, year=2026)
        return len(ctx.captured_queries), summaries

    populate(3)
    small, summaries = count_queries()
    assert len(summaries) == 3
    populate(37)
    large, summaries = count_queries()
    assert len(summaries) == 40
    assert small == large == 3
    met = sorted(s.is_met for s in summaries.values())
    assert met.count(False) == 40  # officers 42/60, others 12/40
    assert {s.counted for s in summaries.values()} == {Decimal(42), Decimal(12)}


def test_summary_for_a_unit_with_django_assert(django_assert_max_num_queries):
    unit = OrgUnitFactory()
    for i in range(25):
        earn(UserFactory(org_unit=unit), "41", n=i)
    with django_assert_max_num_queries(3):
        summaries = selectors.year_summaries(people=User.objects.filter(org_unit=unit), year=2026)
    assert all(s.is_met for s in summaries.values())
