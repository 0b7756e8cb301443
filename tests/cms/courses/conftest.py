"""Fixtures for the course pages: a site rooted at a HomePage, courses, and law articles."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Callable
from decimal import Decimal

import pytest
from wagtail.models import Page, Site

from cms.courses.models import CourseIndexPage, CoursePage, HomePage, LessonPage, Track
from cms.laws.models import Article, Law, LawVersion


@pytest.fixture
def home() -> HomePage:
    """A published HomePage as the default site's root (as after the demo load)."""
    root = Page.get_first_root_node()
    home = HomePage(title="学法平台", slug="test-home", intro="<p>欢迎</p>")
    root.add_child(instance=home)
    home.save_revision().publish()
    site = Site.objects.get(is_default_site=True)
    site.root_page = home
    site.save()
    return home


@pytest.fixture
def course_index(home: HomePage) -> CourseIndexPage:
    index = CourseIndexPage(title="课程中心", slug="courses")
    home.add_child(instance=index)
    index.save_revision().publish()
    return index


@pytest.fixture
def reconsideration_articles() -> dict[str, Article]:
    """行政复议法 in two versions (2017 amended by 2023): the old and the new time-limit article."""
    law = Law.objects.create(
        key="administrative-reconsideration-law",
        title="中华人民共和国行政复议法",
        short_title="行政复议法",
        category="行政法",
    )
    old = LawVersion.objects.create(
        law=law, version_date=datetime.date(2017, 9, 1), source_file="a.md", is_current=False
    )
    new = LawVersion.objects.create(
        law=law, version_date=datetime.date(2023, 9, 1), source_file="b.md", is_current=True
    )
    return {
        "old": Article.objects.create(
            version=old,
            number=9,
            label="第九条",
            chapter="第二章 行政复议申请",
            text="公民、法人或者其他组织认为具体行政行为侵犯其合法权益的，"
            "可以自知道该具体行政行为之日起六十日内提出行政复议申请；"
            "但是法律规定的申请期限超过六十日的除外。\n"
            "因不可抗力或者其他正当理由耽误法定申请期限的，申请期限自障碍消除之日起继续计算。",
        ),
        "new": Article.objects.create(
            version=new,
            number=20,
            label="第二十条",
            chapter="第二章 行政复议申请",
            text="公民、法人或者其他组织认为行政行为侵犯其合法权益的，"
            "可以自知道或者应当知道该行政行为之日起六十日内提出行政复议申请；"
            "但是法律规定的申请期限超过六十日的除外。",
        ),
    }


def block(block_type: str, value) -> dict:
    return {"type": block_type, "value": value, "id": str(uuid.uuid4())}


def self_check_value(question: str = "复议申请期限是多少？") -> dict:
    return {
        "question": question,
        "options": [
            {"text": "六十日", "is_correct": True},
            {"text": "十五日", "is_correct": False},
        ],
        "explanation": "<p>见行政复议法第二十条。</p>",
    }


@pytest.fixture
def make_course(course_index: CourseIndexPage) -> Callable[..., CoursePage]:
    """Build a published course with ``lessons`` published lessons."""

    def make(
        *,
        slug: str = "course",
        title: str = "行政复议",
        track: str = Track.ADMINISTRATIVE_LAW,
        lessons: int = 3,
        body: list[dict] | None = None,
    ) -> CoursePage:
        course = CoursePage(
            title=title,
            slug=slug,
            track=track,
            audience=["all_civil_servants"],
            study_hours=Decimal("2"),
            intro="<p>课程简介</p>",
        )
        course_index.add_child(instance=course)
        course.save_revision().publish()
        for number in range(1, lessons + 1):
            lesson = LessonPage(
                title=f"第{number}课",
                slug=f"lesson-{number}",
                summary=f"第{number}课摘要",
                min_active_minutes=10 + number,
                body=body if body is not None else [block("paragraph", "<p>正文</p>")],
            )
            course.add_child(instance=lesson)
            lesson.save_revision().publish()
        return course

    return make
