"""The one pagination include: links keep the request's other parameters, written once."""

from django.core.paginator import Paginator
from django.template import engines
from django.test import RequestFactory


def _render(path: str, page: int) -> str:
    request = RequestFactory().get(path)
    template = engines["django"].from_string(
        '{% include "includes/pagination.html" with page_obj=page %}'
    )
    return template.render({"page": Paginator(range(45), 10).page(page)}, request)


def test_links_keep_the_filters_and_have_one_question_mark():
    html = _render("/exams/wrong-answers/?topic=3&page=2", 2)
    assert 'href="?topic=3&amp;page=1" rel="prev"' in html
    assert 'href="?topic=3&amp;page=3" rel="next"' in html
    assert "??" not in html
    assert "第 2 / 5 页" in html


def test_a_single_page_has_no_pagination():
    request = RequestFactory().get("/me/notifications/")
    template = engines["django"].from_string(
        '{% include "includes/pagination.html" with page_obj=page %}'
    )
    assert template.render({"page": Paginator(range(3), 10).page(1)}, request).strip() == ""
