"""Fixtures for the exam app: a law library made of a chosen subset of the real texts."""

import csv
import shutil
from pathlib import Path

import pytest

from cms.laws.services import law_library_import
from tests.conftest import LAWS_DIR

BANK_LAWS = ["constitution", "administrative-licensing-law", "administrative-penalty-law",
             "administrative-reconsideration-law"]


def laws_subset(target: Path, keys: list[str], *, exclude_files: tuple[str, ...] = ()) -> Path:
    """Copy the manifest rows (and files) of the given laws into ``target``."""
    target.mkdir(parents=True, exist_ok=True)
    with open(LAWS_DIR / "manifest.csv", encoding="utf-8") as source:
        reader = csv.DictReader(source)
        rows = [r for r in reader if r["law"] in keys and r["file"] not in exclude_files]
        fieldnames = reader.fieldnames
    with open(target / "manifest.csv", "w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=fieldnames)
        writer.writeheader()
        writer.writerows(rows)
    for row in rows:
        shutil.copy(LAWS_DIR / row["file"], target / row["file"])
    return target


@pytest.fixture
def law_library(tmp_path, db):
    """宪法, 行政许可法, 行政处罚法 and both versions of 行政复议法 (2023 current)."""
    law_library_import(directory=laws_subset(tmp_path / "laws", BANK_LAWS))
