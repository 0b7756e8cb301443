"""The learner's home on the demo: E1001, E1003, E1004 and E1006 see the figures their demo
plans give (learning/demo.py PLAN, exams/demo.py FINISHED and sessions, certification/demo.py
CREDENTIALS), worked out by hand below."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from cms.people.models import User
from exams.models import PracticeItem, PracticeMode, PracticeRound, QuestionRecord

pytestmark = pytest.mark.django_db(transaction=False)


def _practice_by_hand(user: User, year: int, today: datetime.date) -> tuple:
    items = PracticeItem.objects.filter(round__user=user, answered_at__year=year)
    days = set(
        PracticeRound.objects.filter(
            user=user, mode=PracticeMode.DAILY, finished_at__isnull=False
        ).values_list("day", flat=True)
    )
    day = today if today in days else today - datetime.timedelta(days=1)
    streak = 0
    while day in days:
        streak, day = streak + 1, day - datetime.timedelta(days=1)
    return (
        items.count(),
        items.filter(correct=True).count(),
        streak,
        QuestionRecord.objects.filter(user=user, in_book=True).count(),
    )


def test_demo_learners_homes(client):
    call_command("load_demo", stdout=io.StringIO())
    year = timezone.localdate().year
    today = timezone.localdate()
    annual = f"{year}年度全市公务员学法考试"
    mock = "依法行政知识模拟考试"
    district = f"{year}年西湖区《行政处罚法》专题学法考试"  # closing within three days
    rotation = f"{year}年行政执法人员轮训考试（本期）"
    pre = f"{year}年领导干部任前法律知识考试（第四批）"
    homes = {}
    for number in ("E1001", "E1003", "E1004", "E1006"):
        person = User.objects.get(employee_number=number)
        client.force_login(person)
        response = client.get(reverse("home:index"))
        assert response.status_code == 200, number
        homes[number] = (person, response.context["home"], response.content.decode())

    # E1001, a civil servant: 3 courses (14 h online) + 26 h offline = 40 of 40; sat the
    # annual exam (92 % right: passed, attempts left but a pass ends it), sat the mock (open:
    # attempts remain); 西湖区's own exam closes within three days.
    person, home, html = homes["E1001"]
    assert [(c.category, c.counted, c.required, c.percent) for c in home.categories] == [
        ("default", Decimal(40), Decimal(40), 100)
    ]
    assert dict((label, hours) for label, hours, _ in home.kinds)["线下培训"] == Decimal(26)
    assert [(e.exam.title, e.exam.state) for e in home.exams] == [
        (district, "open"),
        (annual, "done"),
        (mock, "open"),
    ]
    assert home.exams[1].exam.passed is True and home.credentials == []
    assert [c.certificate.kind for c in home.certificates] == ["annual_learning"]
    assert home.appraisal.live.rating == "passed" and home.appraisal.record is not None
    assert home.appraisal.differences == ""  # the demo computed the record from the same data

    # E1003, an enforcement officer: 14 online + 32 rotation + 16 offline = 62 of 60 (the
    # enforcement requirement, rotation counted); 30 of 40 for everybody's. Sat this period's
    # rotation exam (passed); the annual exam and the mock are open. Credential active.
    person, home, html = homes["E1003"]
    assert [(c.category, c.counted, c.required, c.applies) for c in home.categories] == [
        ("enforcement_officer", Decimal(62), Decimal(60), True),
        ("default", Decimal(30), Decimal(40), False),
    ]
    assert [(e.exam.title, e.exam.state) for e in home.exams] == [
        (district, "open"),
        (rotation, "done"),
        (annual, "open"),
        (mock, "open"),
    ]
    (line,) = home.credentials
    assert line.status == "active" and line.reason == "" and not line.make_up

    # E1004: the credential was suspended by last year's review; the make-up exam is this
    # period's rotation exam, open and not sat yet.
    person, home, html = homes["E1004"]
    (line,) = home.credentials
    assert line.status == "suspended" and line.make_up
    assert line.reason.startswith(f"{year - 1}年度执法证年审不合格")
    assert [e.exam.title for e in line.make_up_exams] == [rotation]
    assert "data-make-up" in html and line.reason in html

    # E1006, a leading cadre listed for the pre-appointment exam: nothing studied yet, the
    # pre-appointment, the annual and the mock exams open; only the mock sat.
    person, home, html = homes["E1006"]
    assert home.summary.counted == 0 and not home.summary.is_met
    assert sorted(e.exam.title for e in home.exams) == sorted([district, pre, annual, mock])
    assert all(e.exam.state == "open" for e in home.exams)
    # Only the mock was sat (to learn from: attempts remain, so it stays open).
    assert [e.exam.title for e in home.exams if e.exam.sat] == [mock]
    assert home.appraisal.live.pre_appointment == "none"

    for number, (person, home, _html) in homes.items():
        p = home.practice
        assert (p.answered, p.correct, p.streak, p.book_count) == _practice_by_hand(
            person, year, today
        ), number
        todays = PracticeRound.objects.filter(
            user=person, mode=PracticeMode.DAILY, day=today
        ).first()
        count = todays.question_count if todays else settings.PRACTICE_DAILY_COUNT
        assert (p.today_count, p.today_done) == (count, bool(todays and todays.finished_at))
