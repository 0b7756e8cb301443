"""Deployment checks of the site shell (``manage.py check --deploy``)."""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.core.files.storage import FileSystemStorage, InvalidStorageError, storages

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


@register(Tags.security, deploy=True)
def check_private_storage(app_configs=None, **kwargs) -> list[Error]:
    """The private storage exists, is writable, and cannot be reached through /media/ or
    /static/ (cms.E110–cms.E113)."""
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
        storage = storages[PRIVATE_STORAGE_ALIAS]
    except InvalidStorageError as error:
        return [Error(f"The private storage cannot be loaded: {error}", id="cms.E110")]
    if not isinstance(storage, FileSystemStorage):
        return []  # e.g. S3: its bucket policy is the deployment's to check
    location = Path(storage.location).resolve()
    errors = []
    for name in ("MEDIA_ROOT", "STATIC_ROOT"):
        if _inside(location, getattr(settings, name, None)):
            errors.append(
                Error(
                    f"The private storage ({location}) lies inside {name}, which is served "
                    "to anyone.",
                    hint=PRIVATE_STORAGE_HINT,
                    id="cms.E112",
                )
            )
    if not location.is_dir():
        errors.append(
            Error(
                f"The private storage directory {location} does not exist.",
                hint=PRIVATE_STORAGE_HINT,
                id="cms.E113",
            )
        )
    elif not os.access(location, os.W_OK | os.X_OK):
        errors.append(
            Error(
                f"The private storage directory {location} is not writable.",
                hint=PRIVATE_STORAGE_HINT,
                id="cms.E113",
            )
        )
    return errors
