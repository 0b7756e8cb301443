"""Admin wiring: the "学习" menu, the offline training upload and the audit actions."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.permissions import register_permission_policy

from cms.admin_scoping import SCOPE_HOOK
from cms.people.selectors import units_visible_to

from . import admin_views, selectors
from .models import CourseUnitAssignment, StudyHourEntry
from .viewsets import MENU_HOOK, LearningViewSetGroup, LedgerPermissionPolicy

register_permission_policy(StudyHourEntry, LedgerPermissionPolicy(StudyHourEntry))


def course_unit_assignments_visible_to(user):
    return CourseUnitAssignment.objects.filter(org_unit__in=units_visible_to(user).values("pk"))


@hooks.register(SCOPE_HOOK)
def register_learning_scopes():
    return [
        (StudyHourEntry, selectors.entries_visible_to),
        (CourseUnitAssignment, course_unit_assignments_visible_to),
    ]


@hooks.register("register_admin_viewset")
def register_learning_viewsets():
    return LearningViewSetGroup()


class TrainingImportMenuItem(MenuItem):
    def is_shown(self, request) -> bool:
        return admin_views.user_can_import_training(request.user)


@hooks.register(MENU_HOOK)
def register_training_import_menu_item():
    return TrainingImportMenuItem(
        _("导入线下培训"),
        reverse("learning_training_upload"),
        name="training-import",
        icon_name="upload",
        order=100,
    )


@hooks.register("register_admin_urls")
def register_training_urls():
    return [
        path("learning/training/", admin_views.training_upload, name="learning_training_upload"),
        path(
            "learning/training/confirm/",
            admin_views.training_confirm,
            name="learning_training_confirm",
        ),
        path(
            "learning/training/template/",
            admin_views.training_template,
            name="learning_training_template",
        ),
    ]


@hooks.register("register_log_actions")
def register_learning_log_actions(actions):
    actions.register_action("learning.lesson.complete", _("完成课节"), _("完成了课节学习"))
    actions.register_action("learning.hours.earn", _("获得学时"), _("学完课程，计入学时"))
    actions.register_action("learning.training.import", _("导入线下培训"), _("导入了线下培训学时"))
