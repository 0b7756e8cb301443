"""Settings for the load benchmarks: production's middleware and database, on 127.0.0.1.

``DATABASE_URL`` must be set (the autosave benchmark points it at a throwaway PostgreSQL
cluster). Everything else production requires gets a bench-only default, and the things that
only make sense behind TLS (SSL redirect, HSTS, secure cookies) are off, since the load comes
over plain HTTP from the same machine.
"""

import os

os.environ.setdefault("SECRET_KEY", "bench-only-not-secret")
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("SECURE_HSTS_SECONDS", "0")
os.environ.setdefault("LOG_LEVEL", "WARNING")

from cms.settings.production import *  # noqa: E402,F401,F403

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
ROOT_URLCONF = "tests.bench.plain_urls"
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
