"""One mechanism that keeps every Wagtail admin view of a model inside the viewer's scope.

Each app says, once, which objects of a model a user may see: it registers a function
``visible_to(user) -> QuerySet`` through the ``register_admin_scope`` hook (returning
``(model, visible_to)`` pairs), and that function is built on ``cms.people.selectors``'s
"who may see whom" rule. Two consumers read the registry:

- ``ScopedViewSetMixin``, mixed into a ``ModelViewSet`` / ``SnippetViewSet``: every view the
  viewset constructs is guarded, so a viewset cannot forget one (index, results, export,
  edit, delete, inspect, usage, history, copy, revisions...). Views with a ``pk`` in their
  URL answer 404 unless the object is in scope, before the view class even loads it; the
  listing and its spreadsheet export are intersected with the scope; object look-ups go
  through the scoped queryset too (belt and braces).
- ``ScopedSiteHistoryView`` and ``ScopedPageHistoryView``: the site history report and a
  page's history show only entries about objects in scope (``log_entries_visible_to``).

``cms`` imports no domain app: learning, exams and certification register their own models.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from django.contrib.admin.utils import unquote
from django.core.exceptions import ImproperlyConfigured
from django.db.models import IntegerField, Model, QuerySet, Value
from django.http import Http404
from wagtail import hooks
from wagtail.admin.auth import require_admin_access
from wagtail.admin.views import generic
from wagtail.admin.views.pages.history import PageHistoryView
from wagtail.admin.views.reports import audit_logging
from wagtail.log_actions import registry as log_action_registry
from wagtail.models import PageLogEntry

SCOPE_HOOK = "register_admin_scope"

VisibleTo = Callable[[object], QuerySet]


def admin_scopes() -> dict[type[Model], VisibleTo]:
    """Every registered ``model -> visible_to(user)``, read from the hook each time."""
    scopes: dict[type[Model], VisibleTo] = {}
    for fn in hooks.get_hooks(SCOPE_HOOK):
        for model, visible_to in fn():
            scopes[model] = visible_to
    return scopes


def visible_objects(model: type[Model], user) -> QuerySet | None:
    """The objects of ``model`` the user may see, or None if the model has no scope rule."""
    visible_to = admin_scopes().get(model)
    if visible_to is None:
        return None
    return visible_to(user)


class ScopedViewSetMixin:
    """Put before ``ModelViewSet`` / ``SnippetViewSet`` in the bases.

    The scope comes from ``scope_queryset(user)``, by default the function registered for the
    viewset's model with the ``register_admin_scope`` hook.
    """

    def scope_queryset(self, user) -> QuerySet:
        queryset = visible_objects(self.model, user)
        if queryset is None:
            raise ImproperlyConfigured(
                f"{type(self).__name__}: no {SCOPE_HOOK!r} rule for {self.model.__name__}"
            )
        return queryset

    def construct_view(self, view_class, **kwargs):
        view = super().construct_view(_scoped_view_class(view_class, self), **kwargs)
        return _guard_object_urls(view, self)


def _in_scope(viewset, request, queryset: QuerySet) -> QuerySet:
    scope = viewset.scope_queryset(request.user)
    return queryset.filter(pk__in=scope.values("pk"))


def _scoped_view_class(view_class, viewset):
    """A subclass of ``view_class`` whose listing and object look-ups are scoped."""
    overrides = {}
    if issubclass(view_class, generic.IndexView):

        def get_base_queryset(self):
            return _in_scope(viewset, self.request, super(cls, self).get_base_queryset())

        overrides["get_base_queryset"] = get_base_queryset
    if hasattr(view_class, "get_base_object_queryset"):  # history, usage, operations

        def get_base_object_queryset(self):
            return _in_scope(viewset, self.request, super(cls, self).get_base_object_queryset())

        overrides["get_base_object_queryset"] = get_base_object_queryset
    if issubclass(view_class, (generic.EditView, generic.DeleteView)):

        def get_queryset(self):
            return _in_scope(viewset, self.request, super(cls, self).get_queryset())

        overrides["get_queryset"] = get_queryset
    if not overrides:
        return view_class
    cls = type(view_class.__name__, (view_class,), overrides)
    return cls


def _guard_object_urls(view, viewset):
    """404 for any object URL (a ``pk`` in the URL) outside the requester's scope."""

    @functools.wraps(view)
    def guarded(request, *args, **kwargs):
        pk = kwargs.get("pk")
        if pk is not None:
            scope = viewset.scope_queryset(request.user)
            try:
                found = scope.filter(pk=unquote(str(pk))).exists()
            except (ValueError, TypeError):
                found = False
            if not found:
                raise Http404
        return view(request, *args, **kwargs)

    return guarded


# --- the site history report -----------------------------------------------------------------


