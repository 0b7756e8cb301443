"""Tests: fast hashing, in-memory cache and mail, tasks run immediately.

``TEST_DATABASE_URL`` switches the whole run to PostgreSQL (CI does this for the tests
marked ``postgres``, which depend on row locks and constraints).
"""

import os

import dj_database_url

from .base import *  # noqa: F401,F403

DEBUG = False
SECRET_KEY = "test-only-not-secret"  # noqa: S105
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = BASE_DIR / "var" / "test-media"  # noqa: F405
PRIVATE_STORAGE_ROOT = BASE_DIR / "var" / "test-private"  # noqa: F405
STORAGES["private"] = {
    **STORAGES["private"],
    "OPTIONS": {**STORAGES["private"]["OPTIONS"], "location": PRIVATE_STORAGE_ROOT},
}
WAGTAILADMIN_BASE_URL = "http://testserver"
# The cache outlives a test's database: facilities are not kept between draws in tests.
EXAM_BALANCE_FACILITY_CACHE_SECONDS = 0

if os.environ.get("TEST_DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(os.environ["TEST_DATABASE_URL"])}
else:
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}

# WhiteNoise looks for STATIC_ROOT at start-up; it stays empty until collectstatic.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405
