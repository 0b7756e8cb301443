"""Shared fixtures. Factories live in ``tests/factories.py``."""

from pathlib import Path

import pytest
from django.conf import settings

LAWS_DIR: Path = settings.SHARED_DIR / "laws"
CONTENT_DIR: Path = settings.SHARED_DIR / "content"


@pytest.fixture
def laws_dir() -> Path:
    return LAWS_DIR


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
