"""Reads for the course pages, each in a fixed number of queries whatever the course size."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from html import unescape

from django.contrib.contenttypes.models import ContentType
from django.core.paginator import Page as DjangoPage
from django.core.paginator import Paginator
from django.utils.html import strip_tags
from wagtail.models import Page

from cms.search import cjk_search_query, query_terms

from .models import CoursePage, LessonPage, Track


@dataclass(frozen=True)
class TrackGroup:
    track: str
    label: str
    courses: list[CoursePage] = field(default_factory=list)


@dataclass(frozen=True)
class LessonNavigation:
    previous: LessonPage | None
    next: LessonPage | None
    position: int
    total: int


def course_cards(*, root: Page, track: str | None = None) -> list[CoursePage]:
    """Live courses below ``root`` in tree order, each with ``lesson_count`` (live lessons).

    Lessons are counted from one query of their tree paths instead of one count per course.
    """
    courses_qs = (
        CoursePage.objects.live()
        .descendant_of(root)
        .select_related("cover")
        .prefetch_related("cover__renditions")
        .order_by("path")
    )
    if track:
        courses_qs = courses_qs.filter(track=track)
    courses = list(courses_qs)
    if not courses:
        return courses
    lesson_paths = LessonPage.objects.live().descendant_of(root).values_list("path", flat=True)
    counts = Counter(path[: -Page.steplen] for path in lesson_paths)
    for course in courses:
        course.lesson_count = counts.get(course.path, 0)
    return courses


def course_groups_by_track(*, root: Page) -> list[TrackGroup]:
    """The live courses below ``root`` grouped by track, tracks in their fixed order."""
    groups = {value: TrackGroup(track=value, label=label) for value, label in Track.choices}
    for course in course_cards(root=root):
        groups[course.track].courses.append(course)
    return [group for group in groups.values() if group.courses]


def course_lessons(*, course: CoursePage) -> list[LessonPage]:
    """The course's live lessons in their editorial order."""
    return list(
        LessonPage.objects.live()
        .child_of(course)
        .only("title", "slug", "url_path", "path", "depth", "min_active_minutes", "summary")
        .order_by("path")
    )


def lesson_navigation(*, lesson: LessonPage) -> LessonNavigation:
    """The previous and next live lessons of the same course, and this lesson's position."""
    siblings = list(
        LessonPage.objects.live()
        .sibling_of(lesson, inclusive=True)
        .only("title", "url_path", "path", "depth")
        .order_by("path")
    )
    ids = [sibling.pk for sibling in siblings]
    if lesson.pk not in ids:  # a draft being previewed is not among the live lessons
        return LessonNavigation(previous=None, next=None, position=0, total=len(siblings))
    index = ids.index(lesson.pk)
    return LessonNavigation(
        previous=siblings[index - 1] if index > 0 else None,
        next=siblings[index + 1] if index + 1 < len(siblings) else None,
        position=index + 1,
        total=len(siblings),
    )


def page_breadcrumb(*, page: Page) -> list[Page]:
    """The page's ancestors below the tree root (home first), for the breadcrumb trail."""
    return list(page.get_ancestors().filter(depth__gt=1).only("title", "url_path", "path"))


@dataclass(frozen=True)
class LessonLink:
    """A live lesson that quotes an article of the law library (a ``law_article`` block)."""

    page_id: int
    title: str
    url: str
    path: str = ""  # the page's place in the tree (lessons sort in course order)

    @property
    def pk(self) -> int:
        return self.page_id


def lessons_citing(article_ids: Iterable[int]) -> dict[int, list[LessonLink]]:
    """{article id: the live lessons whose body quotes that article}, for many articles in
    one query whatever their number (the bodies are read raw, without loading their blocks).

    A lesson quotes an article of a specific version (``LawArticleBlock``), so an article id
    matches the lessons written against that very text."""
    wanted = {int(pk) for pk in article_ids if pk}
    if not wanted:
        return {}
    found: dict[int, list[LessonLink]] = {}
    lessons = (
        LessonPage.objects.live().order_by("path").only("pk", "title", "url_path", "path", "body")
    )
    for lesson in lessons:
        quoted = []
        for block in lesson.body.raw_data:
            if block.get("type") != "law_article":
                continue
            value = block.get("value") or {}
            try:
                article_id = int(value.get("article") or 0)
            except (TypeError, ValueError):
                continue
            if article_id in wanted and article_id not in quoted:
                quoted.append(article_id)
        if not quoted:
            continue
        link = LessonLink(page_id=lesson.pk, title=lesson.title, url=lesson.url, path=lesson.path)
        for article_id in quoted:
            found.setdefault(article_id, []).append(link)
    return found


# --- Site search over lessons and courses (Chinese-aware, see ``cms.search``) ---------------

# A search reads at most this many matches (lessons and courses together), best first.
SEARCH_MAX_HITS = 200
SEARCH_PER_PAGE = 10
# Characters of context shown before and after the first hit in an excerpt.
EXCERPT_BEFORE = 30
EXCERPT_LENGTH = 120


