"""The law library's article search finds Chinese words inside article text (a substring
match; on PostgreSQL served by a trigram index), the law named by the term first."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.urls import reverse

from cms.laws import selectors
from cms.laws.models import Article, Law, LawVersion

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("law_library")]

TRIGRAM_INDEX = "laws_article_text_trgm"


@pytest.mark.postgres
def test_a_chinese_word_inside_an_article_is_found_its_law_first(
    client, django_assert_max_num_queries
):
    with django_assert_max_num_queries(3):
        response = client.get(reverse("laws:search"), {"q": "行政处罚"})

    page_obj = response.context["page_obj"]
    articles = list(page_obj)
    assert page_obj.paginator.count > 20
    assert articles[0].version.law.short_title == "行政处罚法"
    # Inside running text, e.g. 行政处罚法 第二条 "行政处罚是指行政机关依法对违反…"
    assert any("行政处罚是指" in article.text for article in articles)
    laws = [
        article.version.law.short_title for article in selectors.articles_search(query="行政处罚")
    ]
    first_other = next(n for n, law in enumerate(laws) if law != "行政处罚法")
    assert set(laws[:first_other]) == {"行政处罚法"} and "行政处罚法" not in laws[first_other:]
    assert len(set(laws)) > 3  # other laws that speak of 行政处罚 are found too
    assert "<mark>行政处罚</mark>" in response.content.decode()


@pytest.mark.postgres
def test_a_latin_term_and_an_absent_term(client):
    law = Law.objects.create(
        key="e-service", title="电子政务办法", short_title="电子政务办法", category="地方性法规"
    )
    version = LawVersion.objects.create(
        law=law, version_date=datetime.date(2024, 1, 1), source_file="e.md", is_current=True
    )
    Article.objects.create(
        version=version, number=1, label="第一条", text="当事人可以通过政务APP提交申请材料。"
    )

    assert [str(a) for a in selectors.articles_search(query="app")] == ["电子政务办法第一条"]
    assert [str(a) for a in selectors.articles_search(query="APP提交")] == ["电子政务办法第一条"]
    assert selectors.articles_search(query="国际海运").count() == 0
    html = client.get(reverse("laws:search"), {"q": "国际海运"}).content.decode()
    assert "找到 0 条" in html


@pytest.mark.postgres
def test_one_character_and_a_long_query(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        one = client.get(reverse("laws:search"), {"q": "罚"})
    assert one.status_code == 200 and one.context["page_obj"].paginator.count > 50
    with django_assert_max_num_queries(3):
        long = client.get(reverse("laws:search"), {"q": "行政处罚" * 50})
    assert long.status_code == 200 and long.context["terms"] == ["行政处罚" * 10]


@pytest.mark.postgres
def test_the_trigram_index_serves_the_search_on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("the trigram index exists on PostgreSQL only")
    # The filter articles_search applies per term (the planner may still prefer another
    # index for the whole query when the term is common, as 行政处罚 is in this library).
    matching = Article.objects.filter(text__icontains="行政处罚").order_by().values("pk")
    sql, params = matching.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = %s", [TRIGRAM_INDEX])
        assert "gin_trgm_ops" in cursor.fetchone()[0]
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert TRIGRAM_INDEX in plan
