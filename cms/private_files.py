"""The private storage: files that hold people's data and must never be public.

HR exports, certificate and credential-card zips and uploads awaiting confirmation
(``cms.uploads``) are written to ``STORAGES["private"]`` (default: ``var/private``, beside and never
inside MEDIA_ROOT, which a deployment serves to anyone for lesson images). They get a random
name (:func:`private_name`), so nobody can guess one; the human file name is kept by the
owning record and given only in the ``Content-Disposition`` of the download
(:func:`private_file_response`), which the owning app's view answers after checking who asks.
Files are removed after ``PRIVATE_FILE_RETENTION_DAYS`` by each owning app's purge service.

The storage is looked up on every use (:func:`private_storage`), so a deployment can point the
alias at another directory or another backend (S3) without a migration.
"""

from __future__ import annotations

import datetime
import re
import secrets
from collections.abc import Iterator
from pathlib import PurePosixPath

from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.core.signals import setting_changed
from django.http import FileResponse
from django.utils import timezone
from django.utils.functional import LazyObject, empty

PRIVATE_STORAGE_ALIAS = "private"
# 24 random bytes: 32 URL-safe characters, 192 bits.
TOKEN_BYTES = 24
_SUFFIX_RE = re.compile(r"^\.[a-z0-9]{1,8}$")


class PrivateFileSystemStorage(FileSystemStorage):
    """A file system storage that has no URL: its files are answered only by views."""

    def url(self, name):
        raise ValueError(
            "Private files have no URL; serve them through a view that checks the requester."
        )


class _PrivateStorage(LazyObject):
    def _setup(self):
        self._wrapped = storages[PRIVATE_STORAGE_ALIAS]


_private = _PrivateStorage()


def _reset(*, setting, **kwargs) -> None:
    if setting == "STORAGES":
        _private._wrapped = empty


setting_changed.connect(_reset)


def private_storage() -> Storage:
    """``storages["private"]``; also the ``storage=`` callable of private ``FileField``s."""
    return _private


def private_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def private_name(directory: str, filename: str = "") -> str:
    """``<directory>/<random token><.ext>``: only the extension of ``filename`` is kept."""
    suffix = PurePosixPath(filename).suffix.lower()
    if not _SUFFIX_RE.match(suffix):
        suffix = ""
    return f"{directory.strip('/')}/{private_token()}{suffix}"


def private_files_older_than(directory: str, cutoff: datetime.datetime) -> Iterator[str]:
    """Names of the files under ``directory`` last modified before ``cutoff``."""
    storage = private_storage()
    try:
        subdirectories, files = storage.listdir(directory)
    except FileNotFoundError:
        return
    for name in files:
        path = f"{directory}/{name}"
        try:
            modified = storage.get_modified_time(path)
        except FileNotFoundError:
            continue
        if modified < cutoff:
            yield path
    for sub in subdirectories:
        yield from private_files_older_than(f"{directory}/{sub}", cutoff)


def retention_cutoff(*, days: int | None = None) -> datetime.datetime:
    """Files made before this moment have outlived ``days`` (default
    ``PRIVATE_FILE_RETENTION_DAYS``)."""
    if days is None:
        days = settings.PRIVATE_FILE_RETENTION_DAYS
    return timezone.now() - datetime.timedelta(days=days)


def private_file_response(name: str, *, filename: str) -> FileResponse:
    """Stream a private file as an attachment named ``filename`` (UTF-8, e.g. Chinese).

    Raises ``FileNotFoundError`` when the file is gone. Never cached by a browser or proxy.
    """
    handle = private_storage().open(name, "rb")
    response = FileResponse(handle, as_attachment=True, filename=filename)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
