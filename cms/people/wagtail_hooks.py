"""Admin wiring for people and organisation: menu, viewsets, roster URLs, audit actions."""

from django.core.exceptions import PermissionDenied
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.users.views.bulk_actions import (
    AssignRoleBulkAction,
    DeleteBulkAction,
    SetActiveStateBulkAction,
)

from cms.admin_scoping import SCOPE_HOOK

from . import admin_views
from .models import OrgUnit, RoleAssignment, User
from .selectors import (
    people_manageable_by,
    people_visible_to,
    role_assignments_visible_to,
    units_visible_to,
)
from .viewsets import PEOPLE_MENU_HOOK, PeopleViewSetGroup


@hooks.register(SCOPE_HOOK)
def register_people_scopes():
    return [
        (User, people_visible_to),
        (OrgUnit, units_visible_to),
        (RoleAssignment, role_assignments_visible_to),
    ]


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
    actions.register_action("people.password_set", _("重设密码"), _("重设了登录密码"))


class ScopedPersonBulkActionMixin:
    """Wagtail's user bulk actions take raw ids: keep them to people the requester may manage.

    A request naming anyone outside the requester's scope is refused as a whole (403, before
    the confirmation page names anyone); "select all" means all of the requester's listing.
    People in scope whom the requester may not manage (superusers, equal or higher roles)
    are listed as "no access" and left alone.
    """

    def get_all_objects_in_listing_query(self, parent_id):
        ids = list(super().get_all_objects_in_listing_query(parent_id))
        return list(
            people_visible_to(self.request.user).filter(pk__in=ids).values_list("pk", flat=True)
        )

    def get_actionable_objects(self):
        objects, without_access = super().get_actionable_objects()
        requested = [*objects, *without_access.get("items_with_no_access", [])]
        ids = [o.pk for o in requested]
        if people_visible_to(self.request.user).filter(pk__in=ids).count() != len(set(ids)):
            raise PermissionDenied
        manageable = set(
            people_manageable_by(self.request.user).filter(pk__in=ids).values_list("pk", flat=True)
        )
        without_access["items_with_no_access"] = [o for o in requested if o.pk not in manageable]
        return [o for o in objects if o.pk in manageable], without_access


class ScopedDeleteBulkAction(ScopedPersonBulkActionMixin, DeleteBulkAction):
    pass


class ScopedSetActiveStateBulkAction(ScopedPersonBulkActionMixin, SetActiveStateBulkAction):
    pass


class SuperuserAssignRoleBulkAction(ScopedPersonBulkActionMixin, AssignRoleBulkAction):
    """Raw group changes are for superusers; others give roles through role assignments."""

    def check_perm(self, obj):
        return self.request.user.is_superuser and super().check_perm(obj)


# Registered after Wagtail's own (a later registration for the same action type wins).
for _action in (
    ScopedDeleteBulkAction,
    ScopedSetActiveStateBulkAction,
    SuperuserAssignRoleBulkAction,
):
    hooks.register("register_bulk_action", _action, order=100)


@hooks.register("before_bulk_action")
def keep_user_bulk_actions_in_scope(request, action_type, objects, action_class_instance):
    """Last line of defence for user bulk actions: only people the requester may manage.

    Group ("role") changes go through role assignments, so only superusers may bulk-assign.
    """
    if action_class_instance.model is not User or request.user.is_superuser:
        return None
    if action_type == "assign_role":
        raise PermissionDenied
    manageable = set(
        people_manageable_by(request.user)
        .filter(pk__in=[o.pk for o in objects])
        .values_list("pk", flat=True)
    )
    if any(o.pk not in manageable for o in objects):
        raise PermissionDenied
    return None
