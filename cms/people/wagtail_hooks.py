"""Admin wiring for people and organisation: menu, viewsets, roster URLs, audit actions."""

from django.core.exceptions import PermissionDenied
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from . import admin_views
from .models import User
from .selectors import people_visible_to
from .viewsets import PEOPLE_MENU_HOOK, PeopleViewSetGroup


@hooks.register("register_admin_viewset")
def register_people_viewsets():
    return PeopleViewSetGroup()


@hooks.register("register_admin_urls")
def register_roster_urls():
    return [
        path("people/roster/", admin_views.roster_upload, name="people_roster_upload"),
        path("people/roster/confirm/", admin_views.roster_confirm, name="people_roster_confirm"),
        path("people/roster/template/", admin_views.roster_template, name="people_roster_template"),
    ]


class RosterMenuItem(MenuItem):
    def is_shown(self, request):
        return admin_views.user_can_import_roster(request.user)


@hooks.register(PEOPLE_MENU_HOOK)
def register_roster_menu_item():
    return RosterMenuItem(
        _("导入花名册"), reverse("people_roster_upload"), icon_name="upload", order=400
    )


@hooks.register("register_log_actions")
def register_people_log_actions(actions):
    actions.register_action("people.role_assign", _("授予角色"), _("授予了角色"))
    actions.register_action("people.role_revoke", _("撤销角色"), _("撤销了角色"))
    actions.register_action("people.roster_import", _("导入花名册"), _("导入了花名册"))


@hooks.register("before_bulk_action")
def keep_user_bulk_actions_in_scope(request, action_type, objects, action_class_instance):
    """Wagtail's user bulk actions act on raw ids; hold scoped staff to their subtree.

    Group ("role") changes go through role assignments, so only superusers may bulk-assign.
    """
    if action_class_instance.model is not User or request.user.is_superuser:
        return None
    if action_type == "assign_role":
        raise PermissionDenied
    visible = set(
        people_visible_to(request.user)
        .filter(pk__in=[o.pk for o in objects])
        .values_list("pk", flat=True)
    )
    if any(o.pk not in visible for o in objects):
        raise PermissionDenied
    return None
