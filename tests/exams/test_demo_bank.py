"""Every demo question cites articles that exist, and its key names options that exist."""

import csv

import pytest
from django.conf import settings

from cms.laws.citations import citations_resolve
from cms.laws.services import law_library_import
from exams.demo import DEMO_DIR, DEMO_FILES
from exams.formats.spreadsheet import OPTION_LETTERS
from exams.services import questions_import

pytestmark = pytest.mark.django_db


@pytest.fixture
def whole_library():
    law_library_import(directory=settings.SHARED_DIR / "laws")


def _rows():
    for name in DEMO_FILES:
        with open(DEMO_DIR / name, encoding="utf-8") as source:
            yield from ((name, i, row) for i, row in enumerate(csv.DictReader(source), start=2))


def test_demo_bank_is_large_and_varied():
    rows = [row for _name, _i, row in _rows()]
    assert len(rows) >= 300
    assert len({row["知识点"] for row in rows}) >= 8
    assert {row["题型"] for row in rows} == {"单选", "多选", "判断"}
    assert all(row["解析"].strip() and row["法条"].strip() for row in rows)


def test_every_citation_resolves_and_every_key_names_an_option(whole_library):
    for name, line, row in _rows():
        assert citations_resolve(row["法条"]), (name, line)
        if row["题型"] == "判断":
            assert row["答案"] in {"对", "错"}, (name, line)
            continue
        for letter in row["答案"]:
            assert row[f"选项{letter}"].strip(), (name, line, letter)
        assert set(row["答案"]) <= set(OPTION_LETTERS)


def test_the_demo_files_import_without_errors(whole_library):
    for name in DEMO_FILES:
        report = questions_import(data=(DEMO_DIR / name).read_bytes(), filename=name, dry_run=True)
        assert report.errors == [], report.errors[:3]
        assert report.imported > 150