@dataclass
class SearchHit:
    """One found page: a live lesson (with its live course) or a live course."""

    page: Page
    course: CoursePage | None = None
    title_terms: int = 0
    excerpt: str = ""

    @property
    def is_lesson(self) -> bool:
        return isinstance(self.page, LessonPage)


@dataclass(frozen=True)
class SiteSearch:
    terms: list[str]
    too_short: bool
    page_obj: DjangoPage | None


def site_search(*, query: str, page_number: object = 1) -> SiteSearch:
    """Live, public lessons and courses matching every term of ``query``, a page of them.

    Title matches come first (more of the terms in the title first), then the backend's
    relevance. At most six queries whatever the number of matches: the view restrictions
    (twice), the search, the lessons' courses, the page's lessons and the page's courses.
    A lesson whose course is not live is not found (its page cannot be reached either).
    """
    terms = query_terms(query)
    search_query = cjk_search_query(terms)
    if search_query is None:
        return SiteSearch(terms=terms, too_short=bool(terms), page_obj=None)
    lesson_type = ContentType.objects.get_for_model(LessonPage)
    matches = list(
        Page.objects.live()
        .public()
        .type(CoursePage, LessonPage)
        .only("title", "path", "depth", "content_type")
        .search(search_query)[:SEARCH_MAX_HITS]
    )
    course_paths = {
        page.path[: -Page.steplen] for page in matches if page.content_type_id == lesson_type.pk
    }
    live_courses = {
        course.path: course
        for course in CoursePage.objects.live()
        .public()
        .filter(path__in=course_paths)
        .only("title", "path", "depth", "url_path")
    }
    folded = [term.casefold() for term in terms]
    ranked: list[tuple[int, int, Page, CoursePage | None]] = []
    for position, page in enumerate(matches):
        course = None
        if page.content_type_id == lesson_type.pk:
            course = live_courses.get(page.path[: -Page.steplen])
            if course is None:
                continue
        title = page.title.casefold()
        in_title = sum(1 for term in folded if term in title)
        ranked.append((-in_title, position, page, course))
    ranked.sort(key=lambda row: row[:2])
    hits = [
        SearchHit(page=page, course=course, title_terms=-rank) for rank, _, page, course in ranked
    ]
    page_obj = Paginator(hits, SEARCH_PER_PAGE).get_page(page_number)
    _fill_hits(page_obj.object_list, terms=terms)
    return SiteSearch(terms=terms, too_short=False, page_obj=page_obj)


def _fill_hits(hits: list[SearchHit], *, terms: list[str]) -> None:
    """Replace each hit's bare page by the specific page and cut its excerpt (two queries)."""
    lesson_ids = [hit.page.pk for hit in hits if hit.course is not None]
    course_ids = [hit.page.pk for hit in hits if hit.course is None]
    specific: dict[int, Page] = {}
    if lesson_ids:
        specific.update(
            (lesson.pk, lesson)
            for lesson in LessonPage.objects.filter(pk__in=lesson_ids).only(
                "title", "path", "depth", "url_path", "summary", "body"
            )
        )
    if course_ids:
        specific.update(
            (course.pk, course)
            for course in CoursePage.objects.filter(pk__in=course_ids).only(
                "title", "path", "depth", "url_path", "intro", "track"
            )
        )
    for hit in hits:
        hit.page = specific.get(hit.page.pk, hit.page)
        if isinstance(hit.page, LessonPage):
            text = " ".join([hit.page.summary, *_stream_texts(hit.page.body.raw_data)])
        else:
            text = strip_tags(getattr(hit.page, "intro", ""))
        hit.excerpt = search_excerpt(text, terms=terms)


def _stream_texts(value: object) -> list[str]:
    """The plain texts in a StreamField's raw data (no block is converted: no query)."""
    if isinstance(value, str):
        text = " ".join(unescape(strip_tags(value)).split())
        return [text] if text else []
    if isinstance(value, dict):
        if "type" in value and "value" in value:
            return _stream_texts(value["value"])
        return [text for key, item in value.items() if key != "id" for text in _stream_texts(item)]
    if isinstance(value, (list, tuple)) or hasattr(value, "__iter__"):
        return [text for item in value for text in _stream_texts(item)]
    return []


def search_excerpt(text: str, *, terms: list[str]) -> str:
    """About ``EXCERPT_LENGTH`` characters of ``text`` around the first term found in it."""
    text = " ".join(text.split())
    folded = text.casefold()
    found = [at for at in (folded.find(term.casefold()) for term in terms) if at >= 0]
    start = max(min(found) - EXCERPT_BEFORE, 0) if found else 0
    excerpt = text[start : start + EXCERPT_LENGTH]
    prefix = "…" if start > 0 else ""
    suffix = "…" if start + EXCERPT_LENGTH < len(text) else ""
    return f"{prefix}{excerpt}{suffix}"
