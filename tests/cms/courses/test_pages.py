"""The course page types: tree rules, admin creation, rendering and query budgets."""

from __future__ import annotations

from decimal import Decimal

import pytest
from allauth.mfa.models import Authenticator
from django.core.exceptions import ValidationError
from wagtail.models import Page, Site
from wagtail.test.utils import WagtailPageTestCase
from wagtail.test.utils.form_data import nested_form_data, rich_text

from cms.courses.models import (
    AUDIENCE_INVALID,
    CourseIndexPage,
    CoursePage,
    HomePage,
    LessonPage,
    Track,
)
from tests.conftest import SignedInClient

from .conftest import block, self_check_value

pytestmark = pytest.mark.django_db

# Queries for one page view, whatever the number of lessons (measured after a warm-up
# request, so the site-root cache is in place). Wagtail's routing takes one query per tree
# level plus view restrictions; the rest are the page's own listings.
COURSE_PAGE_QUERIES = 10
# The lesson's law quotes: two more for the current counterparts of amended articles
# (the stored alignments and their rows), whatever the number of quotes.
LESSON_PAGE_QUERIES = 17
HOME_PAGE_QUERIES = 7


class TestPageTree(WagtailPageTestCase):
    client_class = SignedInClient  # force_login leaves the session as allauth's TOTP login does

    def test_parent_and_child_types(self):
        self.assertCanCreateAt(Page, HomePage)
        self.assertAllowedSubpageTypes(HomePage, {CourseIndexPage})
        self.assertAllowedSubpageTypes(CourseIndexPage, {CoursePage})
        self.assertAllowedSubpageTypes(CoursePage, {LessonPage})
        self.assertAllowedSubpageTypes(LessonPage, set())
        self.assertAllowedParentPageTypes(LessonPage, {CoursePage})
        self.assertCanNotCreateAt(HomePage, CoursePage)
        self.assertCanNotCreateAt(CourseIndexPage, LessonPage)

    def test_admin_creates_course_with_several_audiences(self):
        root = Page.get_first_root_node()
        home = root.add_child(instance=HomePage(title="首页", slug="home-a"))
        index = home.add_child(instance=CourseIndexPage(title="课程中心", slug="courses"))
        user = self.login()
        Authenticator.objects.create(
            user=user, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"}
        )
        self.client.force_login(user)
        data = nested_form_data(
            {
                "title": "行政执法实务",
                "slug": "enforcement",
                "track": Track.SPECIALISED_LAW,
                "study_hours": "2.5",
                "intro": rich_text("<p>执法实务</p>"),
                "cover": "",
            }
        )
        data["audience"] = ["leading_cadres", "enforcement_officers"]  # check boxes
        self.assertCanCreate(index, CoursePage, data)
        course = CoursePage.objects.get(slug="enforcement")
        assert course.audience == ["leading_cadres", "enforcement_officers"]
        assert course.audience_labels == ["领导干部", "行政执法人员"]
        assert course.study_hours == Decimal("2.5")

    def test_course_and_lesson_are_renderable(self):
        root = Page.get_first_root_node()
        home = root.add_child(instance=HomePage(title="首页", slug="home-b"))
        site = Site.objects.get(is_default_site=True)
        site.root_page = home
        site.save()  # save(), not update(): clears the cached site root paths
        index = home.add_child(instance=CourseIndexPage(title="课程中心", slug="courses"))
        course = index.add_child(
            instance=CoursePage(
                title="宪法",
                slug="constitution",
                track=Track.CONSTITUTION,
                audience=["all_civil_servants"],
                study_hours=Decimal("4"),
                intro="<p>宪法</p>",
            )
        )
        lesson = course.add_child(
            instance=LessonPage(
                title="总纲",
                slug="general",
                summary="总纲",
                body=[block("self_check", self_check_value())],
            )
        )
        for page in (home, index, course, lesson):
            self.assertPageIsRenderable(page)
        self.assertPageIsRenderable(index, query_data={"track": Track.CONSTITUTION})


def test_audience_must_be_known_values():
    course = CoursePage(
        title="x",
        slug="x",
        track=Track.CONSTITUTION,
        audience=["everyone"],
        study_hours=Decimal("1"),
        intro="<p>x</p>",
    )
    with pytest.raises(ValidationError) as excinfo:
        course.full_clean()
    assert str(AUDIENCE_INVALID) in str(excinfo.value.message_dict["audience"])


def test_lesson_min_active_minutes_defaults_to_ten():
    assert LessonPage().min_active_minutes == 10


