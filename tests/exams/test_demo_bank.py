"""Every demo question cites articles that exist, and its key names options that exist."""

import csv

import pytest
from django.conf import settings

from cms.laws.citations import citations_resolve
from cms.laws.policies import IMPLEMENTATION_PLAN_KEY, unit_path
from cms.laws.services import law_library_import, policy_documents_import
from exams.demo import DEMO_DIR, DEMO_FILES
from exams.formats.spreadsheet import OPTION_LETTERS
from exams.models import Question, QuestionStatus
from exams.services import questions_import

pytestmark = pytest.mark.django_db


@pytest.fixture
def whole_library():
    law_library_import(directory=settings.SHARED_DIR / "laws")
    policy_documents_import(base_dir=settings.SHARED_DIR)


def _rows(files=DEMO_FILES):
    for name in files:
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
        assert report.imported == len(list(_rows([name])))


PLAN_FILE = "questions_plan.csv"


def test_the_plan_questions_cite_its_units_in_every_part_and_become_active(whole_library):
    assert PLAN_FILE in DEMO_FILES
    rows = [row for _name, _line, row in _rows([PLAN_FILE])]
    assert len(rows) >= 20
    parts = set()
    for row in rows:
        [unit] = citations_resolve(row["法条"])
        assert unit.version.law.key == IMPLEMENTATION_PLAN_KEY, row["法条"]
        assert unit.label in row["解析"], row["题干"]  # the explanation names the unit it quotes
        parts.add(unit_path(unit.number)[0])
        options = [row[f"选项{letter}"] for letter in OPTION_LETTERS if row[f"选项{letter}"]]
        if row["题型"] == "单选":
            assert len(options) == 4 and len(row["答案"]) == 1, row["题干"]
        elif row["题型"] == "多选":
            assert len(options) - len(row["答案"]) >= 2, row["题干"]  # two wrong options or more
        for giveaway in ("一律", "唯一"):
            assert all(giveaway not in option for option in options), row["题干"]
    assert parts == {1, 2, 3}
    keys = [row["答案"] for row in rows if row["题型"] == "判断"]
    assert {"对", "错"} <= set(keys)

    report = questions_import(data=(DEMO_DIR / PLAN_FILE).read_bytes(), filename=PLAN_FILE)
    assert report.errors == [] and report.imported == len(rows)
    imported = Question.objects.filter(
        current_version__citations__article__version__law__key=IMPLEMENTATION_PLAN_KEY
    ).distinct()
    assert imported.count() == len(rows)
    assert set(imported.values_list("status", flat=True)) == {QuestionStatus.ACTIVE}
