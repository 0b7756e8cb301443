"""The home page shows a signed-in person's open exams through exams' template tag."""

import pytest
from django.template import Context, Template
from django.test import RequestFactory

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TEMPLATE = Template("{% load exams_tags %}{% my_open_exams %}")


def _render(user) -> str:
    request = RequestFactory().get("/")
    request.user = user
    return TEMPLATE.render(Context({"request": request}))


def test_open_sessions_are_listed_for_an_eligible_person(
    open_session, org, django_assert_max_num_queries
):
    person = UserFactory(org_unit=org.districts[0])
    with django_assert_max_num_queries(4):
        html = _render(person)
    assert open_session.title in html


def test_visitors_and_ineligible_people_see_no_exam(open_session):
    from django.contrib.auth.models import AnonymousUser

    assert open_session.title not in _render(AnonymousUser())
    assert open_session.title not in _render(UserFactory(org_unit=None))
