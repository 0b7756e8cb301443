"""The alignment of two versions is stored when a version is imported and read back by the
comparison page, which aligns nothing on a request."""

import re

import pytest
from django.urls import reverse

from cms.laws import services
from cms.laws.alignment import versions_align
from cms.laws.models import ArticleCorrespondence, LawVersion, VersionAlignment
from cms.laws.selectors import stored_alignment
from cms.laws.services import law_library_import
from tests.conftest import LAWS_DIR

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("law_library")]

KEY = "administrative-reconsideration-law"


def _versions():
    return list(LawVersion.objects.filter(law__key=KEY).order_by("version_date"))


def _pairs(changes):
    return [
        (c.old.number if c.old else None, c.new.number if c.new else None, str(c.status))
        for c in changes
    ]


def test_import_stores_one_alignment_per_pair_of_versions():
    old, new = _versions()
    alignment = VersionAlignment.objects.get(old_version=old, new_version=new)
    stored = stored_alignment(old=old, new=new)
    assert _pairs(stored) == _pairs(versions_align(old, new))
    assert ArticleCorrespondence.objects.filter(alignment=alignment).count() == len(stored)
    assert alignment.paragraphs.filter(old_article__number=13, old_paragraph=1).get().new_item == 2


def test_reimporting_unchanged_texts_keeps_the_stored_alignment(monkeypatch):
    before = dict(VersionAlignment.objects.values_list("pk", "computed_at"))

    def refuse(**kwargs):
        raise AssertionError("aligned again although no article changed")

    monkeypatch.setattr(services, "version_alignment_store", refuse)
    law_library_import(directory=LAWS_DIR)
    assert dict(VersionAlignment.objects.values_list("pk", "computed_at")) == before


def test_comparison_page_reads_the_stored_pairs_in_fixed_queries(
    client, monkeypatch, django_assert_num_queries
):
    def refuse(*args, **kwargs):
        raise AssertionError("the comparison page aligned the texts on a request")

    monkeypatch.setattr(services, "articles_align", refuse)
    old, new = _versions()
    url = reverse("laws:compare", args=[KEY])
    with django_assert_num_queries(5):
        response = client.get(url)
    html = response.content.decode()
    stored = stored_alignment(old=old, new=new)
    shown = response.context["changes"]
    assert _pairs(shown) == _pairs(stored)
    assert len(re.findall(r'class="diff-row diff-row--', html)) == len(stored)
    # 2017 §13 is shown with its home, item (二) of 2023 §24 ¶1, never with §28.
    article_13 = next(c for c in shown if c.old and c.old.number == 13)
    assert article_13.new.number == 24
    assert "第一款 → " in html and "第二十四条第一款第（二）项" in html
