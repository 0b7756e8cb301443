"""'My learning', the course page and the lesson page: what the learner sees, query budgets."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from learning import services
from learning.models import CourseUnitAssignment, Enrolment, EnrolmentSource
from tests.factories import OrgUnitFactory, UserFactory

from .conftest import lessons_of, study

pytestmark = pytest.mark.django_db


def bar(html: str, marker: str) -> int:
    """The aria-valuenow of the progress bar carrying ``marker``."""
    match = re.search(
        marker + r'[^>]*aria-valuenow="(\d+)"|aria-valuenow="(\d+)"[^>]*' + marker, html
    )
    assert match, marker
    return int(match.group(1) or match.group(2))


def test_my_learning_shows_year_hours_and_course_progress(client, make_course, learner, clock):
    course = make_course(lessons=2, minutes=1, hours="20")
    first, second = lessons_of(course)
    client.force_login(learner)
    html = client.get(reverse("learning:my_learning")).content.decode()
    assert "2026 年度学时" in html and "还差 40 学时" in html
    assert bar(html, "data-year-progress") == 0
    study(learner, first, minutes=1, clock=clock, reached_end=True)
    study(learner, second, minutes=0.5, clock=clock, position=0.3)
    html = client.get(reverse("learning:my_learning")).content.decode()
    assert "已完成 1 / 2 课" in html
    assert re.search(rf'data-course-progress="{course.pk}".*?aria-valuenow="75"', html, re.S)
    assert "继续学习：第2课" in html
    study(learner, second, minutes=0.5, clock=clock, reached_end=True)
    html = client.get(reverse("learning:my_learning")).content.decode()
    assert bar(html, "data-year-progress") == 50
    assert "还差 20 学时" in html and "已完成的课程" in html and course.title in html


def test_my_learning_needs_login(client):
    response = client.get(reverse("learning:my_learning"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("courses", [3, 12])
def test_my_learning_query_budget(
    client, make_course, learner, clock, courses, django_assert_max_num_queries
):
    for _ in range(courses):
        course = make_course(lessons=2, minutes=1)
        study(learner, lessons_of(course)[0], minutes=0.5, clock=clock)
    client.force_login(learner)
    client.get(reverse("learning:my_learning"))  # warm the site root cache
    with django_assert_max_num_queries(17):  # header: unread count
        response = client.get(reverse("learning:my_learning"))
    assert response.content.decode().count("data-course-progress=") == courses


@pytest.mark.parametrize("lessons", [3, 12])
def test_course_page_shows_progress_per_lesson_in_budget(
    client, make_course, learner, clock, lessons, django_assert_max_num_queries
):
    course = make_course(lessons=lessons, minutes=1)
    items = lessons_of(course)
    study(learner, items[0], minutes=1, clock=clock, reached_end=True)
    study(learner, items[1], minutes=0.5, clock=clock)
    client.force_login(learner)
    client.get(course.url)
    with django_assert_max_num_queries(16):
        html = client.get(course.url).content.decode()
    assert html.count('data-lesson-status="done"') == 1
    assert html.count('data-lesson-status="started"') == 1
    assert html.count('data-lesson-status="new"') == lessons - 2
    assert f"已完成 1 / {lessons} 课" in html


def test_lesson_page_shows_accrued_time_and_resume_position(
    client, make_course, learner, clock, django_assert_max_num_queries
):
    lesson = lessons_of(make_course(lessons=1, minutes=2))[0]
    study(learner, lesson, minutes=1.5, clock=clock, position=0.42)
    client.force_login(learner)
    client.get(lesson.url)
    with django_assert_max_num_queries(16):
        html = client.get(lesson.url).content.decode()
    assert "1 分 30 秒" in html
    assert 'data-resume-position="0.4200"' in html
    assert 'data-required-seconds="120"' in html
    anonymous = client.__class__().get(lesson.url).content.decode()
    assert "后学习，学习时间才能计入学时" in anonymous


def test_courses_are_assigned_by_audience_and_unit(make_course):
    unit = OrgUnitFactory()
    sub = OrgUnitFactory(parent=unit)
    for_all = make_course(lessons=1)
    for_officers = make_course(lessons=1, audience=["enforcement_officers"])
    for_cadres = make_course(lessons=1, audience=["leading_cadres"])
    for_unit = make_course(lessons=1, audience=["leading_cadres"])
    CourseUnitAssignment.objects.create(course=for_unit, org_unit=unit)
    clerk = UserFactory(org_unit=sub)
    officer = UserFactory(is_enforcement_officer=True)
    assert services.course_assignments_sync(year=2026, people=[clerk, officer]) == 4
    assert services.course_assignments_sync(year=2026, people=[clerk, officer]) == 0

    def assigned(person):
        return set(
            Enrolment.objects.filter(
                user=person, year=2026, source=EnrolmentSource.ASSIGNED
            ).values_list("course_id", flat=True)
        )

    assert assigned(clerk) == {for_all.pk, for_unit.pk}
    assert assigned(officer) == {for_all.pk, for_officers.pk}
    assert for_cadres.pk not in assigned(clerk) | assigned(officer)


def test_enrolling_in_an_open_course(client, make_course, learner):
    course = make_course(lessons=1, audience=["leading_cadres"])
    client.force_login(learner)
    assert course.title not in client.get(reverse("learning:my_learning")).content.decode()
    response = client.post(reverse("learning:course_enrol", args=[course.pk]))
    assert response.status_code == 302
    html = client.get(reverse("learning:my_learning")).content.decode()
    assert course.title in html and "选学" in html
