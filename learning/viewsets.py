"""The "学习" admin menu: study-hour ledger (read-only, scoped), requirements, unit courses."""

from __future__ import annotations

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.tables import Column
from wagtail.admin.views import generic
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies.base import ModelPermissionPolicy

from cms.admin_scoping import ScopedViewSetMixin
from cms.people.models import Role
from cms.people.selectors import user_has_role

from . import selectors
from .models import CourseUnitAssignment, StudyHourEntry, StudyKind, StudyRequirement

MENU_HOOK = "register_learning_menu_item"


class LedgerPermissionPolicy(ModelPermissionPolicy):
    """The ledger is written only by services (course completion, imports): view only.

    HR sees it (scoped to their subtree by the index view) without a model permission.
    """

    def user_has_permission(self, user, action):
        if action != "view":
            return False
        if user.is_active and user.is_superuser:
            return True
        return super().user_has_permission(user, action) or user_has_role(user, Role.HR)

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)


class EntryIndexView(generic.IndexView):
    def get_base_queryset(self) -> QuerySet[StudyHourEntry]:
        return selectors.entries_visible_to(self.request.user).order_by("-date", "-pk")


class StudyHourEntryViewSet(ScopedViewSetMixin, ModelViewSet):
    """Scoped by ``selectors.entries_visible_to`` in every view (index, export, inspect...)."""

    model = StudyHourEntry
    icon = "time"
    menu_label = _("学时记录")
    add_to_admin_menu = False
    index_view_class = EntryIndexView
    inspect_view_enabled = True
    list_display = ["user", "year", "kind", "hours", "title", "date"]
    list_filter = ["year", "kind"]
    list_export = ["user", "year", "kind", "hours", "title", "source", "date"]
    export_filename = "study-hours"
    search_fields = ["title", "user__name", "user__employee_number"]
    form_fields = ["user", "year", "hours", "kind", "title", "source", "date"]


class StudyRequirementForm(forms.ModelForm):
    counted_kinds = forms.MultipleChoiceField(
        label=_("计入的学时类别"), choices=StudyKind.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = StudyRequirement
        fields = ["year", "category", "hours", "counted_kinds"]


class StudyRequirementViewSet(ModelViewSet):
    unscoped_reason = "city-wide yearly rules; no personal data"
    model = StudyRequirement
    icon = "tasks"
    menu_label = _("年度学时要求")
    add_to_admin_menu = False
    list_display = [
        "year",
        "category",
        "hours",
        Column(
            "counted",
            label=_("计入类别"),
            accessor=lambda r: "、".join(str(StudyKind(k).label) for k in r.counted_kinds),
        ),
    ]
    list_filter = ["year", "category"]

    def get_form_class(self, for_update=False):
        return StudyRequirementForm


class CourseUnitAssignmentViewSet(ScopedViewSetMixin, ModelViewSet):
    """Scoped to assignments of units within the user's scope."""

    model = CourseUnitAssignment
    icon = "group"
    menu_label = _("单位指定课程")
    add_to_admin_menu = False
    list_display = ["course", "org_unit", "created_at"]
    form_fields = ["course", "org_unit"]


class LearningViewSetGroup(ViewSetGroup):
    menu_label = _("学习")
    menu_icon = "doc-full"
    menu_order = 250
    submenu_hook = MENU_HOOK
    items = (
        StudyHourEntryViewSet("learning_entries"),
        StudyRequirementViewSet("learning_requirements"),
        CourseUnitAssignmentViewSet("learning_unit_courses"),
    )
