"""Staff roles must have a second factor before they may use any staff page."""

from django.shortcuts import redirect
from django.urls import reverse

from .mfa import user_has_mfa, user_requires_mfa

# Paths a staff user without MFA may still reach: the MFA set-up pages, logout, static files.
ALLOWED_PREFIXES = ("/accounts/", "/static/", "/media/", "/i18n/", "/verify/")


class StaffMfaRequiredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and request.path.startswith("/admin/")
            and user_requires_mfa(user)
            and not user_has_mfa(user)
        ):
            return redirect(reverse("mfa_activate_totp") + "?next=" + request.path)
        return self.get_response(request)
