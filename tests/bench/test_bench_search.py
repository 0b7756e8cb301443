"""Chinese-aware search against what was there before, in the same run. Run with ``make bench``
(SQLite) or with ``TEST_DATABASE_URL`` set (PostgreSQL, where the trigram index exists).

- indexing the demo's lessons and courses with their two-character pieces against the plain
  search fields (what the pages indexed before), and the index text that adds;
- the law library: its import (the reference) against building the trigram index;
- a lesson search for "行政处罚" (``courses.selectors.site_search``) against Wagtail's plain
  search of the same query (which finds nothing), and the article search with the law named by
  the term first against the plain substring search in library order.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection
from django.db.models import Sum
from django.db.models.functions import Length
from wagtail.models import Page
from wagtail.search.backends import get_search_backend
from wagtail.search.models import IndexEntry

from cms.courses import selectors as course_selectors
from cms.courses.demo import demo_courses_load
from cms.courses.models import CoursePage, LessonPage
from cms.laws import selectors as law_selectors
from cms.laws.models import Article
from cms.laws.services import law_library_import, policy_documents_import
from cms.search import CJKPiecesField

from .conftest import stopwatch

pytestmark = pytest.mark.django_db

ROUNDS = 20
QUERY = "行政处罚"


def _index(models: list[type[Page]]) -> None:
    backend = get_search_backend()
    for model in models:
        backend.add_bulk(model, list(model.objects.all()))


def _index_text_length() -> int:
    return IndexEntry.objects.aggregate(n=Sum(Length("body")) + Sum(Length("title")))["n"] or 0


def test_bench_chinese_search(monkeypatch):
    results: dict[str, float] = {}
    with stopwatch("law library import (reference)", results):
        law_library_import(directory=settings.SHARED_DIR / "laws")
        policy_documents_import(base_dir=settings.SHARED_DIR)
    print(f"BENCH articles: {Article.objects.count()}")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the import's deferred checks
            cursor.execute("DROP INDEX IF EXISTS laws_article_text_trgm")
            with stopwatch("trigram index build over all articles", results):
                cursor.execute(
                    "CREATE INDEX laws_article_text_trgm ON laws_article "
                    'USING gin (UPPER("text") gin_trgm_ops)'
                )
    demo_courses_load()
    models = [CoursePage, LessonPage]
    print(
        f"BENCH demo pages: {LessonPage.objects.count()} lessons, {CoursePage.objects.count()} courses"
    )

    with stopwatch(f"index demo lessons+courses with pieces x{ROUNDS}", results):
        for _ in range(ROUNDS):
            _index(models)
    with_pieces = _index_text_length()
    for model in models:
        plain = [f for f in model.search_fields if not isinstance(f, CJKPiecesField)]
        monkeypatch.setattr(model, "search_fields", plain)
    with stopwatch(f"index demo lessons+courses, plain fields (reference) x{ROUNDS}", results):
        for _ in range(ROUNDS):
            _index(models)
    plain_length = _index_text_length()
    with stopwatch(f"plain Wagtail search {QUERY!r} (reference) x{ROUNDS}", results):
        for _ in range(ROUNDS):
            plain_hits = list(Page.objects.live().search(QUERY)[:200])
    monkeypatch.undo()
    _index(models)
    # SQLite: characters of index text; PostgreSQL: lexemes in the tsvectors.
    print(f"BENCH index size: {with_pieces} with pieces, {plain_length} plain")

    with stopwatch(f"site_search {QUERY!r} x{ROUNDS}", results):
        for _ in range(ROUNDS):
            found = course_selectors.site_search(query=QUERY)
    print(f"BENCH hits: {found.page_obj.paginator.count} with pieces, {len(plain_hits)} plain")

    with stopwatch(f"articles_search {QUERY!r}, first page x{ROUNDS}", results):
        for _ in range(ROUNDS):
            list(law_selectors.articles_search(query=QUERY)[:20])
    with stopwatch(f"articles substring, library order (reference) x{ROUNDS}", results):
        for _ in range(ROUNDS):
            list(
                Article.objects.select_related("version__law")
                .filter(version__is_current=True, text__icontains=QUERY)
                .order_by("version__law__category", "version__law__title", "number")[:20]
            )
    for label, seconds in results.items():
        if f"x{ROUNDS}" in label:
            print(
                f"BENCH per run: {label.replace(f' x{ROUNDS}', '')}: {seconds / ROUNDS * 1000:.1f} ms"
            )
