"""The system checks of the private storage (``check [--deploy]``, cms.E110–cms.E113)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.checks import run_checks

ROOT = Path(__file__).resolve().parents[2]


def _point_private_at(settings, location) -> None:
    private = settings.STORAGES["private"]
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {**private, "OPTIONS": {**private["OPTIONS"], "location": location}},
    }


def check_private_storage(*, deploy: bool = True) -> list:
    """The private-storage errors of ``check`` (``check --deploy`` when ``deploy``)."""
    errors = run_checks(include_deployment_checks=deploy)
    return [e for e in errors if e.id in {"cms.E110", "cms.E111", "cms.E112", "cms.E113"}]


def _ids(errors) -> list[str]:
    return [e.id for e in errors]


@pytest.fixture
def roots(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STATIC_ROOT = tmp_path / "static"
    return tmp_path


def test_a_separate_writable_directory_passes(settings, roots):
    (roots / "private").mkdir()
    _point_private_at(settings, roots / "private")
    assert check_private_storage() == []


def test_private_root_inside_media_root_is_reported(settings, roots):
    inside = roots / "media" / "private"
    inside.mkdir(parents=True)
    _point_private_at(settings, inside)
    errors = check_private_storage()
    assert _ids(errors) == ["cms.E112"] and "MEDIA_ROOT" in errors[0].msg
    # Plain ``check`` (and so runserver under DEBUG) refuses it too.
    assert _ids(check_private_storage(deploy=False)) == ["cms.E112"]


def test_private_root_equal_to_static_root_is_reported(settings, roots):
    (roots / "static").mkdir()
    _point_private_at(settings, roots / "static")
    errors = check_private_storage()
    assert _ids(errors) == ["cms.E112"] and "STATIC_ROOT" in errors[0].msg


def test_missing_directory_is_reported(settings, roots):
    _point_private_at(settings, roots / "nowhere")
    errors = check_private_storage()
    assert _ids(errors) == ["cms.E113"] and "does not exist" in errors[0].msg
    assert check_private_storage(deploy=False) == []  # created on first write in development


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write to any directory")
def test_read_only_directory_is_reported(settings, roots):
    (roots / "private").mkdir(mode=0o500)
    _point_private_at(settings, roots / "private")
    try:
        assert _ids(check_private_storage()) == ["cms.E113"]
    finally:
        (roots / "private").chmod(0o700)


def test_private_storage_that_is_the_media_storage_is_reported(settings, roots):
    (roots / "media").mkdir()
    settings.STORAGES = {**settings.STORAGES, "private": dict(settings.STORAGES["default"])}
    assert _ids(check_private_storage()) == ["cms.E111"]


def test_no_private_storage_is_reported(settings):
    settings.STORAGES = {k: v for k, v in settings.STORAGES.items() if k != "private"}
    assert _ids(check_private_storage()) == ["cms.E110"]


def test_check_deploy_with_production_settings_fails_on_a_private_root_in_media(tmp_path):
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"},
        "DJANGO_SETTINGS_MODULE": "cms.settings.production",
        "SECRET_KEY": "k" * 20 + "-Zq8#w!sL2vR9@pXn4$eT7^mB1&cY6*",
        "ALLOWED_HOSTS": "fazhi.example.gov.cn",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}",
        "PRIVATE_STORAGE_ROOT": str(ROOT / "var" / "media" / "exports"),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=ROOT, capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert result.returncode != 0
    assert "cms.E112" in result.stderr and "MEDIA_ROOT" in result.stderr
