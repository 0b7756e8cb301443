"""django-allauth adapter: accounts come from the HR roster, never from sign-up."""

from __future__ import annotations

from typing import Any

from allauth.account import app_settings as account_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.internal.ratelimit import parse_rate
from allauth.mfa.adapter import DefaultMFAAdapter
from django.contrib.sites.shortcuts import get_current_site
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from .lockout import login_fuse_clear, login_fuse_record_failure, login_fuse_wait_seconds, minutes
from .mfa import user_requires_mfa
from .models import User

# allauth speaks of a "username"; our people log in with their employee number.
EMPLOYEE_NUMBER_PASSWORD_MISMATCH_MESSAGE = _("工号或密码不正确。")
EMAIL_PASSWORD_MISMATCH_MESSAGE = _("电子邮箱或密码不正确。")
TOO_MANY_FROM_CLIENT_MESSAGE = _(
    "登录失败次数过多，请 %(minutes)d 分钟后再试。忘记密码可通过“忘记密码”重设。"
)
ACCOUNT_LOCKED_MESSAGE = _(
    "此账号近期登录失败次数过多，已暂时锁定，请 %(minutes)d 分钟后再试；"
    "本人可通过“忘记密码”重设密码后立即登录。"
)


def _login_failed_wait() -> float:
    """How long allauth's per-account-and-client limit holds a client back (its window)."""
    rates = [
        parse_rate(r)
        for r in (account_settings.RATE_LIMITS.get("login_failed") or "").split(",")
        if r
    ]
    keyed = [r.duration for r in rates if r.per == "key"]
    return max(keyed or [r.duration for r in rates] or [60])


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "username_password_mismatch": EMPLOYEE_NUMBER_PASSWORD_MISMATCH_MESSAGE,
        "email_password_mismatch": EMAIL_PASSWORD_MISMATCH_MESSAGE,
    }

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        """Civil servants are created by the roster import; there is no public sign-up."""
        return False

    def _account_pk(self, **credentials: Any) -> int | None:
        """The account the typed employee number or e-mail names (None: none, or ambiguous)."""
        username = credentials.get("username") or ""
        email = credentials.get("email") or ""
        query = Q(pk__in=[])
        if username:
            query |= Q(employee_number__iexact=username)
        if email:
            query |= Q(email__iexact=email)
        pks = list(User.objects.filter(query).values_list("pk", flat=True)[:2])
        return pks[0] if len(pks) == 1 else None

    def _get_login_attempts_cache_key(self, request: HttpRequest, **credentials: Any) -> str:
        """Count failed logins per account *and client*, not per typed identifier.

        Per account, so that alternating employee number and e-mail gives no extra attempts;
        per client too, so that a stranger's wrong passwords hold back the stranger, not the
        owner (``cms.people.lockout`` adds the slower per-account fuse). This overrides an
        underscored allauth 65 hook; tests cover the behaviour.
        """
        client = self.get_client_ip(request) or "unknown"
        pk = self._account_pk(**credentials)
        if pk is None:
            return f"{super()._get_login_attempts_cache_key(request, **credentials)}:{client}"
        return f"{get_current_site(request).domain}:user:{pk}:client:{client}"

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        """Refuse while a fuse is blown, saying how long to wait."""
        pk = self._account_pk(**credentials)
        wait = login_fuse_wait_seconds(pk) if pk is not None else 0
        if wait:
            raise ValidationError(ACCOUNT_LOCKED_MESSAGE % {"minutes": minutes(wait)})
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError:
            raise ValidationError(
                TOO_MANY_FROM_CLIENT_MESSAGE % {"minutes": minutes(_login_failed_wait())}
            ) from None

    def authentication_failed(self, request: HttpRequest, **credentials: Any) -> None:
        pk = self._account_pk(**credentials)
        if pk is not None:
            login_fuse_record_failure(pk)

    def _delete_login_attempts_cached_email(self, request: HttpRequest, **credentials: Any):
        """A completed password reset also opens the account's long fuse."""
        super()._delete_login_attempts_cached_email(request, **credentials)
        pk = self._account_pk(**credentials)
        if pk is not None:
            login_fuse_clear(pk)


class MFAAdapter(DefaultMFAAdapter):
    def can_delete_authenticator(self, authenticator) -> bool:
        """Staff keep their authenticator app: turning TOTP off would leave a staff account
        with a password alone. A lost phone is reset by an administrator."""
        if authenticator.type == authenticator.Type.TOTP and user_requires_mfa(authenticator.user):
            return False
        return super().can_delete_authenticator(authenticator)
