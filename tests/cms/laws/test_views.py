"""Front-office pages of the law library, with query budgets, and the admin viewsets."""

import re

import pytest
from django.urls import reverse

from cms.laws.models import Article, LawVersion
from tests.factories import UserFactory, give_totp

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("law_library")]


def test_index_groups_laws_with_current_article_counts(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        response = client.get(reverse("laws:index"))
    html = response.content.decode()
    assert response.status_code == 200
    assert html.index('<h2 id="cat-1">宪法</h2>') < html.index("行政法规</h2>")
    assert "中华人民共和国行政复议法" in html
    assert "共 90 条" in html and "共 143 条" in html
    assert reverse("laws:compare", args=["administrative-reconsideration-law"]) in html


def test_law_page_has_every_article_anchor_and_version_picker(
    client, django_assert_max_num_queries
):
    with django_assert_max_num_queries(4):
        response = client.get(reverse("laws:detail", args=["administrative-reconsideration-law"]))
    html = response.content.decode()
    assert response.status_code == 200
    anchors = re.findall(r'<article class="article" id="art-(\d+)"', html)
    assert anchors == [str(n) for n in range(1, 91)]
    assert "第一章 总 则" in html and "第一节" in html
    assert 'href="/laws/administrative-reconsideration-law/2017-09-01/"' in html
    assert reverse("laws:compare", args=["administrative-reconsideration-law"]) in html


def test_old_version_page_and_article_url(client, django_assert_max_num_queries):
    article = Article.objects.select_related("version__law").get(
        version__law__key="legislation-law", version__version_date="2015-03-15", number=13
    )
    assert article.get_absolute_url() == "/laws/legislation-law/2015-03-15/#art-13"
    with django_assert_max_num_queries(4):
        response = client.get("/laws/legislation-law/2015-03-15/")
    html = response.content.decode()
    assert "历史版本" in html and 'id="art-105"' in html and 'id="art-106"' not in html
    assert "行政管理等领域的特定事项授权" in html


def test_constitution_shows_preamble(client):
    html = client.get("/laws/constitution/").content.decode()
    assert 'id="preamble"' in html and "中国是世界上历史最悠久的国家之一。" in html
    assert 'id="art-143"' in html


def test_unknown_law_or_version_is_404(client):
    assert client.get("/laws/no-such-law/").status_code == 404
    assert client.get("/laws/legislation-law/2016-01-01/").status_code == 404
    assert client.get("/laws/legislation-law/2015-13-45/").status_code == 404


def test_search_finds_a_phrase_in_current_versions(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        response = client.get(reverse("laws:search"), {"q": "不属于行政复议范围"})
    html = response.content.decode()
    assert "<mark>不属于行政复议范围</mark>" in html
    assert 'href="/laws/administrative-reconsideration-law/2023-09-01/#art-12"' in html
    assert "找到 1 条" in html


def test_search_all_versions_and_several_terms(client):
    current = client.get(reverse("laws:search"), {"q": "具体行政行为 六十日"}).content.decode()
    assert "2017-09-01/#art-9" not in current
    everything = client.get(
        reverse("laws:search"), {"q": "具体行政行为 六十日", "all_versions": "on"}
    ).content.decode()
    assert 'href="/laws/administrative-reconsideration-law/2017-09-01/#art-9"' in everything
    assert "<mark>具体行政行为</mark>" in everything and "<mark>六十日</mark>" in everything


def test_search_is_paginated(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        first = client.get(reverse("laws:search"), {"q": "行政"})
    assert first.context["page_obj"].paginator.count > 40
    assert len(first.context["page_obj"]) == 20
    second = client.get(reverse("laws:search"), {"q": "行政", "page": 2})
    assert second.context["page_obj"].number == 2
    assert 'rel="next"' in first.content.decode()


def test_compare_defaults_to_previous_vs_current(client, django_assert_max_num_queries):
    url = reverse("laws:compare", args=["legislation-law"])
    with django_assert_max_num_queries(5):
        response = client.get(url)
    html = response.content.decode()
    comparison = response.context["comparison"]
    assert str(comparison.old.version_date) == "2015-03-15"
    assert str(comparison.new.version_date) == "2023-03-13"
    assert 'data-status="unchanged">2<' in html
    assert 'href="/laws/legislation-law/2015-03-15/#art-13"' in html
    assert 'href="/laws/legislation-law/2023-03-13/#art-16"' in html
    assert "<del>行政管理等领域的</del>" in html
    assert '<option value="2015-03-15" selected>' in html


def test_compare_filters_by_status(client, django_assert_max_num_queries):
    url = reverse("laws:compare", args=["administrative-reconsideration-law"])
    with django_assert_max_num_queries(5):
        response = client.get(url, {"from": "2017-09-01", "to": "2023-09-01", "status": "moved"})
    html = response.content.decode()
    rows = re.findall(r'class="diff-row diff-row--(\w+)"', html)
    assert rows == ["moved"]
    assert "第四十一条" in html and "第八十九条" in html


def test_compare_single_version_law(client):
    response = client.get(reverse("laws:compare", args=["constitution"]))
    assert response.status_code == 200
    assert response.context["comparison"] is None
    assert "只有一个版本" in response.content.decode()


@pytest.fixture
def admin_client(client):
    user = UserFactory(is_staff=True, is_superuser=True)
    give_totp(user)
    client.force_login(user)
    return client


def test_article_chooser_searches_by_law_and_number(admin_client):
    url = reverse("law_article_chooser:choose_results")
    response = admin_client.get(url, {"q": "行政许可法 第四十二条"})
    assert response.status_code == 200
    assert [a.number for a in response.context["results"]] == [42]
    text = admin_client.get(url, {"q": "不属于行政复议范围"})
    assert [a.label for a in text.context["results"]] == ["第十二条"]
    old = admin_client.get(url, {"q": "行政复议法 第九条", "all_versions": "on"})
    found = {
        (a.version.law.key, str(a.version.version_date), a.number) for a in old.context["results"]
    }
    assert {
        ("administrative-reconsideration-law", "2017-09-01", 9),
        ("administrative-reconsideration-law", "2023-09-01", 9),
    } <= found
    assert admin_client.get(reverse("law_article_chooser:choose")).status_code == 200


def test_admin_law_listing_is_read_only(admin_client):
    response = admin_client.get(reverse("law_versions:index"))
    assert response.status_code == 200
    assert "中华人民共和国立法法" in response.content.decode()
    assert admin_client.get(reverse("law_versions:add")).status_code in (302, 403)
    version = LawVersion.objects.first()
    assert admin_client.get(reverse("law_versions:edit", args=[version.pk])).status_code in (
        302,
        403,
    )
