"""Staff must have passed a second factor in this session before they may use staff pages.

The middleware marks every request's user with whether the session passed MFA (allauth's
record of the authentication methods used), so that the view guards and the scope
selectors answer from the same fact, and guards the whole Wagtail admin, whose views we do
not write ourselves. Front-office staff pages (HR, legal affairs) use
``cms.people.decorators.staff_required``, which asks the same ``staff_mfa_redirect``.
"""

from django.urls import reverse

from .mfa import (
    SESSION_MFA_ATTRIBUTE,
    forget_reached_destination,
    session_passed_mfa,
    staff_mfa_redirect,
)

# Admin views a staff member without a second factor may still use.
ADMIN_URL_NAMES_WITHOUT_MFA = frozenset({"wagtailadmin_logout"})


class StaffMfaRequiredMiddleware:
    """Send staff whose session has not passed TOTP from the admin to set it up or pass it.

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
        setattr(user, SESSION_MFA_ATTRIBUTE, session_passed_mfa(request))
        forget_reached_destination(request)
        if not request.path.startswith(reverse("wagtailadmin_home")):
            return None
        match = request.resolver_match
        if match is not None and match.url_name in ADMIN_URL_NAMES_WITHOUT_MFA:
            return None
        return staff_mfa_redirect(request)
