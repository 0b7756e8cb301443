"""Shared fixtures. Factories live in ``tests/factories.py``."""

import time
from pathlib import Path

import pytest
from allauth.account.internal.flows.login import (
    _AUTHENTICATION_METHODS_USER_SESSION_KEY as AUTHENTICATION_METHODS_USER_SESSION_KEY,
)
from allauth.account.internal.flows.login import AUTHENTICATION_METHODS_SESSION_KEY
from allauth.account.internal.userkit import user_id_to_str
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.test import Client

LAWS_DIR: Path = settings.SHARED_DIR / "laws"
CONTENT_DIR: Path = settings.SHARED_DIR / "content"


@pytest.fixture
def laws_dir() -> Path:
    return LAWS_DIR


class SignedInClient(Client):
    """A test client whose ``force_login`` leaves the session as allauth's login does.

    Staff pages check that *the session* passed the second factor (allauth's record of the
    authentication methods used), not only that the account has TOTP. ``force_login``
    records the password step and, for a user with a TOTP device, the TOTP step, as a
    completed allauth login would; ``force_login_without_mfa`` is a session that skipped
    the second step (what a login view other than allauth's would leave).
    """

    def force_login(self, user, backend=None):
        self._login_with_records(user, backend, mfa=True)

    def force_login_without_mfa(self, user, backend=None):
        self._login_with_records(user, backend, mfa=False)

    def _login_with_records(self, user, backend, *, mfa: bool) -> None:
        super().force_login(user, backend)
        now = time.time()
        records = [{"method": "password", "at": now, "username": user.employee_number}]
        totp = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
        if mfa and totp is not None:
            records.append({"method": "mfa", "at": now, "id": totp.pk, "type": "totp"})
        session = self.session
        session[AUTHENTICATION_METHODS_SESSION_KEY] = records
        session[AUTHENTICATION_METHODS_USER_SESSION_KEY] = user_id_to_str(user)
        session.save()


@pytest.fixture
def client() -> SignedInClient:
    return SignedInClient()
