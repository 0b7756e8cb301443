"""The real law library, imported once per test module that asks for it.

The import runs outside the per-test transactions (``django_db_blocker``) and is removed
when the module is done, so modules stay independent of each other.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from cms.laws.models import Law
from cms.laws.services import law_library_import
from tests.conftest import LAWS_DIR

# Counted independently of the parser: a paragraph that starts with 第X条 and a space.
ARTICLE_LINE_RE = re.compile(r"^第[零〇一二三四五六七八九十百千]+条 ", re.MULTILINE)


def manifest_rows() -> list[dict[str, str]]:
    with (LAWS_DIR / "manifest.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def article_paragraph_count(path: Path) -> int:
    return len(ARTICLE_LINE_RE.findall(path.read_text(encoding="utf-8")))


@pytest.fixture(scope="module")
def law_library(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        law_library_import(directory=LAWS_DIR)
    yield
    with django_db_blocker.unblock():
        Law.objects.all().delete()
