"""Production settings: deployment values come from the environment; check --deploy is clean."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _manage(*args: str, env: dict[str, str], timeout: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**{k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}, **env},
        timeout=timeout,
    )


PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "cms.settings.production",
    "SECRET_KEY": "k" * 20 + "-Zq8#w!sL2vR9@pXn4$eT7^mB1&cY6*",
    "ALLOWED_HOSTS": "fazhi.example.gov.cn,www.fazhi.example.gov.cn",
}


def test_check_deploy_is_clean_with_production_settings_once_migrated(tmp_path):
    (tmp_path / "private").mkdir()
    env = {
        **PRODUCTION_ENV,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}",
        "PRIVATE_STORAGE_ROOT": str(tmp_path / "private"),
    }
    # Before migrate the database cache has no table: logins would fail, and the check says so.
    missing = _manage("check", "--deploy", env=env)
    assert missing.returncode != 0
    assert "cms.E001" in missing.stderr + missing.stdout
    assert "django_cache" in missing.stderr + missing.stdout

    migrated = _manage("migrate", "--noinput", env=env, timeout=900)
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr
    # migrate created the cache table itself: no separate createcachetable step to forget.
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_settings_refuse_to_start_without_secret_key(tmp_path):
    result = _manage(
        "check",
        env={
            "DJANGO_SETTINGS_MODULE": "cms.settings.production",
            "ALLOWED_HOSTS": "fazhi.example.gov.cn",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}",
            "SECRET_KEY": "",
        },
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
