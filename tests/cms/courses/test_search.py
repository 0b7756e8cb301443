"""The learners' search over lessons and courses (/search/): Chinese words found inside running
text, on SQLite and (``-m postgres``) PostgreSQL, only live public pages, a fixed query count."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from wagtail.models import PageViewRestriction

from cms.courses import selectors
from cms.courses.demo import demo_courses_load
from cms.courses.models import LessonPage
from cms.courses.views import QUERY_TOO_SHORT
from cms.laws.models import Law
from cms.laws.services import law_library_import, policy_documents_import
from cms.search import cjk_bigrams, cjk_pieces_text, cjk_search_query, query_terms
from tests.cms.courses.conftest import block

pytestmark = pytest.mark.django_db

PENALTY_TEXT = "<p>各级行政机关依法实施行政处罚的，应当遵循公正、公开的原则。</p>"
# The view restrictions, the search, the lessons' courses, the page's lessons and courses
# (the count is the same for 2 hits and for 15: see test_query_count_is_fixed).
SEARCH_QUERIES = 8


def search(client, q, **params):
    return client.get(reverse("courses:search"), {"q": q, **params})


def found_titles(response) -> list[str]:
    page_obj = response.context["page_obj"]
    return [hit.page.title for hit in page_obj] if page_obj is not None else []


def lesson_with(course, *, title, body, slug, publish=True) -> LessonPage:
    lesson = LessonPage(
        title=title, slug=slug, summary="本课摘要", body=[block("paragraph", body)], live=False
    )
    course.add_child(instance=lesson)
    revision = lesson.save_revision()
    if publish:
        revision.publish()
    return LessonPage.objects.get(pk=lesson.pk)


def test_pieces_and_queries():
    assert cjk_bigrams("依法实施行政处罚的") == [
        "依法",
        "法实",
        "实施",
        "施行",
        "行政",
        "政处",
        "处罚",
        "罚的",
    ]
    assert cjk_pieces_text("上传PDF文件。") == "上传 PDF 文件"
    assert cjk_pieces_text("plain English") == ""
    assert repr(cjk_search_query(["行政处罚"])) == "<Phrase '行政 政处 处罚'>"
    assert cjk_search_query(["法"]) is None
    assert len(query_terms(" ".join(f"词{n}" for n in range(30)))) == 10
    assert len(query_terms("法" * 500)[0]) == 40


@pytest.mark.postgres
def test_a_chinese_word_is_found_inside_running_text(client, make_course):
    course = make_course(lessons=1)
    lesson_with(course, title="执法的原则", body=PENALTY_TEXT, slug="principles")

    response = search(client, "行政处罚")

    assert response.status_code == 200
    assert found_titles(response) == ["执法的原则"]
    html = response.content.decode()
    assert "依法实施<mark>行政处罚</mark>的" in html
    assert "课程：行政复议" in html
    assert found_titles(search(client, "处罚的")) == ["执法的原则"]
    assert found_titles(search(client, "公正 公开")) == ["执法的原则"]
    # The pieces must stand together in order: not a substring, not found.
    assert found_titles(search(client, "罚行政")) == []
    assert found_titles(search(client, "行政 处罚 复议")) == []


@pytest.mark.postgres
def test_an_english_word_still_works_even_against_chinese(client, make_course):
    course = make_course(lessons=1)
    lesson_with(
        course,
        title="电子送达",
        body="<p>当事人可以上传PDF文件，或者使用 OFD format 文档。</p>",
        slug="pdf",
    )

    assert found_titles(search(client, "pdf")) == ["电子送达"]
    assert found_titles(search(client, "PDF文件")) == ["电子送达"]
    assert found_titles(search(client, "format")) == ["电子送达"]
    assert found_titles(search(client, "docx")) == []


@pytest.mark.postgres
def test_a_term_that_does_not_occur_finds_nothing(client, make_course):
    course = make_course(lessons=2)
    lesson_with(course, title="执法的原则", body=PENALTY_TEXT, slug="principles")

    response = search(client, "国际海运")

    assert found_titles(response) == []
    html = response.content.decode()
    assert "找到 0 项" in html and "没有找到包含这些关键词的课程或课节。" in html


@pytest.mark.postgres
def test_drafts_unpublished_and_private_lessons_are_never_found(client, make_course):
    course = make_course(lessons=0)
    lesson_with(course, title="草稿课节", body=PENALTY_TEXT, slug="draft", publish=False)
    withdrawn = lesson_with(course, title="撤下的课节", body=PENALTY_TEXT, slug="withdrawn")
    withdrawn.unpublish()
    private = lesson_with(course, title="加密课节", body=PENALTY_TEXT, slug="private")
    PageViewRestriction.objects.create(
        page=private, restriction_type=PageViewRestriction.PASSWORD, password="secret"
    )
    live = lesson_with(course, title="已发布课节", body="<p>依法行政。</p>", slug="live")
    # A draft revision of a live lesson: its new text is not published, so not searchable.
    live.body = [block("paragraph", "<p>尚未发布的行政处罚新内容。</p>")]
    live.save_revision()
    hidden_course = make_course(slug="hidden", title="未发布课程", lessons=0)
    lesson_with(hidden_course, title="未发布课程的课节", body=PENALTY_TEXT, slug="orphan")
    hidden_course.unpublish()

    assert found_titles(search(client, "行政处罚")) == []
    assert found_titles(search(client, "依法行政")) == ["已发布课节"]


def test_one_character_asks_for_more_and_a_long_query_is_cut(
    client, make_course, django_assert_max_num_queries
):
    course = make_course(lessons=1)
    lesson_with(course, title="执法的原则", body=PENALTY_TEXT, slug="principles")

    one = search(client, "法")
    assert one.status_code == 200 and one.context["page_obj"] is None
    assert str(QUERY_TOO_SHORT) in one.content.decode()

    pasted = "各级行政机关依法实施行政处罚的应当遵循公正公开的原则" * 20 + " 行政处罚" * 30
    with django_assert_max_num_queries(SEARCH_QUERIES):
        long_query = search(client, pasted)
    assert long_query.status_code == 200
    assert long_query.context["terms"][0] == pasted[:40]
    assert found_titles(long_query) == []  # the first 40 characters do not occur as such


@pytest.mark.parametrize("lessons", [2, 15])
def test_query_count_is_fixed(client, make_course, django_assert_max_num_queries, lessons):
    make_course(lessons=lessons, body=[block("paragraph", PENALTY_TEXT)])

    with django_assert_max_num_queries(SEARCH_QUERIES):
        response = search(client, "行政处罚")

    assert response.context["page_obj"].paginator.count == lessons
    with CaptureQueriesContext(connection) as second_page:
        page_two = search(client, "行政处罚", page=2)
    if lessons > selectors.SEARCH_PER_PAGE:
        assert len(page_two.context["page_obj"]) == lessons - selectors.SEARCH_PER_PAGE
        assert 'href="?q=%E8%A1%8C%E6%94%BF%E5%A4%84%E7%BD%9A&amp;page=1" rel="prev"' in (
            page_two.content.decode()
        )
    assert len(second_page.captured_queries) <= SEARCH_QUERIES


@pytest.fixture(scope="module")
def law_library(django_db_setup, django_db_blocker):
    """All of shared/laws and the implementation plan (the demo lessons quote them)."""
    with django_db_blocker.unblock():
        law_library_import(directory=settings.SHARED_DIR / "laws")
        policy_documents_import(base_dir=settings.SHARED_DIR)
    yield
    with django_db_blocker.unblock():
        Law.objects.all().delete()


@pytest.mark.postgres
def test_demo_lessons_title_matches_first(client, law_library):
    demo_courses_load()

    response = search(client, "行政处罚")

    hits = list(response.context["page_obj"])
    titles = [hit.page.title for hit in hits]
    assert titles[0] == "行政处罚法"
    assert len(titles) > 1  # other lessons name 行政处罚 in their text
    assert all("行政处罚" not in title for title in titles[1:])
    assert all(hit.title_terms == 0 for hit in hits[1:])
    # A course is found by its own text too (the administrative-law course's introduction).
    assert any(not hit.is_lesson for hit in hits)
    assert found_titles(search(client, "行政强制"))[0] == "行政强制法"
