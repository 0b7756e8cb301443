"""The demo courses, loaded from the real law library and the implementation plan."""

from __future__ import annotations

import pytest
from django.conf import settings
from wagtail.models import Page, Site

from cms.courses.demo import demo_courses_load
from cms.courses.models import CourseIndexPage, CoursePage, HomePage, LessonPage, Track
from cms.courses.services import COURSE_WORKFLOW_NAME
from cms.laws.models import Article, Law
from cms.laws.services import law_library_import, policy_documents_import

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def law_library(django_db_setup, django_db_blocker):
    """All of shared/laws and the implementation plan, imported once for this module and
    removed afterwards."""
    with django_db_blocker.unblock():
        law_library_import(directory=settings.SHARED_DIR / "laws")
        policy_documents_import(base_dir=settings.SHARED_DIR)
    yield
    with django_db_blocker.unblock():
        Law.objects.all().delete()


@pytest.fixture
def demo(law_library) -> dict[str, int]:
    return demo_courses_load()


def law_quotes(lesson: LessonPage) -> list[Article]:
    return [child.value["article"] for child in lesson.body if child.block_type == "law_article"]


def test_first_load_creates_site_and_second_load_nothing(demo):
    page_count = Page.objects.count()

    again = demo_courses_load()

    assert demo == {"home": 1, "course_index": 1, "courses": 3, "lessons": 20}
    assert again == {"home": 0, "course_index": 0, "courses": 0, "lessons": 0}
    assert Page.objects.count() == page_count
    site = Site.objects.get(is_default_site=True)
    assert isinstance(site.root_page.specific, HomePage)
    assert site.root_page.url == "/"
    assert Page.objects.filter(depth=2).count() == 1  # Wagtail's "Welcome" page is gone
    assert CourseIndexPage.objects.get().get_workflow().name == COURSE_WORKFLOW_NAME


def test_all_demo_pages_are_live_and_render(client, demo):
    pages = Page.objects.live().filter(depth__gt=1)
    assert pages.count() == 2 + 3 + 20

    for page in pages:
        response = client.get(page.url)
        assert response.status_code == 200, page.url


def test_every_law_quote_points_at_an_existing_current_article(demo):
    lessons = LessonPage.objects.all()
    quotes = [article for lesson in lessons for article in law_quotes(lesson)]

    assert len(quotes) > 40
    assert all(article is not None and article.pk for article in quotes)
    assert all(article.version.is_current for article in quotes)


def test_constitution_lessons_follow_its_chapters(demo):
    course = CoursePage.objects.get(track=Track.CONSTITUTION)
    lessons = list(LessonPage.objects.child_of(course).order_by("path"))

    assert [lesson.title for lesson in lessons] == [
        "序言",
        "第一章 总纲",
        "第二章 公民的基本权利和义务",
        "第三章 国家机构",
        "第四章 国旗、国歌、国徽、首都",
    ]
    assert "具有最高的法律效力" in str(lessons[0].body)
    for lesson in lessons[1:]:
        quotes = law_quotes(lesson)
        assert len(quotes) >= 3
        assert {article.chapter for article in quotes} == {lesson.title}


def test_administrative_law_course_quotes_each_law_and_current_reconsideration_law(demo):
    course = CoursePage.objects.get(track=Track.ADMINISTRATIVE_LAW)
    quoted_laws = {
        lesson.title: {article.version.law.key for article in law_quotes(lesson)}
        for lesson in LessonPage.objects.child_of(course)
    }

    assert quoted_laws == {
        "行政许可法": {"administrative-licensing-law"},
        "行政处罚法": {"administrative-penalty-law"},
        "行政强制法": {"administrative-compulsion-law"},
        "行政复议法": {"administrative-reconsideration-law"},
        "行政诉讼法": {"administrative-litigation-law"},
        "国家赔偿法": {"state-compensation-law"},
    }
    reconsideration = LessonPage.objects.child_of(course).get(title="行政复议法")
    assert {a.version.version_date.year for a in law_quotes(reconsideration)} == {2023}


def test_every_lesson_has_a_self_check_with_a_key(demo):
    for lesson in LessonPage.objects.all():
        checks = [child.value for child in lesson.body if child.block_type == "self_check"]
        assert checks, lesson.title
        for check in checks:
            assert any(option["is_correct"] for option in check["options"]), lesson.title
            assert 2 <= len(check["options"]) <= 6


def test_plan_course_has_one_lesson_per_section_with_the_plan_text(demo, client):
    course = CoursePage.objects.get(track=Track.RULE_OF_LAW_PLAN)
    lessons = list(LessonPage.objects.child_of(course).order_by("path"))
    plan = (settings.SHARED_DIR / "content" / "implementation-plan.txt").read_text()

    assert len(lessons) == 9
    assert lessons[0].title == "一、指导思想、目标和基本要求"
    assert lessons[-1].title == "三、组织领导和工作机制"
    assert course.audience == ["all_civil_servants"]
    assert "任何单位和个人不得向执法人员下达或变相下达罚款指标和收费指标" in str(lessons[1].body)
    assert "法制办" in plan and "领导小组办公室设在市法制办" in str(lessons[-1].body)
    # Every unit of the plan is quoted once, from the library, with a link to its anchor.
    quoted = [article for lesson in lessons for article in law_quotes(lesson)]
    units = Article.objects.filter(version__law__key="implementation-plan").order_by("number")
    assert [article.pk for article in quoted] == [unit.pk for unit in units]
    assert [a.label for a in law_quotes(lessons[1])][:2] == ["二（一）1", "二（一）1（1）"]
    html = client.get(lessons[1].url).content.decode()
    assert 'href="/laws/implementation-plan/2006-01-01/#unit-2-1-3"' in html
    assert "——《市政府依法行政实施方案》二（一）3" in html
