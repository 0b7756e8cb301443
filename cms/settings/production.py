"""Production: every deployment value comes from the environment.

Required: ``SECRET_KEY``, ``ALLOWED_HOSTS`` (comma-separated), ``DATABASE_URL``
(``postgres://user:pass@host:5432/db`` or ``sqlite:////path/to/db.sqlite3``).
Optional: ``CSRF_TRUSTED_ORIGINS`` (comma-separated origins), ``EMAIL_URL``-style settings
``EMAIL_HOST``/``EMAIL_PORT``/``EMAIL_HOST_USER``/``EMAIL_HOST_PASSWORD``/``EMAIL_USE_TLS``,
``DEFAULT_FROM_EMAIL``, ``WAGTAILADMIN_BASE_URL`` (the public base URL, also printed in QR
codes), ``SECURE_SSL_REDIRECT`` (default on; turn off only behind a proxy that redirects),
``TRUSTED_PROXY_COUNT`` (reverse proxies in front of the app, default 1),
``CACHE_URL``-less deployments use the database cache table ``django_cache``.
``STATIC_ROOT`` / ``MEDIA_ROOT`` (default ``var/static`` / ``var/media`` beside the code).
``PRIVATE_STORAGE_ROOT`` (default ``var/private`` beside the code): the directory of private
files (exports, batch zips), outside MEDIA_ROOT and STATIC_ROOT, writable by the app and the
worker; ``PRIVATE_FILE_RETENTION_DAYS`` (default 7): how long they are kept.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F401,F403


def _env(name: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        raise ImproperlyConfigured(f"Set the environment variable {name} for production.")
    return value


def _flag(name: str, default: bool) -> bool:
    return os.environ.get(name, "1" if default else "0").lower() in {"1", "true", "yes", "on"}


DEBUG = False
SECRET_KEY = _env("SECRET_KEY")
ALLOWED_HOSTS = [h.strip() for h in _env("ALLOWED_HOSTS").split(",") if h.strip()]
# Persistent connections (one per app server thread), checked before each request reuses
# one: after PostgreSQL restarts or fails over, the first request of every thread reconnects
# instead of failing with "server closed the connection" (a 500 per stale connection).
DATABASES = {
    "default": dj_database_url.parse(_env("DATABASE_URL"), conn_max_age=60, conn_health_checks=True)
}
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]
WAGTAILADMIN_BASE_URL = os.environ.get("WAGTAILADMIN_BASE_URL", f"https://{ALLOWED_HOSTS[0]}")

# A shared cache so that login rate limits hold across several app processes.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "django_cache",
    }
}

# How many reverse proxies (nginx, a load balancer) stand in front of the app servers: the
# client IP used by login and verification rate limits is read from X-Forwarded-For that
# many hops from the right. Leave 0 only when clients connect to gunicorn directly.
ALLAUTH_TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "1"))

# Where collectstatic puts the static files nginx serves, and the public media (lesson
# images); defaults var/static and var/media beside the code (deploy/nginx/fazhi.conf).
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or STATIC_ROOT)  # noqa: F405
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT") or MEDIA_ROOT)  # noqa: F405

# Private files on local or shared disk; to keep them in S3 instead, set STORAGES["private"]
# to a private bucket in a settings module that imports this one (never the media bucket).
PRIVATE_STORAGE_ROOT = Path(os.environ.get("PRIVATE_STORAGE_ROOT") or PRIVATE_STORAGE_ROOT)  # noqa: F405
STORAGES = {  # noqa: F405
    **STORAGES,  # noqa: F405
    "private": {
        **STORAGES["private"],  # noqa: F405
        "OPTIONS": {**STORAGES["private"]["OPTIONS"], "location": PRIVATE_STORAGE_ROOT},  # noqa: F405
    },
}
PRIVATE_FILE_RETENTION_DAYS = int(
    os.environ.get("PRIVATE_FILE_RETENTION_DAYS", PRIVATE_FILE_RETENTION_DAYS)  # noqa: F405
)

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = _flag("SECURE_SSL_REDIRECT", True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"  # Wagtail's preview views opt in to SAMEORIGIN themselves

EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _flag("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", DEFAULT_FROM_EMAIL)  # noqa: F405

LOGGING["root"]["level"] = os.environ.get("LOG_LEVEL", "INFO")  # noqa: F405
