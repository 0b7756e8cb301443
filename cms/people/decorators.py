"""View guards for front-office staff pages (HR dashboards, credential management, …)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from .mfa import staff_mfa_redirect, user_has_staff_role
from .models import Role

STAFF_ROLE_REQUIRED_MESSAGE = _("此页面仅限具有相应管理角色的人员访问。")


def staff_required(
    view: Callable | None = None, *, roles: Iterable[Role] | None = None
) -> Callable:
    """Login, a staff role (one of ``roles`` if given) and TOTP, in that order.

    Use as ``@staff_required`` or ``@staff_required(roles=[Role.HR])``. Anonymous users go to
    the login page, people without the role get 403, staff without TOTP are sent to set it
    up and come back here afterwards, and staff whose session did not pass TOTP (a session
    opened without allauth's second step) are asked for a code first. What a staff member may see *within* the page (their
    org subtree) is still for the view's selectors to decide.
    """
    role_set = None if roles is None else frozenset(roles)

    def decorator(view_func: Callable) -> Callable:
        @wraps(view_func)
        def wrapper(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not user_has_staff_role(user, roles=role_set):
                raise PermissionDenied(STAFF_ROLE_REQUIRED_MESSAGE)
            redirect = staff_mfa_redirect(request)
            if redirect is not None:
                return redirect
            return view_func(request, *args, **kwargs)

        return wrapper

    if view is not None:
        return decorator(view)
    return decorator
