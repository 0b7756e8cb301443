"""django-allauth adapter: accounts come from the HR roster, never from sign-up."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.contrib.sites.shortcuts import get_current_site
from django.db.models import Q
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from .models import User

# allauth speaks of a "username"; our people log in with their employee number.
EMPLOYEE_NUMBER_PASSWORD_MISMATCH_MESSAGE = _("工号或密码不正确。")
EMAIL_PASSWORD_MISMATCH_MESSAGE = _("电子邮箱或密码不正确。")


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "username_password_mismatch": EMPLOYEE_NUMBER_PASSWORD_MISMATCH_MESSAGE,
        "email_password_mismatch": EMAIL_PASSWORD_MISMATCH_MESSAGE,
    }

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        """Civil servants are created by the roster import; there is no public sign-up."""
        return False

    def _get_login_attempts_cache_key(self, request: HttpRequest, **credentials: Any) -> str:
        """Count failed logins per account, not per typed identifier.

        allauth keys its ``login_failed`` rate limit on the login string, so alternating
        employee number and e-mail would double the attempts an attacker gets. We key on the
        account the identifier names (falling back to allauth's key when it names none).
        This overrides an underscored allauth 65 hook; tests cover the behaviour.
        """
        username = credentials.get("username") or ""
        email = credentials.get("email") or ""
        query = Q(pk__in=[])
        if username:
            query |= Q(employee_number__iexact=username)
        if email:
            query |= Q(email__iexact=email)
        pks = list(User.objects.filter(query).values_list("pk", flat=True)[:2])
        if len(pks) != 1:
            return super()._get_login_attempts_cache_key(request, **credentials)
        return f"{get_current_site(request).domain}:user:{pks[0]}"
