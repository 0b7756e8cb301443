"""A person given the exam-administrator role can use the question bank and sessions at once."""

import pytest
from django.urls import reverse

from cms.people.models import Role
from cms.people.services import role_assign
from tests.factories import UserFactory, give_totp

pytestmark = pytest.mark.django_db


def test_exam_admin_role_reaches_the_bank_and_sessions(client, org):
    admin = UserFactory(org_unit=org.city)
    role_assign(user=admin, role=Role.EXAM_ADMIN, scope=org.city)
    give_totp(admin)
    client.force_login(admin)
    for name in (
        "wagtailsnippets_exams_question:list",
        "exams_topics:index",
        "exams_sessions:index",
        "exams_blueprints:index",
    ):
        url = reverse(name)
        response = client.get(url)
        assert response.status_code == 200, url
    learner = UserFactory(org_unit=org.city)
    client.force_login(learner)
    assert client.get("/admin/exams/questions/").status_code in (302, 403)
