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
    citations_resolve_parts,
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


# --- 款, 项, ranges and version forms -------------------------------------------------------


def _parts(text: str) -> list[tuple[str, int, int | None, int | None]]:
    return [
        (p.article.version.law.short_title, p.article.number, p.paragraph, p.item)
        for p in citations_resolve_parts(text)
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("《行政处罚法》第三十二条第一款", [("行政处罚法", 32, 1, None)]),
        ("行政处罚法第三十二条第一款第（二）项", [("行政处罚法", 32, 1, 2)]),
        ("行政处罚法第32条第(五)项", [("行政处罚法", 32, None, 5)]),
        ("行政处罚法第三十三条第三款", [("行政处罚法", 33, 3, None)]),
        (
            "行政处罚法第三十三条第一款、第二款",
            [("行政处罚法", 33, 1, None), ("行政处罚法", 33, 2, None)],
        ),
        (
            "行政处罚法第九条至第十一条",
            [
                ("行政处罚法", 9, None, None),
                ("行政处罚法", 10, None, None),
                ("行政处罚法", 11, None, None),
            ],
        ),
    ],
)
def test_paragraphs_items_and_ranges(text, expected):
    assert _parts(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "行政复议法（2017年）第九条",
        "行政复议法（2017年修正）第九条",
        "《中华人民共和国行政复议法》（2017-09-01）第九条",
        "行政复议法(2017年9月1日)第九条",
    ],
)
def test_version_forms(text):
    [article] = citations_resolve(text)
    assert str(article.version.version_date) == "2017-09-01"


def test_a_revision_year_names_the_version():
    [article] = citations_resolve("行政复议法（2023年修订）第二十四条")
    assert article.version.is_current and article.number == 24


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # 第三十二条 is one paragraph with five items; 第三十三条 has three paragraphs.
        ("行政处罚法第三十二条第二款", "行政处罚法第三十二条没有第二款（该条共一款）"),
        ("行政处罚法第三十三条第四款", "行政处罚法第三十三条没有第四款（该条共三款）"),
        ("行政处罚法第三十二条第（六）项", "行政处罚法第三十二条没有第（六）项（共五项）"),
        (
            "行政处罚法第三十三条第一款第（一）项",
            "行政处罚法第三十三条第一款没有第（一）项（共零项）",
        ),
    ],
)
def test_parts_are_checked_against_the_articles_paragraphs(text, message):
    with pytest.raises(CitationError) as error:
        citations_resolve(text)
    assert error.value.errors == [message]


def test_a_huge_range_is_refused():
    with pytest.raises(CitationError) as error:
        citations_resolve("行政处罚法第一条至第九千条")
    assert "范围过大" in str(error.value)


def test_format_of_parts_round_trips():
    for text in ("行政处罚法第三十二条第一款第（二）项", "行政复议法（2017）第九条第一款"):
        [part] = citations_resolve_parts(text)
        formatted = citation_format(part.article, part.paragraph, part.item)
        assert formatted == text
        assert citations_resolve_parts(formatted) == [part]
    [part] = citations_resolve_parts("行政处罚法第32条第(2)项")
    assert (
        citation_format(part.article, part.paragraph, part.item) == "行政处罚法第三十二条第（二）项"
    )
