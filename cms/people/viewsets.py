"""Back office for people, org units and role assignments (Wagtail viewsets).

Every viewset here is a ``ScopedViewSetMixin`` (``cms.admin_scoping``): every listing and
every object view (edit, delete, history, usage...) takes its queryset from ``selectors``, so
a staff member scoped to a district neither sees nor opens anything outside that district.
On top of scope, a person's account is changed only by someone who may manage them
(``selectors.user_may_manage_person``): never a superuser or an equal or higher role.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.tables import (
    BooleanColumn,
    BulkActionsCheckboxColumn,
    Column,
    DateColumn,
    TitleColumn,
)
from wagtail.admin.views import generic
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.users.views import users as wagtail_users

from cms.admin_scoping import ScopedViewSetMixin

from .forms import (
    OrgUnitCreateForm,
    OrgUnitEditForm,
    PersonCreationForm,
    PersonEditForm,
    RoleAssignmentForm,
)
from .models import OrgUnit, RoleAssignment
from .selectors import (
    people_manageable_by,
    people_visible_to,
    role_assignments_visible_to,
    unit_ancestor_names,
    units_visible_to,
    user_may_manage_person,
)
from .services import (
    PERSON_NOT_MANAGEABLE,
    org_unit_create,
    org_unit_delete,
    person_set_password,
    role_assign,
    role_revoke,
)

PEOPLE_MENU_HOOK = "register_people_menu_item"
ASSIGNMENT_NOT_EDITABLE = _("角色授权不能修改：请撤销后重新授予。")


# --- org units ---------------------------------------------------------------------------------
class OrgUnitIndexView(generic.IndexView):
    def get_base_queryset(self):
        return units_visible_to(self.request.user)

    def paginate_queryset(self, queryset, page_size):
        paginator, page, object_list, is_paginated = super().paginate_queryset(queryset, page_size)
        units = list(object_list)
        paths = unit_ancestor_names(units)  # one query for the whole page
        for unit in units:
            unit.path_display = paths.get(unit.path, unit.name)
        return paginator, page, units, is_paginated

    @cached_property
    def columns(self):
        title_column = self._get_title_column_class(TitleColumn)
        return [
            title_column(
                "name",
                label=_("名称"),
                accessor=lambda u: (
                    "\u3000" * (u.depth - 1) + ("└ " if u.depth > 1 else "") + u.name
                ),
                get_url=self.get_edit_url,
                sort_key="path",
            ),
            Column("code", label=_("单位代码"), sort_key="code"),
            Column("kind", label=_("层级"), accessor="get_kind_display"),
            Column("depth", label=_("级别"), sort_key="depth", width="8%"),
            Column("path_display", label=_("单位路径")),
        ]


class OrgUnitCreateView(generic.CreateView):
    def save_instance(self):
        data = self.form.cleaned_data
        return org_unit_create(
            name=data["name"],
            code=data["code"],
            kind=data["kind"],
            parent=data.get("parent"),
            area_code=data.get("area_code", ""),
            actor=self.request.user,
        )


class OrgUnitEditView(generic.EditView):
    def get_queryset(self):
        return units_visible_to(self.request.user)


class OrgUnitDeleteView(generic.DeleteView):
    def get_queryset(self):
        return units_visible_to(self.request.user)

    def form_valid(self, form):
        try:
            org_unit_delete(unit=self.object, actor=self.request.user)
        except ValidationError as exc:
            messages.error(self.request, exc.messages[0])
            return redirect(self.get_success_url())
        messages.success(self.request, self.get_success_message())
        return redirect(self.get_success_url())


class OrgUnitViewSet(ScopedViewSetMixin, ModelViewSet):
    model = OrgUnit
    icon = "site"
    menu_label = _("组织单位")
    menu_order = 200
    ordering = "path"
    list_per_page = 50
    search_fields = ["name", "code"]
    copy_view_enabled = False
    index_view_class = OrgUnitIndexView
    add_view_class = OrgUnitCreateView
    edit_view_class = OrgUnitEditView
    delete_view_class = OrgUnitDeleteView

    def get_form_class(self, for_update=False):
        return OrgUnitEditForm if for_update else OrgUnitCreateForm


# --- people (Wagtail's user admin, for our user model) ----------------------------------------
class PersonIndexView(wagtail_users.IndexView):
    search_fields = ["employee_number", "name", "email"]

    def get_base_queryset(self):
        return people_visible_to(self.request.user).select_related(
            "org_unit", "wagtail_userprofile"
        )

    def order_queryset(self, queryset):
        # Wagtail's user index sorts "name" by last/first name, which our model does not have.
        return generic.IndexView.order_queryset(self, queryset)

    def paginate_queryset(self, queryset, page_size):
        paginator, page, object_list, is_paginated = super().paginate_queryset(queryset, page_size)
        people = list(object_list)
        # One query for the page: which of these people the viewer may change at all.
        self.manageable_ids = set(
            people_manageable_by(self.request.user)
            .filter(pk__in=[p.pk for p in people])
            .values_list("pk", flat=True)
        )
        return paginator, page, people, is_paginated

    def _manageable(self, instance) -> bool:
        ids = getattr(self, "manageable_ids", None)
        if ids is None:
            return user_may_manage_person(self.request.user, instance)
        return instance.pk in ids

    def get_edit_url(self, instance):
        return super().get_edit_url(instance) if self._manageable(instance) else None

    def get_delete_url(self, instance):
        return super().get_delete_url(instance) if self._manageable(instance) else None

    @cached_property
    def columns(self):
        title_column = self._get_title_column_class(TitleColumn)
        return [
            BulkActionsCheckboxColumn("bulk_actions", obj_type="user"),
            title_column("name", label=_("姓名"), sort_key="name", get_url=self.get_edit_url),
            Column("employee_number", label=_("工号"), sort_key="employee_number"),
            Column("org_unit", label=_("单位")),
            Column("rank", label=_("职级")),
            Column("masked_national_id", label=_("身份证号")),
            BooleanColumn("is_active", label=_("在职"), sort_key="is_active"),
            DateColumn("last_login", label=_("最近登录"), sort_key="last_login"),
        ]


class ManagedPersonMixin:
    """Only someone who may manage the person opens the view at all (403 otherwise)."""

    def get_queryset(self):
        return people_visible_to(self.request.user).select_related("org_unit")

    def dispatch(self, request, *args, **kwargs):
        if not user_may_manage_person(request.user, self.object):
            raise PermissionDenied(PERSON_NOT_MANAGEABLE)
        return super().dispatch(request, *args, **kwargs)


class PersonCreateView(wagtail_users.CreateView):
    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "for_user": self.request.user}


class PersonEditView(ManagedPersonMixin, wagtail_users.EditView):
    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "for_user": self.request.user}

    def save_instance(self):
        # The form never sets the password itself: a change goes through the audited service.
        password = self.form.cleaned_data.get("password1")
        instance = generic.EditView.save_instance(self)
        if password:
            person_set_password(person=instance, password=password, actor=self.request.user)
            if instance.pk == self.request.user.pk:
                update_session_auth_hash(self.request, instance)
        return instance


class PersonDeleteView(ManagedPersonMixin, wagtail_users.DeleteView):
    pass


class PersonViewSet(ScopedViewSetMixin, wagtail_users.UserViewSet):
    """Wagtail's user admin with 姓名/工号/单位 instead of first and last names.

    Wagtail's copy view is not routed: it took the source person as the form's instance, so
    "copying" overwrote them. A new person is added with the create form.
    """

    menu_label = _("人员")
    menu_order = 100
    add_to_settings_menu = False
    menu_hook = PEOPLE_MENU_HOOK
    copy_view_enabled = False
    inspect_view_enabled = False
    index_view_class = PersonIndexView
    add_view_class = PersonCreateView
    edit_view_class = PersonEditView
    delete_view_class = PersonDeleteView
    create_template_name = "people/admin/users/create.html"
    edit_template_name = "people/admin/users/edit.html"

    def get_form_class(self, for_update=False):
        return PersonEditForm if for_update else PersonCreationForm


# --- role assignments ------------------------------------------------------------------------
class RoleAssignmentIndexView(generic.IndexView):
    def get_base_queryset(self):
        return role_assignments_visible_to(self.request.user)

    def get_edit_url(self, instance):
        return None  # assignments are granted and revoked, never edited

    @cached_property
    def columns(self):
        title_column = self._get_title_column_class(TitleColumn)
        return [
            title_column("user", label=_("人员"), accessor="user", get_url=lambda a: None),
            Column("role", label=_("角色"), accessor="get_role_display", sort_key="role"),
            Column("scope", label=_("管辖范围"), accessor="scope"),
            DateColumn("created_at", label=_("授予时间"), sort_key="created_at"),
        ]


class RoleAssignmentCreateView(generic.CreateView):
    def get_success_buttons(self):
        return []

    def save_instance(self):
        data = self.form.cleaned_data
        return role_assign(
            user=data["user"], role=data["role"], scope=data["scope"], actor=self.request.user
        )


class RoleAssignmentEditView(generic.EditView):
    def dispatch(self, request, *args, **kwargs):
        raise PermissionDenied(ASSIGNMENT_NOT_EDITABLE)


class RoleAssignmentDeleteView(generic.DeleteView):
    page_title = _("撤销授权")

    def get_queryset(self):
        return role_assignments_visible_to(self.request.user)

    def delete_action(self):
        role_revoke(assignment=self.object, actor=self.request.user)


class RoleAssignmentViewSet(ScopedViewSetMixin, ModelViewSet):
    model = RoleAssignment
    icon = "key"
    menu_label = _("角色授权")
    menu_order = 300
    ordering = ["scope__path", "role"]
    search_fields = ["user__name", "user__employee_number"]
    list_filter = ["role"]
    copy_view_enabled = False
    index_view_class = RoleAssignmentIndexView
    add_view_class = RoleAssignmentCreateView
    edit_view_class = RoleAssignmentEditView
    delete_view_class = RoleAssignmentDeleteView
    form_fields = ["user", "role", "scope"]

    def get_form_class(self, for_update=False):
        return RoleAssignmentForm


class PeopleViewSetGroup(ViewSetGroup):
    """The "人员与组织" menu; people and the roster upload join it via PEOPLE_MENU_HOOK."""

    menu_label = _("人员与组织")
    menu_icon = "group"
    menu_order = 250
    submenu_hook = PEOPLE_MENU_HOOK
    items = (OrgUnitViewSet, RoleAssignmentViewSet)
