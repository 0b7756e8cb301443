"""Fixtures for the learning app: a site with courses and lessons, learners, a clock."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Callable
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from wagtail.models import Page, Site

from cms.courses.models import CourseIndexPage, CoursePage, HomePage, LessonPage, Track
from learning import services
from tests.factories import UserFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")


def block(block_type: str, value, block_id: str | None = None) -> dict:
    return {"type": block_type, "value": value, "id": block_id or str(uuid.uuid4())}


def self_check(block_id: str) -> dict:
    return block(
        "self_check",
        {
            "question": "行政复议申请期限一般是多少？",
            "options": [
                {"text": "六十日", "is_correct": True},
                {"text": "十五日", "is_correct": False},
            ],
            "explanation": "<p>见行政复议法第二十条。</p>",
        },
        block_id,
    )


@pytest.fixture
def course_index(db) -> CourseIndexPage:
    root = Page.get_first_root_node()
    home = HomePage(title="学法平台", slug="learning-home")
    root.add_child(instance=home)
    home.save_revision().publish()
    site = Site.objects.get(is_default_site=True)
    site.root_page = home
    site.save()
    index = CourseIndexPage(title="课程中心", slug="courses")
    home.add_child(instance=index)
    index.save_revision().publish()
    return index


@pytest.fixture
def make_course(course_index: CourseIndexPage) -> Callable[..., CoursePage]:
    """A published course with ``lessons`` published lessons of ``minutes`` minimum each."""
    counter = {"n": 0}

    def make(
        *,
        lessons: int = 2,
        minutes: int = 10,
        hours: str = "2",
        audience: list[str] | None = None,
        body: list[dict] | None = None,
        title: str | None = None,
    ) -> CoursePage:
        counter["n"] += 1
        course = CoursePage(
            title=title or f"行政复议{counter['n']}",
            slug=f"course-{counter['n']}",
            track=Track.ADMINISTRATIVE_LAW,
            audience=audience if audience is not None else ["all_civil_servants"],
            study_hours=Decimal(hours),
            intro="<p>课程简介</p>",
        )
        course_index.add_child(instance=course)
        course.save_revision().publish()
        for number in range(1, lessons + 1):
            lesson = LessonPage(
                title=f"第{number}课",
                slug=f"lesson-{number}",
                summary=f"第{number}课摘要",
                min_active_minutes=minutes,
                body=body if body is not None else [block("paragraph", "<p>正文</p>")],
            )
            course.add_child(instance=lesson)
            lesson.save_revision().publish()
        return course

    return make


def lessons_of(course: CoursePage) -> list[LessonPage]:
    return list(LessonPage.objects.live().child_of(course).order_by("path"))


@pytest.fixture
def learner(db):
    return UserFactory(name="张晓明")


@pytest.fixture
def clock():
    """A controllable clock (server side): ``clock.shift(seconds)``."""
    start = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)
    with time_machine.travel(start, tick=False) as traveller:
        yield traveller


def study(user, lesson, *, minutes: float, clock, step: int = 30, **kwargs):
    """Honest heartbeats every ``step`` seconds for ``minutes`` (plus the opening beat)."""
    result = services.lesson_heartbeat(user=user, lesson=lesson, active=False)
    for _ in range(int(minutes * 60 // step)):
        clock.shift(step)
        result = services.lesson_heartbeat(user=user, lesson=lesson, active=True, **kwargs)
    return result
