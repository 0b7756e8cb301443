"""The person's own profile and notifications, and the hand-over of Wagtail's login page to
allauth."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from .forms import NotificationPreferencesForm
from .mfa import STAFF_ROLES, safe_destination, user_mfa_types
from .models import RoleAssignment
from .notifications import mark_all_read, mark_read, notification_preferences_update
from .selectors import notifications_for, unit_ancestor_names

PREFERENCES_SAVED = _("提醒设置已保存。")
MARKED_READ = _("已标为已读。")
MARKED_ALL_READ = _("全部通知已标为已读。")


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    """Who the platform thinks I am: data from the roster, my roles, my second factor; and
    my reminder settings (the one thing here I change myself)."""
    person = request.user
    if request.method == "POST":
        form = NotificationPreferencesForm(request.POST, instance=person)
        if form.is_valid():
            notification_preferences_update(
                user=person,
                email_notifications=form.cleaned_data["email_notifications"],
                language=form.cleaned_data["language"],
            )
            messages.success(request, PREFERENCES_SAVED)
            return redirect("people:profile")
        person.refresh_from_db()
    else:
        form = NotificationPreferencesForm(instance=person)
    assignments = list(
        RoleAssignment.objects.filter(user=person)
        .select_related("scope")
        .order_by("role", "scope__path")
    )
    unit = person.org_unit
    units = ([unit] if unit else []) + [a.scope for a in assignments]
    unit_paths = unit_ancestor_names(units) if units else {}
    mfa_types = user_mfa_types(person)
    context = {
        "person": person,
        "unit_path": unit_paths.get(unit.path, "") if unit else "",
        "roles": [(a.get_role_display(), unit_paths.get(a.scope.path, "")) for a in assignments],
        "has_totp": "totp" in mfa_types,
        "has_recovery_codes": "recovery_codes" in mfa_types,
        # Same rule as mfa.user_requires_mfa, answered from the assignments already loaded.
        "requires_mfa": person.is_staff
        or person.is_superuser
        or any(a.role in STAFF_ROLES for a in assignments),
        "preferences_form": form,
    }
    return render(request, "people/profile.html", context)


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    """My notifications, newest first; POST marks one (``read=<id>``) or all (``all``) read."""
    if request.method == "POST":
        if "all" in request.POST:
            mark_all_read(user=request.user)
            messages.success(request, MARKED_ALL_READ)
        elif request.POST.get("read", "").isdigit():
            if mark_read(user=request.user, notification_id=int(request.POST["read"])):
                messages.success(request, MARKED_READ)
        page = request.POST.get("page", "")
        target = reverse("people:notifications")
        return redirect(f"{target}?{urlencode({'page': page})}" if page.isdigit() else target)
    page = Paginator(notifications_for(request.user), settings.NOTIFICATIONS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(request, "people/notifications.html", {"page_obj": page})


def login_redirect(request: HttpRequest) -> HttpResponseRedirect:
    """Wagtail's own login forms would skip allauth's MFA step: every method lands on allauth.

    Mounted before the Wagtail admin URLs and ``wagtail_urls``; a POST here authenticates
    nobody. Without a safe ``next`` it goes to the admin home for the admin's login URL,
    to the site root otherwise.
    """
    admin_home = reverse("wagtailadmin_home")
    default = admin_home if request.path.startswith(admin_home) else "/"
    next_url = safe_destination(request, request.GET.get(REDIRECT_FIELD_NAME, ""), default)
    return HttpResponseRedirect(
        f"{reverse('account_login')}?{urlencode({REDIRECT_FIELD_NAME: next_url})}"
    )
