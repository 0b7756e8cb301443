"""Extra time given to a candidate who is already sitting reaches their running attempt.

Raising a candidate's accommodation (on the candidates page or by importing the list) moves
the running attempt's deadline by the minutes added, through ``attempt_extend`` (an event
and an audit entry), never past the session's close; lowering it never shortens a sitting.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from wagtail.models import ModelLogEntry

from exams.models import Attempt, AttemptEvent, Candidate
from exams.services import attempt_start, candidate_update, candidates_import
from exams.services.sessions import REASON_ACCOMMODATION
from exams.session_views import MSG_RUNNING_EXTENDED, url_name
from tests.exams.test_session_admin import make_exam_admin
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sitting(open_session, org):
    """A listed candidate of 西湖区 who started 10 minutes ago, and their administrator."""
    district = org.districts[0]
    admin = make_exam_admin(org.city)
    person = UserFactory(org_unit=org.departments[district.code][0])
    candidate = Candidate.objects.create(session=open_session, user=person)
    attempt = attempt_start(
        session=open_session, user=person, now=timezone.now() - timedelta(minutes=10)
    )
    return admin, candidate, attempt


def update(candidate, admin, minutes):
    return candidate_update(
        candidate=candidate,
        listed=True,
        extra_minutes=minutes,
        extra_attempts=0,
        note="",
        actor=admin,
    )


def extensions(attempt):
    return AttemptEvent.objects.filter(attempt=attempt, action=AttemptEvent.Action.EXTEND)


def test_raising_moves_the_running_deadline_by_the_difference(sitting):
    admin, candidate, attempt = sitting
    start = attempt.deadline

    assert update(candidate, admin, 15).running_attempt_extended is True
    attempt.refresh_from_db()
    assert attempt.deadline == start + timedelta(minutes=15)
    event = extensions(attempt).get()
    assert (event.actor, event.reason, event.data["minutes"]) == (
        admin,
        str(REASON_ACCOMMODATION),
        15,
    )
    assert ModelLogEntry.objects.filter(
        object_id=str(attempt.pk), action="exams.attempt.extend", user=admin
    ).exists()

    # Lowering keeps the deadline; raising again adds only the new difference.
    assert update(candidate, admin, 5).running_attempt_extended is False
    attempt.refresh_from_db()
    assert attempt.deadline == start + timedelta(minutes=15)
    update(candidate, admin, 20)
    attempt.refresh_from_db()
    assert attempt.deadline == start + timedelta(minutes=30)
    assert extensions(attempt).count() == 2
    candidate.refresh_from_db()
    assert candidate.extra_minutes == 20


def test_a_deadline_at_the_close_stays_and_the_accommodation_is_kept(sitting):
    admin, candidate, attempt = sitting
    Attempt.objects.filter(pk=attempt.pk).update(deadline=attempt.session.closes_at)

    assert update(candidate, admin, 30).running_attempt_extended is False

    attempt.refresh_from_db()
    candidate.refresh_from_db()
    assert attempt.deadline == attempt.session.closes_at
    assert candidate.extra_minutes == 30
    assert not extensions(attempt).exists()


def test_a_deadline_near_the_close_moves_up_to_the_close(sitting):
    admin, candidate, attempt = sitting
    closes = attempt.session.closes_at
    Attempt.objects.filter(pk=attempt.pk).update(deadline=closes - timedelta(minutes=5))

    update(candidate, admin, 30)

    attempt.refresh_from_db()
    assert attempt.deadline == closes


def test_importing_a_raised_extra_time_moves_the_running_attempt(sitting):
    admin, candidate, attempt = sitting
    start = attempt.deadline
    number = candidate.user.employee_number
    data = f"工号,延长时间（分钟）,增加次数,备注\n{number},25,0,视力障碍\n".encode()

    result = candidates_import(session=attempt.session, data=data, filename="名单.csv", actor=admin)

    assert result.written and result.updated == 1 and result.running_extended == 1
    attempt.refresh_from_db()
    assert attempt.deadline == start + timedelta(minutes=25)
    assert extensions(attempt).get().reason == str(REASON_ACCOMMODATION)

    # Importing the same file again changes nothing; a lower figure never shortens.
    again = candidates_import(session=attempt.session, data=data, filename="名单.csv", actor=admin)
    assert again.unchanged == 1 and again.running_extended == 0
    lower = data.replace(b",25,", b",5,")
    candidates_import(session=attempt.session, data=lower, filename="名单.csv", actor=admin)
    attempt.refresh_from_db()
    assert attempt.deadline == start + timedelta(minutes=25)


def test_the_candidates_page_says_that_a_running_attempt_moved(client, sitting):
    admin, candidate, attempt = sitting
    start = attempt.deadline
    client.force_login(admin)
    prefix = "form-0-"
    data = {
        "form-TOTAL_FORMS": "1",
        "form-INITIAL_FORMS": "1",
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "1000",
        f"{prefix}id": str(candidate.pk),
        f"{prefix}listed": "on",
        f"{prefix}extra_minutes": "20",
        f"{prefix}extra_attempts": "0",
        f"{prefix}note": "",
    }

    response = client.post(
        reverse(url_name("candidates"), args=[attempt.session.pk]), data, follow=True
    )

    assert str(MSG_RUNNING_EXTENDED % {"count": 1}) in response.content.decode()
    attempt.refresh_from_db()
    assert attempt.deadline == start + timedelta(minutes=20)
