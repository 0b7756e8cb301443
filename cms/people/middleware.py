"""Staff roles must have a second factor before they may use the Wagtail admin.

Front-office staff pages (HR, legal affairs) are guarded per view by
``cms.people.decorators.staff_required``; this middleware covers the whole admin, whose
views we do not write ourselves.
"""

from django.urls import reverse

from .mfa import (
    forget_reached_destination,
    redirect_to_mfa_setup,
    user_has_mfa,
    user_requires_mfa,
)

# Admin views a staff member without TOTP may still use.
ADMIN_URL_NAMES_WITHOUT_MFA = frozenset({"wagtailadmin_logout"})


class StaffMfaRequiredMiddleware:
    """Redirect staff without TOTP from the admin to TOTP activation.

    The check runs in ``process_view``, i.e. after every middleware's request phase, so the
    session and the message store are available whatever the order in ``MIDDLEWARE``.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if getattr(view_func, "session_free", False):
            return None  # token-authenticated hot paths (exam autosave) never touch the session
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        forget_reached_destination(request)
        if not request.path.startswith(reverse("wagtailadmin_home")):
            return None
        match = request.resolver_match
        if match is not None and match.url_name in ADMIN_URL_NAMES_WITHOUT_MFA:
            return None
        if user_requires_mfa(user) and not user_has_mfa(user):
            return redirect_to_mfa_setup(request)
        return None
