"""Who needs a second factor, who has one, and how a staff member is sent to set one up.

Staff roles act on other people's records (results, credentials, appraisals) or on
published content, so a stolen password alone must not be enough for them (DESIGN §5).
The second factor itself is allauth's: TOTP with recovery codes.
"""

from __future__ import annotations

import base64
import binascii
import time
from collections.abc import Iterable

from allauth.account.internal.flows.login import (
    get_authentication_records,
    record_authentication,
)
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from allauth.mfa.utils import decrypt, encrypt
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.db import transaction
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext_lazy as _

from .models import Role
from .selectors import SESSION_MFA_ATTRIBUTE, STAFF_ROLES, user_roles

# Where a staff member was going when sent to set up TOTP; the recovery-codes page offers
# a link back to it once TOTP is active (allauth's activation view ignores ``next``).
MFA_SETUP_NEXT_SESSION_KEY = "mfa_setup_next"

MFA_REQUIRED_MESSAGE = _(
    "您的账号具有管理权限，须先启用身份验证器应用（两步验证）才能继续。启用后请妥善保存恢复码。"
)
MFA_STEP_REQUIRED_MESSAGE = _("此页面需要两步验证：请输入身份验证器应用中的动态验证码。")
INVALID_TOTP_SECRET_MESSAGE = _("动态验证码密钥必须是有效的 Base32 字符串。")


def user_requires_mfa(user) -> bool:
    """Anyone who can act on other people's data or on content needs a second factor."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser or user.is_staff:
        return True
    return user.role_assignments.filter(role__in=STAFF_ROLES).exists()


def user_has_mfa(user) -> bool:
    """TOTP is the factor we require; recovery codes alone are only a fallback."""
    if not getattr(user, "is_authenticated", False):
        return False
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def session_passed_mfa(request: HttpRequest) -> bool:
    """Whether the signed-in user completed a second factor in this session.

    Read from allauth's record of the authentication methods used in the session (the
    TOTP or recovery-code step at login, a re-authentication, or activating TOTP): having a
    TOTP device is not enough, a session opened by any other way has no such record.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    records = get_authentication_records(request, user)
    return any(record.get("method") == "mfa" for record in records)


def user_passed_mfa(user) -> bool:
    """Whether a staff user's access may count as second-factor checked.

    For a request's user this is the session's record (set by the middleware). A user loaded
    outside a request (a background task acting for whoever queued it) carries no such
    mark; it stands for a person who passed the check when queuing, so having TOTP suffices.
    """
    if not getattr(user, "is_authenticated", False):
        return False
    passed = getattr(user, SESSION_MFA_ATTRIBUTE, None)
    if passed is not None:
        return passed
    return user_has_mfa(user)


def record_mfa_on_activation(request: HttpRequest, user, authenticator: Authenticator) -> None:
    """Setting up TOTP proves the device (a valid code was typed): the session counts as
    second-factor checked from then on, so a staff member sent to set it up can go on."""
    if authenticator.type != Authenticator.Type.TOTP or request is None:
        return
    record_authentication(request, user, "mfa", id=authenticator.pk, type=authenticator.type)
    setattr(user, SESSION_MFA_ATTRIBUTE, True)
    # allauth announces the authenticator once the transaction commits, which may be after
    # the session middleware wrote the session: write the record now.
    request.session.save()


