"""Reads for the course pages, each in a fixed number of queries whatever the course size."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from wagtail.models import Page

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


def lessons_citing(article_ids: Iterable[int]) -> dict[int, list[LessonPage]]:
    """For each of these law articles, the live lessons quoting it in a ``law_article`` block,
    in tree order; articles no lesson quotes are left out.

    One query whatever the number of articles: the live lessons' bodies are read as stored
    (the blocks' raw JSON, no article loaded), so the cost grows with the number of lessons,
    not with the caller's questions. The article is matched by id, i.e. the version the
    lesson was written against (``LawArticleBlock``).
    """
    wanted = {int(pk) for pk in article_ids}
    if not wanted:
        return {}
    lessons = (
        LessonPage.objects.live()
        .only("title", "slug", "url_path", "path", "depth", "body")
        .order_by("path")
    )
    found: dict[int, list[LessonPage]] = {}
    for lesson in lessons:
        quoted = set()
        for child in lesson.body.raw_data:
            if child.get("type") != "law_article":
                continue
            article = (child.get("value") or {}).get("article")
            if isinstance(article, str) and article.isdigit():
                article = int(article)
            if isinstance(article, int) and article in wanted:
                quoted.add(article)
        for article in quoted:
            found.setdefault(article, []).append(lesson)
    return found
