"""Citations: every accepted form, version selection, errors and the canonical round trip."""

import pytest

from cms.laws.citations import (
    ARTICLE_UNKNOWN,
    CITATION_EMPTY,
    CITATION_NO_LAW,
    CITATION_UNRECOGNISED,
    LAW_UNKNOWN,
    VERSION_UNKNOWN,
    Citation,
    CitationError,
    citation_format,
    citation_parse,
    citations_resolve,
)
from cms.laws.models import Article

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("law_library")]


@pytest.mark.parametrize(
    "text",
    [
        "行政许可法第四十二条",
        "行政许可法第42条",
        "《中华人民共和国行政许可法》第四十二条",
        "《行政许可法》第４２条",
        " 行政许可法 第四十二条 ",
    ],
)
def test_forms_of_one_citation(text):
    assert citation_parse(text) == [Citation("行政许可法", 42, None, text.strip())]
    [article] = citations_resolve(text)
    assert (article.version.law.key, article.number) == ("administrative-licensing-law", 42)
    assert article.version.is_current


def test_versions_by_year_or_date():
    for text in ("行政复议法（2017）第九条", "行政复议法(2017-09-01)第九条"):
        [article] = citations_resolve(text)
        assert str(article.version.version_date) == "2017-09-01"
        assert article.text.startswith("公民、法人或者其他组织认为具体行政行为侵犯其合法权益的")
    [current] = citations_resolve("行政复议法第九条")
    assert str(current.version.version_date) == "2023-09-01"


def test_several_citations_and_inherited_law_name():
    text = "行政许可法第四十二条；行政许可法第四十三条;宪法第五条、第三十三条\n立法法（2015）第八条"
    articles = citations_resolve(text)
    assert [(a.version.law.short_title, a.number) for a in articles] == [
        ("行政许可法", 42),
        ("行政许可法", 43),
        ("宪法", 5),
        ("宪法", 33),
        ("立法法", 8),
    ]


def test_title_with_brackets_is_not_a_version():
    [article] = citations_resolve("宪法修正案（2018年）第三十二条")
    assert article.version.law.key == "constitution-amendment-2018"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("行政许可法第九十条", ARTICLE_UNKNOWN % {"law": "行政许可法", "label": "第九十条"}),
        ("道路交通安全法第一条", LAW_UNKNOWN % {"law": "道路交通安全法"}),
        ("行政复议法（2016）第一条", VERSION_UNKNOWN % {"law": "行政复议法", "version": "2016"}),
        (
            "行政复议法（2017）第五十条",
            ARTICLE_UNKNOWN % {"law": "行政复议法（2017）", "label": "第五十条"},
        ),
        ("见行政许可法", CITATION_UNRECOGNISED % {"text": "见行政许可法"}),
        ("第一条", CITATION_NO_LAW % {"text": "第一条"}),
        ("", CITATION_EMPTY),
    ],
)
def test_errors_name_what_is_wrong(text, message):
    with pytest.raises(CitationError) as error:
        citations_resolve(text)
    assert str(message) in error.value.errors


def test_all_errors_are_reported_together():
    with pytest.raises(CitationError) as error:
        citations_resolve("行政许可法第九十条；宪法第一条；某某法第一条")
    assert len(error.value.errors) == 2
    assert "行政许可法没有第九十条" in str(error.value)


def test_format_round_trips_for_every_article():
    articles = list(Article.objects.select_related("version__law"))
    assert len(articles) == 1466
    for article in articles:
        assert citations_resolve(citation_format(article)) == [article]


def test_canonical_forms():
    old = Article.objects.get(
        version__law__key="administrative-reconsideration-law", version__is_current=False, number=9
    )
    current = Article.objects.get(version__law__key="administrative-licensing-law", number=42)
    assert citation_format(old) == "行政复议法（2017）第九条"
    assert citation_format(current) == "行政许可法第四十二条"
