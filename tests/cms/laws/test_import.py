"""Importing the real library: counts, idempotency, current versions and the signal."""

import io
import shutil

import pytest
from django.core.management import call_command

from cms.laws.models import Article, Law, LawVersion
from cms.laws.services import LawImportError, law_library_import
from cms.laws.signals import law_version_added
from tests.conftest import LAWS_DIR

from .conftest import article_paragraph_count, manifest_rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def received():
    calls = []

    def receiver(sender, **kwargs):
        calls.append(kwargs)

    law_version_added.connect(receiver)
    yield calls
    law_version_added.disconnect(receiver)


def _snapshot():
    return sorted(
        Article.objects.values_list(
            "pk", "version__law__key", "version__version_date", "number", "label", "text"
        )
    )


@pytest.mark.postgres
def test_import_counts_every_version_and_is_idempotent(received):
    out = io.StringIO()
    report = law_library_import(directory=LAWS_DIR, stdout=out)

    rows = manifest_rows()
    assert LawVersion.objects.count() == len(rows) == 20
    assert Law.objects.count() == 18
    for row in rows:
        expected = article_paragraph_count(LAWS_DIR / row["file"])
        version = LawVersion.objects.get(law__key=row["law"], version_date=row["version_date"])
        assert version.articles.count() == expected, row["file"]
        assert f"{row['file']}: {expected} articles\n" in out.getvalue()
    assert report.articles_created == Article.objects.count() == 1466
    # Both amended laws got their new version announced, with the predecessor.
    announced = {(c["version"].law.key, str(c["previous"].version_date)) for c in received}
    assert announced == {
        ("administrative-reconsideration-law", "2017-09-01"),
        ("legislation-law", "2015-03-15"),
    }
    assert all(c["version"].is_current for c in received)

    before = _snapshot()
    again = law_library_import(directory=LAWS_DIR, stdout=io.StringIO())

    assert not again.changed
    assert _snapshot() == before
    assert LawVersion.objects.count() == 20
    assert len(received) == 2  # nothing new the second time


def test_current_versions_and_short_titles():
    law_library_import(directory=LAWS_DIR)

    current = LawVersion.objects.filter(is_current=True)
    assert current.count() == Law.objects.count()
    assert (
        str(current.get(law__key="administrative-reconsideration-law").version_date) == "2023-09-01"
    )
    assert not LawVersion.objects.get(
        law__key="legislation-law", version_date="2015-03-15"
    ).is_current
    titles = dict(Law.objects.values_list("key", "short_title"))
    assert titles["administrative-licensing-law"] == "行政许可法"
    assert titles["constitution"] == "宪法"
    assert titles["constitution-amendment-2018"] == "宪法修正案（2018年）"
    assert titles["petition-work-regulations"] == "信访工作条例"
    constitution = LawVersion.objects.get(law__key="constitution")
    assert constitution.preamble.startswith("中国是世界上历史最悠久的国家之一。")


def _copy_library(tmp_path, files):
    rows = [row for row in manifest_rows() if row["file"] in files]
    header = "law,file,title,category,first_adopted,version_date,source_path\n"
    lines = [",".join(row[k] for k in header.strip().split(",")) for row in rows]
    (tmp_path / "manifest.csv").write_text(header + "\n".join(lines) + "\n", encoding="utf-8")
    for name in files:
        shutil.copy(LAWS_DIR / name, tmp_path / name)


@pytest.mark.postgres
def test_reimport_updates_in_place_and_a_later_version_is_announced(tmp_path, received):
    old, new = "legislation-law_2015-03-15.md", "legislation-law_2023-03-13.md"
    _copy_library(tmp_path, [old])
    law_library_import(directory=tmp_path)
    article = Article.objects.get(version__law__key="legislation-law", number=6)
    assert received == []  # a first version has no predecessor

    path = tmp_path / old
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("立法应当从实际出发", "立法应当始终从实际出发", 1), "utf-8")
    report = law_library_import(directory=tmp_path)

    article.refresh_from_db()
    assert report.articles_updated == 1 and report.articles_created == 0
    assert article.text.startswith("立法应当始终从实际出发")

    _copy_library(tmp_path, [old, new])
    law_library_import(directory=tmp_path)

    assert [c["version"].version_date.isoformat() for c in received] == ["2023-03-13"]
    assert received[0]["previous"].version_date.isoformat() == "2015-03-15"
    versions = LawVersion.objects.filter(law__key="legislation-law")
    assert [v.is_current for v in versions.order_by("version_date")] == [False, True]


def test_dry_run_writes_nothing(received):
    report = law_library_import(directory=LAWS_DIR, dry_run=True)

    assert report.articles_created == 1466
    assert Article.objects.count() == 0 and Law.objects.count() == 0
    assert received == []


def test_missing_manifest_is_reported(tmp_path):
    with pytest.raises(LawImportError, match="manifest.csv"):
        law_library_import(directory=tmp_path)


def test_command_prints_each_file(tmp_path):
    _copy_library(tmp_path, ["administrative-licensing-law_2019-04-23.md"])
    out = io.StringIO()
    call_command("import_laws", str(tmp_path), stdout=out)

    assert "administrative-licensing-law_2019-04-23.md: 83 articles" in out.getvalue()
    assert Article.objects.filter(version__law__key="administrative-licensing-law").count() == 83