def log_entries_visible_to(log_model, user) -> QuerySet:
    """The entries of one log model (``ModelLogEntry``, ``PageLogEntry``) the user may read.

    The rule, for the site history report:

    - a superuser reads everything;
    - anyone else reads only entries Wagtail already allows them (a permission on the
      entry's content type) and, of those:

      * entries about an object of a model with a scope rule (``register_admin_scope``:
        people, units, role assignments, ledger entries, sessions, attempts, credentials...)
        only when that object is within their scope, by the very rule the model's own admin
        views use (an entry whose object is gone can no longer be placed, so it is hidden);
      * entries about anything else (pages, questions, topics, laws: shared content without
        personal data) only when the actor is a person within their scope, or no one (the
        system), so that other districts' learners and candidates never appear;

    - staff without any scope read nothing.
    """
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import CharField, Q
    from django.db.models.functions import Cast

    from cms.people.selectors import people_visible_to, units_visible_to

    entries = log_model.objects.viewable_by_user(user)
    if getattr(user, "is_superuser", False) and user.is_active:
        return entries
    if not units_visible_to(user).exists():
        return entries.none()
    by_object = Q(pk__in=[])
    scoped_types = []
    has_object_id = any(f.name == "object_id" for f in log_model._meta.concrete_fields)
    for model, visible_to in admin_scopes().items():
        content_type = ContentType.objects.get_for_model(model)
        scoped_types.append(content_type.pk)
        if has_object_id:
            ids = visible_to(user).annotate(_object_id=Cast("pk", CharField())).values("_object_id")
            by_object |= Q(content_type_id=content_type.pk, object_id__in=ids)
    people = people_visible_to(user).values("pk")
    by_actor = ~Q(content_type_id__in=scoped_types) & (Q(user__isnull=True) | Q(user__in=people))
    return entries.filter(by_object | by_actor)


def _scoped_users_for_filter(user):
    from django.contrib.auth import get_user_model

    user_ids: set = set()
    for log_model in log_action_registry.get_log_entry_models():
        user_ids.update(log_entries_visible_to(log_model, user).get_user_ids())
    User = get_user_model()
    return User.objects.filter(pk__in=user_ids).order_by(User.USERNAME_FIELD)


def _scoped_actions_for_filter(user):
    actions: set = set()
    for log_model in log_action_registry.get_log_entry_models():
        actions.update(log_entries_visible_to(log_model, user).get_actions())
    return [choice for choice in log_action_registry.get_choices() if choice[0] in actions]


class ScopedSiteHistoryFilterSet(audit_logging.SiteHistoryReportFilterSet):
    """The report's "user" and "action" choices come from the entries in scope only."""

    def get_action_choices(self):
        return _scoped_actions_for_filter(self.request.user)

    def get_user_choices(self):
        return _scoped_users_for_filter(self.request.user)


class ScopedSiteHistoryView(audit_logging.LogEntriesView):
    """Wagtail's site history report (and its CSV/xlsx export) within the viewer's scope.

    Mounted in ``cms.urls`` at Wagtail's own addresses, before the admin's include, so that
    ``wagtailadmin_reports:site_history`` and its results URL reach this view. Which entries
    a viewer reads is ``log_entries_visible_to``'s rule.
    """

    filterset_class = ScopedSiteHistoryFilterSet

    def get_filtered_queryset(self):
        # As LogEntriesView.get_filtered_queryset, with the scoped entries of each log model.
        self.log_models = list(log_action_registry.get_log_entry_models())
        queryset = None
        for index, log_model in enumerate(self.log_models):
            entries = (
                log_entries_visible_to(log_model, self.request.user)
                .values("pk", "timestamp")
                .annotate(log_model_index=Value(index, output_field=IntegerField()))
            )
            entries = self.filter_queryset(entries).order_by()
            queryset = entries if queryset is None else queryset.union(entries, all=True)
        return queryset.order_by("-timestamp")


site_history_view = require_admin_access(ScopedSiteHistoryView.as_view())
site_history_results_view = require_admin_access(ScopedSiteHistoryView.as_view(results_only=True))


class ScopedPageHistoryView(PageHistoryView):
    """A page's history, by ``log_entries_visible_to``'s rule for pages: only entries whose
    actor is within the viewer's scope (or the system). Lesson completions are logged on the
    lesson page by the learner, so without this every author would read the city's learners.
    The filter's user choices come from the same entries."""

    def get_base_queryset(self):
        visible = log_entries_visible_to(PageLogEntry, self.request.user)
        return super().get_base_queryset().filter(pk__in=visible.values("pk"))


page_history_view = require_admin_access(ScopedPageHistoryView.as_view())
page_history_results_view = require_admin_access(ScopedPageHistoryView.as_view(results_only=True))