def test_course_page_lists_live_lessons_in_order_with_minimum_time(client, make_course):
    course = make_course(lessons=3)
    draft = LessonPage(title="未发布的课", slug="draft", summary="s", body=[], live=False)
    course.add_child(instance=draft)

    html = client.get(course.url).content.decode()

    assert html.index("第1课") < html.index("第2课") < html.index("第3课")
    assert "至少 11 分钟" in html and "至少 13 分钟" in html
    assert "36 分钟" in html  # 11 + 12 + 13
    assert "未发布的课" not in html
    assert "全体公务员" in html


def test_lesson_page_has_breadcrumb_navigation_and_requirement(client, make_course):
    course = make_course(lessons=3)
    lessons = list(LessonPage.objects.child_of(course).order_by("path"))

    html = client.get(lessons[1].url).content.decode()

    assert 'class="breadcrumb"' in html
    assert f'href="{course.url}"' in html
    assert f'rel="prev" href="{lessons[0].url}"' in html
    assert f'rel="next" href="{lessons[2].url}"' in html
    assert "学习要求: 至少 12 分钟" in html
    assert "第 2 课，共 3 课" in html


def test_first_and_last_lessons_have_one_neighbour(client, make_course):
    course = make_course(lessons=2)
    first, last = LessonPage.objects.child_of(course).order_by("path")

    first_html = client.get(first.url).content.decode()
    last_html = client.get(last.url).content.decode()

    assert 'rel="prev"' not in first_html and 'rel="next"' in first_html
    assert 'rel="prev"' in last_html and 'rel="next"' not in last_html


def test_home_page_groups_live_courses_by_track(client, home, make_course):
    make_course(slug="c1", title="宪法精读", track=Track.CONSTITUTION, lessons=2)
    make_course(slug="c2", title="行政许可", track=Track.ADMINISTRATIVE_LAW, lessons=4)
    hidden = make_course(slug="c3", title="未上线课程", track=Track.CONSTITUTION, lessons=1)
    hidden.unpublish()

    html = client.get("/").content.decode()

    assert (
        html.index("宪法精读")
        < html.index('id="track-administrative_law"')
        < html.index("行政许可")
    )
    assert "2 课" in html and "4 课" in html
    assert "未上线课程" not in html
    assert 'id="track-specialised_law"' not in html


def test_course_index_filters_by_track(client, course_index, make_course):
    make_course(slug="c1", title="宪法精读", track=Track.CONSTITUTION)
    make_course(slug="c2", title="行政许可", track=Track.ADMINISTRATIVE_LAW)

    filtered = client.get(course_index.url, {"track": Track.CONSTITUTION}).content.decode()
    unknown = client.get(course_index.url, {"track": "nonsense"}).content.decode()

    assert "宪法精读" in filtered and "行政许可" not in filtered
    assert 'aria-current="true">宪法<' in filtered
    assert "宪法精读" in unknown and "行政许可" in unknown


def test_lessons_are_found_by_wagtail_search(make_course):
    course = make_course(lessons=1, body=[block("paragraph", "<p>当事人不承担 听证费用</p>")])
    lesson = LessonPage.objects.child_of(course).get()

    results = LessonPage.objects.live().search("听证费用")
    # the database backend splits words at spaces only, hence the spaced text above

    assert lesson in list(results)


@pytest.mark.parametrize("lesson_count", [3, 12])
def test_course_page_query_budget(client, make_course, lesson_count, django_assert_max_num_queries):
    course = make_course(lessons=lesson_count)
    client.get(course.url)

    with django_assert_max_num_queries(COURSE_PAGE_QUERIES):
        response = client.get(course.url)

    assert response.status_code == 200
    assert response.content.decode().count("lesson-list__summary") == lesson_count


@pytest.mark.parametrize("lesson_count", [3, 12])
def test_lesson_page_query_budget(
    client, make_course, reconsideration_articles, lesson_count, django_assert_max_num_queries
):
    quotes = [
        block("law_article", {"article": article.pk, "note": ""})
        for article in reconsideration_articles.values()
    ] * (lesson_count // 3)
    course = make_course(
        lessons=lesson_count, body=[*quotes, block("self_check", self_check_value())]
    )
    lesson = LessonPage.objects.child_of(course).order_by("path")[1]
    client.get(lesson.url)

    with django_assert_max_num_queries(LESSON_PAGE_QUERIES):
        response = client.get(lesson.url)

    assert response.status_code == 200
    assert response.content.decode().count("law-quote__source") == len(quotes)


@pytest.mark.parametrize("course_count", [1, 4])
def test_home_page_query_budget(
    client, home, make_course, course_count, django_assert_max_num_queries
):
    for number in range(course_count):
        make_course(slug=f"c{number}", title=f"课程{number}", lessons=number + 2)
    client.get("/")

    with django_assert_max_num_queries(HOME_PAGE_QUERIES):
        response = client.get("/")

    assert response.content.decode().count('class="card course-card"') == course_count
