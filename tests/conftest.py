"""Shared fixtures. Factories live in ``tests/factories.py``."""

from pathlib import Path

import pytest
from django.conf import settings

LAWS_DIR: Path = settings.SHARED_DIR / "laws"
CONTENT_DIR: Path = settings.SHARED_DIR / "content"


@pytest.fixture
def laws_dir() -> Path:
    return LAWS_DIR


@pytest.fixture
def mfa_login():
    """``mfa_login(client, user)``: a staff login whose session passed password and TOTP."""
    from tests.factories import login_with_mfa

    return login_with_mfa
