"""System checks of the site shell (``manage.py check [--deploy]``) for what the settings
alone cannot show: the private storage, and the database cache table.

A database cache without its table makes every login and every verification a 500 while
the site otherwise looks healthy, so ``check --deploy`` fails on it. ``migrate`` creates the
table (``cms.signal_handlers.create_cache_tables``), so a deployment that migrates has it.
"""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings
from django.core.cache import caches
from django.core.checks import Error, Tags, register
from django.core.files.storage import FileSystemStorage, InvalidStorageError, storages
from django.db import DatabaseError, connections, router

from .private_files import PRIVATE_STORAGE_ALIAS

PRIVATE_STORAGE_HINT = (
    "Set PRIVATE_STORAGE_ROOT to a directory outside MEDIA_ROOT and STATIC_ROOT that the app "
    "and the task worker can write, or point STORAGES['private'] at a private bucket."
)


def _inside(path: Path, root) -> bool:
    if not root:
        return False
    root = Path(root).resolve()
    return path == root or root in path.parents


def _private_filesystem_storage():
    storage = storages[PRIVATE_STORAGE_ALIAS]
    return storage if isinstance(storage, FileSystemStorage) else None


@register(Tags.security)
def check_private_storage_location(app_configs=None, **kwargs) -> list[Error]:
    """The private storage exists as a setting and cannot be reached through /media/ or
    /static/ (cms.E110–cms.E112). Run by every ``check``, so ``runserver`` refuses to start
    with private files inside the media root it serves under DEBUG."""
    config = settings.STORAGES.get(PRIVATE_STORAGE_ALIAS)
    if not config:
        return [
            Error(
                "STORAGES has no 'private' storage for exports and batch files.",
                hint=PRIVATE_STORAGE_HINT,
                id="cms.E110",
            )
        ]
    if config == settings.STORAGES.get("default"):
        return [
            Error(
                "The private storage is the public media storage.",
                hint=PRIVATE_STORAGE_HINT,
                id="cms.E111",
            )
        ]
    try:
        storage = _private_filesystem_storage()
    except InvalidStorageError as error:
        return [Error(f"The private storage cannot be loaded: {error}", id="cms.E110")]
    if storage is None:
        return []  # e.g. S3: its bucket policy is the deployment's to check
    location = Path(storage.location).resolve()
    return [
        Error(
            f"The private storage ({location}) lies inside {name}, which is served to anyone.",
            hint=PRIVATE_STORAGE_HINT,
            id="cms.E112",
        )
        for name in ("MEDIA_ROOT", "STATIC_ROOT")
        if _inside(location, getattr(settings, name, None))
    ]


@register(Tags.security, deploy=True)
def check_private_storage(app_configs=None, **kwargs) -> list[Error]:
    """The private storage directory exists and the app can write to it (cms.E113)."""
    try:
        storage = _private_filesystem_storage()
    except InvalidStorageError:
        return []  # reported by check_private_storage_location
    if storage is None:
        return []
    location = Path(storage.location).resolve()
    if not location.is_dir():
        problem = "does not exist"
    elif not os.access(location, os.W_OK | os.X_OK):
        problem = "is not writable"
    else:
        return []
    return [
        Error(
            f"The private storage directory {location} {problem}.",
            hint=PRIVATE_STORAGE_HINT,
            id="cms.E113",
        )
    ]


CACHE_TABLE_MISSING = "cms.E001"


def database_cache_tables() -> list[tuple[str, str]]:
    """(cache alias, table name) of every cache that the database backend serves."""
    return [
        (alias, config["LOCATION"])
        for alias, config in settings.CACHES.items()
        if config.get("BACKEND", "").endswith("db.DatabaseCache")
    ]


@register(Tags.caches, deploy=True)
def check_cache_tables(app_configs=None, **kwargs) -> list[Error]:
    errors = []
    for alias, table in database_cache_tables():
        using = router.db_for_read(caches[alias].cache_model_class) or "default"
        try:
            with connections[using].cursor() as cursor:
                present = table in connections[using].introspection.table_names(cursor)
        except DatabaseError as exc:
            errors.append(
                Error(
                    f"The database for cache '{alias}' cannot be reached: {exc}",
                    id=CACHE_TABLE_MISSING,
                )
            )
            continue
        if not present:
            errors.append(
                Error(
                    f"The cache '{alias}' uses the database table '{table}', which does not "
                    "exist: logins and verification would fail.",
                    hint="Run 'manage.py migrate' (it creates the table) or "
                    "'manage.py createcachetable'.",
                    id=CACHE_TABLE_MISSING,
                )
            )
    return errors