def user_has_staff_role(user, *, roles: Iterable[Role] | None = None) -> bool:
    """Whether the user holds a staff role (one of ``roles`` if given) over any unit.

    Superusers pass; ``is_staff`` alone (admin access) does not open front-office staff
    pages, which are granted by role assignments.
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    allowed = STAFF_ROLES if roles is None else STAFF_ROLES & frozenset(roles)
    return bool(user_roles(user) & allowed)


def user_mfa_types(user) -> set[str]:
    """The kinds of authenticator the user has set up (``totp``, ``recovery_codes``)."""
    return set(Authenticator.objects.filter(user=user).values_list("type", flat=True))


def safe_destination(request: HttpRequest, url: str, default: str | None) -> str | None:
    """``url`` if it stays on this site (same host, and https when the request is), else
    ``default``: the one check for every "come back here afterwards" link."""
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return default


def redirect_to_mfa_setup(request: HttpRequest) -> HttpResponseRedirect:
    """Send a staff member to TOTP activation, remembering where they were going."""
    destination = safe_destination(request, request.get_full_path(), None)
    if destination is not None:
        request.session[MFA_SETUP_NEXT_SESSION_KEY] = destination
    messages.warning(request, MFA_REQUIRED_MESSAGE)
    return HttpResponseRedirect(reverse("mfa_activate_totp"))


def redirect_to_mfa_step(request: HttpRequest) -> HttpResponseRedirect:
    """Staff with TOTP whose session did not pass it: ask for a code (allauth's
    re-authentication step records it) and come back here."""
    destination = safe_destination(request, request.get_full_path(), "/")
    messages.warning(request, MFA_STEP_REQUIRED_MESSAGE)
    return HttpResponseRedirect(
        f"{reverse('mfa_reauthenticate')}?{urlencode({REDIRECT_FIELD_NAME: destination})}"
    )


def staff_mfa_redirect(request: HttpRequest):
    """The one second-factor check for staff pages: None when the request may go on,
    otherwise where to send the user (set up TOTP, or pass it in this session)."""
    user = request.user
    if user_passed_mfa(user) or not user_requires_mfa(user):
        return None
    if not user_has_mfa(user):
        return redirect_to_mfa_setup(request)
    return redirect_to_mfa_step(request)


def forget_reached_destination(request: HttpRequest) -> None:
    """Drop the remembered destination once the user has got there."""
    session = getattr(request, "session", None)
    if session is not None and session.get(MFA_SETUP_NEXT_SESSION_KEY) == request.get_full_path():
        del session[MFA_SETUP_NEXT_SESSION_KEY]


def _normalise_secret(secret: str) -> str:
    value = "".join(secret.split()).upper()
    try:
        decoded = base64.b32decode(value, casefold=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError(str(INVALID_TOTP_SECRET_MESSAGE)) from exc
    if not decoded:
        raise ValueError(str(INVALID_TOTP_SECRET_MESSAGE))
    return value


def mfa_totp_activate_with_secret(*, user, secret: str) -> list[str]:
    """Set up TOTP with a known secret (demo accounts) and return the unused recovery codes.

    Idempotent: an existing TOTP authenticator is kept (its secret replaced by ``secret``
    if it differs, so that the printed demo instructions stay right), never duplicated.
    """
    secret = _normalise_secret(secret)
    with transaction.atomic():
        existing = (
            Authenticator.objects.select_for_update()
            .filter(user=user, type=Authenticator.Type.TOTP)
            .first()
        )
        if existing is None:
            TOTP.activate(user, secret)
        elif decrypt(existing.data["secret"]) != secret:
            existing.data = {**existing.data, "secret": encrypt(secret)}
            existing.save(update_fields=["data"])
        recovery_codes = RecoveryCodes.activate(user)
    return recovery_codes.get_unused_codes()


def totp_current_code(*, user) -> str | None:
    """The code the user's authenticator app shows now, or None without TOTP.

    Computed with allauth's own HOTP functions from the stored secret, so it is exactly
    what allauth's login step accepts.
    """
    authenticator = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if authenticator is None:
        return None
    secret = decrypt(authenticator.data["secret"])
    counter = int(time.time()) // mfa_settings.TOTP_PERIOD
    return format_hotp_value(hotp_value(secret, counter))


def totp_seconds_remaining() -> int:
    """Seconds until the current TOTP code changes."""
    period = mfa_settings.TOTP_PERIOD
    return period - int(time.time()) % period
