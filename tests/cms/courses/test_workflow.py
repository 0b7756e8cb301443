"""Course moderation: authors draft and submit, only reviewers publish."""

from __future__ import annotations

from decimal import Decimal

import pytest
from allauth.mfa.models import Authenticator
from django.contrib.auth.models import Group
from django.urls import reverse
from wagtail.models import GroupPagePermission, WorkflowState
from wagtail.test.utils.form_data import nested_form_data, rich_text

from cms.courses.models import CoursePage, Track
from cms.courses.services import (
    COURSE_REVIEW_TASK_NAME,
    COURSE_WORKFLOW_NAME,
    course_workflow_setup,
)
from cms.people.models import ROLE_GROUPS, Role, User

pytestmark = pytest.mark.django_db


def staff_user(employee_number: str, role: Role) -> User:
    user = User.objects.create_user(employee_number, name=employee_number, is_staff=True)
    user.groups.add(Group.objects.get(name=ROLE_GROUPS[role]))
    Authenticator.objects.create(
        user=user, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"}
    )
    return user


@pytest.fixture
def draft_course(course_index) -> CoursePage:
    course = CoursePage(
        title="行政复议实务",
        slug="reconsideration",
        live=False,
        track=Track.ADMINISTRATIVE_LAW,
        audience=["all_civil_servants"],
        study_hours=Decimal("2"),
        intro="<p>草稿</p>",
    )
    course_index.add_child(instance=course)
    course.save_revision()
    return course


@pytest.fixture
def workflow(course_index):
    return course_workflow_setup()


def edit_data(course: CoursePage, **actions: str) -> dict:
    data = nested_form_data(
        {
            "title": course.title,
            "slug": course.slug,
            "track": course.track,
            "study_hours": str(course.study_hours),
            "intro": rich_text("<p>修改后的简介</p>"),
            "cover": "",
        }
    )
    data["audience"] = course.audience
    data.update(actions)
    return data


def test_setup_is_idempotent(course_index):
    first = course_workflow_setup()
    counts = (GroupPagePermission.objects.count(), Group.objects.count())
    second = course_workflow_setup()

    assert first.pk == second.pk
    assert (GroupPagePermission.objects.count(), Group.objects.count()) == counts
    assert second.name == COURSE_WORKFLOW_NAME
    assert [task.name for task in second.tasks] == [COURSE_REVIEW_TASK_NAME]
    assert course_index.get_workflow() == second


def test_groups_get_expected_permissions(workflow, course_index):
    def page_codenames(role: Role) -> set[str]:
        return set(
            GroupPagePermission.objects.filter(
                group__name=ROLE_GROUPS[role], page=course_index
            ).values_list("permission__codename", flat=True)
        )

    assert page_codenames(Role.COURSE_AUTHOR) == {"add_page", "change_page"}
    assert page_codenames(Role.COURSE_REVIEWER) == {"add_page", "change_page", "publish_page"}
    for role in (Role.COURSE_AUTHOR, Role.COURSE_REVIEWER):
        user = staff_user(f"u-{role}", role)
        assert user.has_perm("wagtailadmin.access_admin")
        codenames = set(
            user.groups.get().collection_permissions.values_list("permission__codename", flat=True)
        )
        assert codenames == {"add_image", "choose_image", "add_document", "choose_document"}


def test_author_cannot_publish(client, workflow, draft_course):
    author = staff_user("author1", Role.COURSE_AUTHOR)
    client.force_login(author)
    edit_url = reverse("wagtailadmin_pages:edit", args=[draft_course.pk])

    page_html = client.get(edit_url).content.decode()
    response = client.post(edit_url, edit_data(draft_course, **{"action-publish": "1"}))

    assert 'name="action-publish"' not in page_html
    assert 'name="action-submit"' in page_html
    assert response.status_code == 302
    draft_course.refresh_from_db()
    assert not draft_course.live
    assert "修改后的简介" in draft_course.get_latest_revision().content["intro"]


def test_author_submits_and_reviewer_approves(client, workflow, draft_course):
    author = staff_user("author2", Role.COURSE_AUTHOR)
    reviewer = staff_user("reviewer1", Role.COURSE_REVIEWER)
    edit_url = reverse("wagtailadmin_pages:edit", args=[draft_course.pk])

    client.force_login(author)
    client.post(edit_url, edit_data(draft_course, **{"action-submit": "1"}))

    state = WorkflowState.objects.get(
        base_content_type__model="page", object_id=str(draft_course.pk)
    )
    assert state.status == WorkflowState.STATUS_IN_PROGRESS
    assert state.workflow == workflow
    assert state.current_task_state.task.name == COURSE_REVIEW_TASK_NAME
    draft_course.refresh_from_db()
    assert not draft_course.live

    client.force_login(reviewer)
    assert 'name="action-publish"' in client.get(edit_url).content.decode()
    response = client.post(
        edit_url,
        edit_data(
            draft_course,
            **{"action-workflow-action": "1", "workflow-action-name": "approve"},
        ),
    )

    assert response.status_code == 302
    state.refresh_from_db()
    assert state.status == WorkflowState.STATUS_APPROVED
    draft_course.refresh_from_db()
    assert draft_course.live
