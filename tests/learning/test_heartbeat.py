"""Active study time: honest heartbeats accrue, rapid or parallel ones cannot inflate it."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from learning import services
from learning.models import LessonProgress, StudyHourEntry

from .conftest import block, lessons_of, self_check, study

pytestmark = pytest.mark.django_db


def progress(user, lesson) -> LessonProgress:
    return LessonProgress.objects.get(user=user, lesson=lesson)


def test_heartbeats_every_interval_accrue_the_time_between_them(make_course, learner, clock):
    lesson = lessons_of(make_course(lessons=1))[0]
    study(learner, lesson, minutes=3, clock=clock)
    assert progress(learner, lesson).active_seconds == 180


def test_opening_beat_and_inactive_beats_earn_nothing(make_course, learner, clock):
    lesson = lessons_of(make_course(lessons=1))[0]
    services.lesson_heartbeat(user=learner, lesson=lesson, active=True)  # opening: no history
    for _ in range(4):
        clock.shift(30)
        services.lesson_heartbeat(user=learner, lesson=lesson, active=False)
    assert progress(learner, lesson).active_seconds == 0


def test_rapid_heartbeats_earn_only_the_seconds_that_passed(make_course, learner, clock):
    lesson = lessons_of(make_course(lessons=1))[0]
    services.lesson_heartbeat(user=learner, lesson=lesson, active=False)
    for _ in range(100):  # a script hammering the endpoint: 100 beats in 10 seconds
        clock.shift(0.1)
        services.lesson_heartbeat(user=learner, lesson=lesson, active=True)
    assert progress(learner, lesson).active_seconds <= 10


def test_a_heartbeat_is_capped_at_the_interval_plus_tolerance(make_course, learner, clock):
    lesson = lessons_of(make_course(lessons=1))[0]
    services.lesson_heartbeat(user=learner, lesson=lesson, active=False)
    clock.shift(55)  # late heartbeat: at most 30 + 5 seconds
    services.lesson_heartbeat(user=learner, lesson=lesson, active=True)
    assert progress(learner, lesson).active_seconds == 35
    clock.shift(3600)  # came back after an hour (page hidden or closed): a new stretch
    services.lesson_heartbeat(user=learner, lesson=lesson, active=True)
    assert progress(learner, lesson).active_seconds == 35


def test_two_tabs_count_once(make_course, learner, clock):
    """Two tabs (or devices) beating every 30 s, 15 s apart, for 10 minutes: 10 minutes."""
    first, second = lessons_of(make_course(lessons=2))
    services.lesson_heartbeat(user=learner, lesson=first, active=False)
    clock.shift(15)
    services.lesson_heartbeat(user=learner, lesson=second, active=False)
    for _ in range(20):
        clock.shift(15)
        services.lesson_heartbeat(user=learner, lesson=first, active=True)
        clock.shift(15)
        services.lesson_heartbeat(user=learner, lesson=second, active=True)
    total = progress(learner, first).active_seconds + progress(learner, second).active_seconds
    assert total <= 10 * 60 + 15
    # Both tabs on the same lesson: still the wall clock, not twice it.
    services.lesson_heartbeat(user=learner, lesson=first, active=True)
    before = progress(learner, first).active_seconds
    for _ in range(20):
        clock.shift(15)
        services.lesson_heartbeat(user=learner, lesson=first, active=True)  # tab A
        services.lesson_heartbeat(user=learner, lesson=first, active=True)  # tab B, same moment
    assert progress(learner, first).active_seconds - before == 20 * 15


def test_another_person_has_their_own_clock(make_course, learner, clock):
    from tests.factories import UserFactory

    other = UserFactory()
    lesson = lessons_of(make_course(lessons=1))[0]
    services.lesson_heartbeat(user=learner, lesson=lesson, active=False)
    services.lesson_heartbeat(user=other, lesson=lesson, active=False)
    clock.shift(30)
    services.lesson_heartbeat(user=learner, lesson=lesson, active=True)
    services.lesson_heartbeat(user=other, lesson=lesson, active=True)
    assert progress(learner, lesson).active_seconds == 30
    assert progress(other, lesson).active_seconds == 30


def test_not_complete_before_the_minimum_time_even_at_the_end(make_course, learner, clock):
    lesson = lessons_of(make_course(lessons=1, minutes=2))[0]
    result = study(learner, lesson, minutes=1.5, clock=clock, reached_end=True)
    assert result.progress.reached_end
    assert result.progress.active_seconds == 90
    assert not result.is_complete
    clock.shift(30)
    result = services.lesson_heartbeat(user=learner, lesson=lesson, active=True)
    assert result.is_complete and result.completed_now


def test_not_complete_without_reaching_the_end(make_course, learner, clock):
    lesson = lessons_of(make_course(lessons=1, minutes=1))[0]
    result = study(learner, lesson, minutes=5, clock=clock)
    assert result.progress.active_seconds == 300
    assert not result.is_complete
    result = services.lesson_heartbeat(user=learner, lesson=lesson, active=False, reached_end=True)
    assert result.is_complete


def test_self_checks_must_be_answered(make_course, learner, clock):
    body = [block("paragraph", "<p>正文</p>"), self_check("check-a"), self_check("check-b")]
    lesson = lessons_of(make_course(lessons=1, minutes=1, body=body))[0]
    result = study(learner, lesson, minutes=1, clock=clock, reached_end=True, answered=["check-a"])
    assert result.required_checks == ["check-a", "check-b"]
    assert not result.is_complete
    result = services.lesson_heartbeat(
        user=learner, lesson=lesson, active=False, answered=["bogus", "check-x"]
    )
    assert result.progress.answered_checks == ["check-a"]  # unknown ids are ignored
    assert not result.is_complete
    result = services.lesson_heartbeat(
        user=learner, lesson=lesson, active=False, answered=["check-b"]
    )
    assert result.is_complete


def heartbeat(client, lesson, **payload):
    return client.post(
        reverse("learning:lesson_heartbeat", args=[lesson.pk]),
        data=json.dumps(payload),
        content_type="application/json",
    )


def test_heartbeat_endpoint_ignores_claimed_seconds(client, make_course, learner, clock):
    lesson = lessons_of(make_course(lessons=1, minutes=1))[0]
    client.force_login(learner)
    assert heartbeat(client, lesson, active=False).status_code == 200
    clock.shift(30)
    response = heartbeat(
        client, lesson, active=True, seconds=3600, active_seconds=3600, position=0.5
    )
    data = response.json()
    assert data["active_seconds"] == 30
    assert data["required_seconds"] == 60
    assert data["completed"] is False
    assert progress(learner, lesson).resume_position == 0.5
    clock.shift(30)
    data = heartbeat(client, lesson, active=True, reached_end=True, position=1).json()
    assert data["completed"] is True
    assert data["course_hours_earned"] is True
    assert StudyHourEntry.objects.filter(user=learner).count() == 1


def test_heartbeat_endpoint_refuses_anonymous_and_bad_requests(client, make_course, learner):
    lesson = lessons_of(make_course(lessons=1))[0]
    assert heartbeat(client, lesson, active=True).status_code == 401
    client.force_login(learner)
    url = reverse("learning:lesson_heartbeat", args=[lesson.pk])
    assert client.post(url, data="not json", content_type="application/json").status_code == 400
    assert heartbeat(client, lesson, answered="x").status_code == 400
    assert client.get(url).status_code == 405
    missing = reverse("learning:lesson_heartbeat", args=[999999])
    assert client.post(missing, data="{}", content_type="application/json").status_code == 404
    assert not LessonProgress.objects.exists()


def test_heartbeats_need_a_csrf_token(make_course, learner):
    from django.test import Client

    lesson = lessons_of(make_course(lessons=1))[0]
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(learner)
    assert heartbeat(strict, lesson, active=True).status_code == 403
