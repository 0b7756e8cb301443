"""Local development: the embedded SQLite database, console e-mail, debug on."""

import os

from .base import *  # noqa: F401,F403

if os.environ.get("SQLITE_PATH"):
    DATABASES["default"]["NAME"] = os.environ["SQLITE_PATH"]  # noqa: F405

DEBUG = True
SECRET_KEY = "dev-only-not-secret-3f9c1e7a2b"  # noqa: S105 - development only
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]", "testserver"]
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# WhiteNoise looks for STATIC_ROOT at start-up; it stays empty until collectstatic.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405
