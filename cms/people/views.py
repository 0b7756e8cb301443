"""The person's own profile, and the hand-over of Wagtail's login page to allauth."""

from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode

from .mfa import STAFF_ROLES, safe_destination, user_mfa_types
from .models import RoleAssignment
from .selectors import unit_ancestor_names


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    """Who the platform thinks I am: data from the roster, my roles, my second factor."""
    person = request.user
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
    }
    return render(request, "people/profile.html", context)


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
