"""Shared fixtures. Factories live in ``tests/factories.py``."""

from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from tests.factories import login_with_mfa, record_login_methods

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
        super().force_login(user, backend)
        record_login_methods(self, user, mfa=True)

    def force_login_without_mfa(self, user, backend=None):
        super().force_login(user, backend)
        record_login_methods(self, user, mfa=False)


@pytest.fixture
def client() -> SignedInClient:
    return SignedInClient()


@pytest.fixture
def mfa_login():
    """``mfa_login(client, user)``: a staff login whose session passed password and TOTP."""
    return login_with_mfa


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path) -> Path:
    """Each test writes private files (exports, batch zips, pending imports) to its own
    directory, so none outlive the test or leak from one test into another."""
    root = tmp_path / "private"
    private = settings.STORAGES["private"]
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {**private, "OPTIONS": {**private["OPTIONS"], "location": root}},
    }
    return root


@pytest.fixture(autouse=True)
def chinese_first():
    """Every test starts in the site's language (Chinese), whatever an earlier test or
    request activated in this thread, so messages compare the same in any test order."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)
