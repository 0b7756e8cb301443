"""Writes for course content: the moderation workflow that authors and reviewers work in."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from wagtail.models import (
    Collection,
    GroupApprovalTask,
    GroupCollectionPermission,
    GroupPagePermission,
    Workflow,
    WorkflowPage,
    WorkflowTask,
)

from cms.people.models import ROLE_GROUPS, Role

from .models import CourseIndexPage

COURSE_WORKFLOW_NAME = "课程审核"
COURSE_REVIEW_TASK_NAME = "审核员审核"

# Authors draft and submit; only reviewers may publish (directly or by approving).
AUTHOR_PAGE_PERMISSIONS = ("add_page", "change_page")
REVIEWER_PAGE_PERMISSIONS = ("add_page", "change_page", "publish_page")
MEDIA_PERMISSIONS = {
    "wagtailimages": ("add_image", "choose_image"),
    "wagtaildocs": ("add_document", "choose_document"),
}


def _permission(app_label: str, codename: str) -> Permission:
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def _group_grant(*, group: Group, page_codenames: tuple[str, ...]) -> None:
    """Admin access, page permissions on every course index subtree, image/document use."""
    group.permissions.add(_permission("wagtailadmin", "access_admin"))
    for index_page in CourseIndexPage.objects.all():
        for codename in page_codenames:
            GroupPagePermission.objects.get_or_create(
                group=group, page=index_page, permission=_permission("wagtailcore", codename)
            )
    root_collection = Collection.get_first_root_node()
    for app_label, codenames in MEDIA_PERMISSIONS.items():
        for codename in codenames:
            GroupCollectionPermission.objects.get_or_create(
                group=group,
                collection=root_collection,
                permission=_permission(app_label, codename),
            )


@transaction.atomic
def course_workflow_setup() -> Workflow:
    """Make sure the course author/reviewer groups and the "课程审核" workflow exist.

    Idempotent, so deployments can run it after every content change of the page tree
    (e.g. a new course index page) without creating duplicates.
    """
    authors, _ = Group.objects.get_or_create(name=ROLE_GROUPS[Role.COURSE_AUTHOR])
    reviewers, _ = Group.objects.get_or_create(name=ROLE_GROUPS[Role.COURSE_REVIEWER])
    _group_grant(group=authors, page_codenames=AUTHOR_PAGE_PERMISSIONS)
    _group_grant(group=reviewers, page_codenames=REVIEWER_PAGE_PERMISSIONS)

    workflow, _ = Workflow.objects.get_or_create(name=COURSE_WORKFLOW_NAME)
    if not workflow.active:
        workflow.active = True
        workflow.save(update_fields=["active"])
    task, _ = GroupApprovalTask.objects.get_or_create(name=COURSE_REVIEW_TASK_NAME)
    if not task.active:
        task.active = True
        task.save(update_fields=["active"])
    task.groups.add(reviewers)
    WorkflowTask.objects.get_or_create(workflow=workflow, task=task, defaults={"sort_order": 0})
    for index_page in CourseIndexPage.objects.all():
        WorkflowPage.objects.update_or_create(page=index_page, defaults={"workflow": workflow})
    return workflow
