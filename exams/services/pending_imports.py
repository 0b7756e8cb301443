"""Question-bank uploads kept between the dry run and "确认导入", in the private storage.

Only a random token goes to the browser (and into the session); the file itself is in
``STORAGES["private"]``, never under MEDIA_ROOT. Confirming or uploading again deletes it;
``purge_private_files`` removes the ones left behind after the retention period.
"""

from __future__ import annotations

import datetime
import re
import secrets

from django.core.files.base import ContentFile

from cms.private_files import private_files_older_than, private_storage

PENDING_IMPORT_DIRECTORY = "exams/question-imports"
PENDING_IMPORT_TOKEN_RE = re.compile(r"^[0-9a-f]{32}$")


def _name(token: str) -> str | None:
    if not PENDING_IMPORT_TOKEN_RE.match(token or ""):
        return None
    return f"{PENDING_IMPORT_DIRECTORY}/{token}"


def pending_import_save(*, data: bytes) -> str:
    """Keep an upload that passed its dry run; returns its token (128 random bits)."""
    token = secrets.token_hex(16)
    private_storage().save(f"{PENDING_IMPORT_DIRECTORY}/{token}", ContentFile(data))
    return token


def pending_import_read(*, token: str) -> bytes | None:
    """The kept upload, or ``None`` when the token is malformed or the file is gone."""
    name = _name(token)
    if name is None:
        return None
    try:
        with private_storage().open(name, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        return None


def pending_import_delete(*, token: str) -> None:
    name = _name(token)
    if name is not None:
        private_storage().delete(name)


def pending_imports_purge(*, cutoff: datetime.datetime, dry_run: bool = False) -> list[str]:
    """Delete kept uploads older than ``cutoff`` (never confirmed); returns their names."""
    names = list(private_files_older_than(PENDING_IMPORT_DIRECTORY, cutoff))
    if not dry_run:
        for name in names:
            private_storage().delete(name)
    return names
