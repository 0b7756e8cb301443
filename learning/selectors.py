"""Reads about study: progress, year summaries, requirements. Fixed query counts throughout.

Years are calendar years in ``settings.TIME_ZONE`` (Asia/Shanghai): the ledger stores the
year of the local date on which an hour was earned, so summaries never convert time zones.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone
from wagtail.models import Page

from cms.courses.models import Audience, CoursePage, LessonPage
from cms.people.models import OrgUnit, User

from .data import ZERO, CategoryProgress, YearSummary
from .models import (
    CourseUnitAssignment,
    Enrolment,
    LessonProgress,
    RequirementCategory,
    StudyHourEntry,
    StudyKind,
    StudyRequirement,
)

SELF_CHECK_BLOCK = "self_check"


def local_year(moment: datetime.datetime | None = None) -> int:
    """The calendar year of ``moment`` (default: now) in the site's time zone."""
    return timezone.localdate(moment or timezone.now()).year


def course_source(course_id: int) -> str:
    """The ledger ``source`` of a completed online course (one entry per person, ever)."""
    return f"course:{course_id}"


# --- requirements ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Requirement:
    category: str
    hours: Decimal
    counted_kinds: tuple[str, ...]


def _default_requirement(category: str) -> Requirement | None:
    hours = settings.STUDY_HOURS_REQUIRED.get(category)
    if hours is None:
        return None
    kinds = settings.STUDY_HOURS_COUNTED_KINDS.get(category, StudyKind.values)
    return Requirement(category=category, hours=Decimal(str(hours)), counted_kinds=tuple(kinds))


def requirement_table(*, years: Iterable[int]) -> dict[tuple[int, str], Requirement]:
    """Every (year, category) requirement for ``years``: admin rows over settings defaults."""
    years = sorted(set(years))
    table: dict[tuple[int, str], Requirement] = {}
    for year in years:
        for category in RequirementCategory.values:
            default = _default_requirement(category)
            if default is not None:
                table[(year, category)] = default
    for row in StudyRequirement.objects.filter(year__in=years):
        table[(row.year, row.category)] = Requirement(
            category=row.category,
            hours=row.hours,
            counted_kinds=tuple(row.counted_kinds or StudyKind.values),
        )
    return table


def person_categories(person: User) -> list[str]:
    categories = [RequirementCategory.DEFAULT.value]
    if person.is_leading_cadre:
        categories.append(RequirementCategory.LEADING_CADRE.value)
    if person.is_enforcement_officer:
        categories.append(RequirementCategory.ENFORCEMENT_OFFICER.value)
    return categories


def _requirement_for(
    person: User, year: int, table: dict[tuple[int, str], Requirement]
) -> Requirement:
    """The strictest (most hours) requirement among the person's categories."""
    candidates = [table[(year, c)] for c in person_categories(person) if (year, c) in table]
    if not candidates:
        return Requirement(RequirementCategory.DEFAULT.value, ZERO, tuple(StudyKind.values))
    return max(candidates, key=lambda r: r.hours)


# --- year summaries ----------------------------------------------------------------------------


def year_summaries(*, people: QuerySet[User] | Iterable[User], year: int) -> dict[int, YearSummary]:
    """Year summaries keyed by user id, in three queries whatever the number of people.

    One query for the people (skipped for a list of loaded users), one for the requirement
    rows of the year, one aggregating the ledger by person and kind.
    """
    if isinstance(people, QuerySet):
        people_qs = people.only("pk", "is_leading_cadre", "is_enforcement_officer")
        persons = list(people_qs)
        entries = StudyHourEntry.objects.filter(year=year, user__in=people.values("pk"))
    else:
        persons = list(people)
        entries = StudyHourEntry.objects.filter(year=year, user_id__in=[p.pk for p in persons])
    if not persons:
        return {}
    table = requirement_table(years=[year])
    earned: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for row in entries.values("user_id", "kind").annotate(total=Sum("hours")).order_by():
        earned[row["user_id"]][row["kind"]] = row["total"]
    summaries = {}
    for person in persons:
        requirement = _requirement_for(person, year, table)
        summaries[person.pk] = YearSummary(
            user_id=person.pk,
            year=year,
            category=requirement.category,
            required=requirement.hours,
            counted_kinds=requirement.counted_kinds,
            earned_by_kind=dict(earned.get(person.pk, {})),
        )
    return summaries


def year_summary(*, user: User, year: int) -> YearSummary:
    """One person's summary for one year (two queries)."""
    return year_summaries(people=[user], year=year)[user.pk]


def earlier_year_summaries(*, user: User, before: int) -> list[YearSummary]:
    """Summaries of the years before ``before`` in which the person earned hours, newest first."""
    rows = list(
        StudyHourEntry.objects.filter(user=user, year__lt=before)
        .values("year", "kind")
        .annotate(total=Sum("hours"))
        .order_by()
    )
    if not rows:
        return []
    earned: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for row in rows:
        earned[row["year"]][row["kind"]] = row["total"]
    table = requirement_table(years=earned.keys())
    result = []
    for year in sorted(earned, reverse=True):
        requirement = _requirement_for(user, year, table)
        result.append(
            YearSummary(
                user_id=user.pk,
                year=year,
                category=requirement.category,
                required=requirement.hours,
                counted_kinds=requirement.counted_kinds,
                earned_by_kind=earned[year],
            )
        )
    return result


def category_progress(summary: YearSummary, person: User) -> list[CategoryProgress]:
    """Per requirement category that applies to the person, the summary's hours counted the
    way that category counts them, strictest first (one query: the year's requirement rows).
    The summary's own category (the strictest) is marked ``applies``."""
    table = requirement_table(years=[summary.year])
    labels = dict(RequirementCategory.choices)
    rows = []
    for category in person_categories(person):
        requirement = table.get((summary.year, category))
        if requirement is None:
            continue
        counted = sum(
            (summary.earned_by_kind.get(k, ZERO) for k in requirement.counted_kinds), ZERO
        )
        rows.append(
            CategoryProgress(
                category=category,
                label=str(labels.get(category, category)),
                required=requirement.hours,
                counted=counted,
                counted_kinds=requirement.counted_kinds,
                applies=category == summary.category,
            )
        )
    rows.sort(key=lambda row: (not row.applies, -row.required))
    return rows


def kind_rows(summary: YearSummary) -> list[tuple[str, Decimal, bool]]:
    """(label, hours, counts toward the requirement) per kind, in the fixed order of kinds."""
    return [
        (label, summary.earned_by_kind.get(value, ZERO), value in summary.counted_kinds)
        for value, label in StudyKind.choices
    ]


# --- lessons and courses -----------------------------------------------------------------------


def lesson_self_check_ids(lesson: LessonPage) -> list[str]:
    """The block ids of the lesson's self-checks (each must be answered to complete it)."""
    return [block.id for block in lesson.body if block.block_type == SELF_CHECK_BLOCK]


def lesson_progress_map(*, user: User, lesson_ids: Iterable[int]) -> dict[int, LessonProgress]:
    """The person's progress in the given lessons, keyed by lesson id (one query)."""
    if not getattr(user, "is_authenticated", False):
        return {}
    rows = LessonProgress.objects.filter(user=user, lesson_id__in=list(lesson_ids))
    return {row.lesson_id: row for row in rows}


def audience_values_for(person: User) -> set[str]:
    values = {Audience.ALL_CIVIL_SERVANTS.value}
    if person.is_leading_cadre:
        values.add(Audience.LEADING_CADRES.value)
    if person.is_enforcement_officer:
        values.add(Audience.ENFORCEMENT_OFFICERS.value)
    return values


def _unit_prefixes(unit_path: str) -> list[str]:
    step = OrgUnit.steplen
    return [unit_path[:i] for i in range(step, len(unit_path) + 1, step)]


def assigned_course_ids(*, person: User, courses: Iterable[CoursePage]) -> set[int]:
    """Of ``courses``, those assigned to the person by audience or by unit (one query)."""
    audience = audience_values_for(person)
    ids = {c.pk for c in courses if audience.intersection(c.audience or [])}
    if person.org_unit_id:
        unit_path = OrgUnit.objects.filter(pk=person.org_unit_id).values_list("path", flat=True)
        ids |= set(
            CourseUnitAssignment.objects.filter(
                org_unit__path__in=_unit_prefixes(unit_path.first() or "")
            ).values_list("course_id", flat=True)
        )
    return ids


@dataclass
class CourseProgress:
    """A course as a learner sees it on 'my learning'."""

    course: CoursePage
    lessons: list[LessonPage] = field(default_factory=list)
    completed_lessons: int = 0
    active_seconds: int = 0
    required_seconds: int = 0
    hours_earned: bool = False
    assigned: bool = False
    enrolled: bool = False
    last_seen_at: datetime.datetime | None = None
    next_lesson: LessonPage | None = None

    @property
    def lesson_count(self) -> int:
        return len(self.lessons)

    @property
    def percent(self) -> int:
        """Share of the course's minimum active time done (completed lessons count in full)."""
        if self.hours_earned:
            return 100
        if not self.required_seconds:
            return 0
        return min(100, int(self.active_seconds * 100 / self.required_seconds))

    @property
    def is_started(self) -> bool:
        return self.last_seen_at is not None


def _lessons_by_course(courses: list[CoursePage]) -> dict[str, list[LessonPage]]:
    if not courses:
        return {}
    q = Q()
    for course in courses:
        q |= Q(path__startswith=course.path, depth=course.depth + 1)
    lessons = (
        LessonPage.objects.live()
        .filter(q)
        .only("title", "url_path", "path", "depth", "min_active_minutes")
        .order_by("path")
    )
    grouped: dict[str, list[LessonPage]] = defaultdict(list)
    for lesson in lessons:
        grouped[lesson.path[: -Page.steplen]].append(lesson)
    return grouped


def learner_courses(*, user: User, year: int) -> list[CourseProgress]:
    """Every course the learner has this year: assigned, enrolled, or studied (fixed queries).

    Ordered: started and unfinished first (most recent first), then not started, then done.
    """
    all_courses = list(
        CoursePage.objects.live()
        .only("title", "url_path", "path", "depth", "audience", "study_hours", "track")
        .order_by("path")
    )
    by_id = {c.pk: c for c in all_courses}
    assigned = assigned_course_ids(person=user, courses=all_courses)
    enrolled = set(
        Enrolment.objects.filter(user=user, year=year).values_list("course_id", flat=True)
    )
    progress_rows = list(
        LessonProgress.objects.filter(user=user).only(
            "lesson_id", "course_id", "active_seconds", "completed_at", "last_seen_at"
        )
    )
    earned = set(
        StudyHourEntry.objects.filter(user=user, course__isnull=False).values_list(
            "course_id", flat=True
        )
    )
    wanted = [
        c
        for c in all_courses
        if c.pk in assigned
        or c.pk in enrolled
        or c.pk in earned
        or any(r.course_id == c.pk for r in progress_rows)
    ]
    lessons = _lessons_by_course(wanted)
    progress_by_lesson = {r.lesson_id: r for r in progress_rows}
    result = []
    for course in wanted:
        item = CourseProgress(
            course=by_id[course.pk],
            lessons=lessons.get(course.path, []),
            hours_earned=course.pk in earned,
            assigned=course.pk in assigned,
            enrolled=course.pk in enrolled,
        )
        unfinished: list[tuple[datetime.datetime, LessonPage]] = []
        for lesson in item.lessons:
            required = lesson.min_active_minutes * 60
            item.required_seconds += required
            row = progress_by_lesson.get(lesson.pk)
            if row is None:
                continue
            item.active_seconds += min(row.active_seconds, required)
            if row.completed_at:
                item.completed_lessons += 1
            else:
                unfinished.append((row.last_seen_at, lesson))
            if item.last_seen_at is None or row.last_seen_at > item.last_seen_at:
                item.last_seen_at = row.last_seen_at
        if unfinished:  # continue the lesson left unfinished most recently
            item.next_lesson = max(unfinished, key=lambda pair: pair[0])[1]
        else:
            item.next_lesson = next(
                (
                    lesson
                    for lesson in item.lessons
                    if not (
                        lesson.pk in progress_by_lesson
                        and progress_by_lesson[lesson.pk].completed_at
                    )
                ),
                None,
            )
        result.append(item)
    result.sort(
        key=lambda i: (
            i.hours_earned,
            not i.is_started,
            -i.last_seen_at.timestamp() if i.last_seen_at else 0,
        )
    )
    return result


def continue_lesson(*, user: User) -> LessonProgress | None:
    """The unfinished lesson the person studied most recently (to continue where they left)."""
    return (
        LessonProgress.objects.filter(user=user, completed_at__isnull=True, lesson__live=True)
        .select_related("lesson", "course")
        .order_by("-last_seen_at")
        .first()
    )


def completed_course_entries(*, user: User) -> QuerySet[StudyHourEntry]:
    """The online courses the person completed (their ledger entries), newest first."""
    return StudyHourEntry.objects.filter(user=user, course__isnull=False).order_by("-date", "-pk")


def course_progress(*, user: User, course: CoursePage, lessons: list[LessonPage]) -> dict:
    """Progress per lesson of one course for the course page (two queries)."""
    progress = lesson_progress_map(user=user, lesson_ids=[lesson.pk for lesson in lessons])
    earned = StudyHourEntry.objects.filter(user=user, source=course_source(course.pk)).first()
    return {"progress": progress, "entry": earned}


def entries_visible_to(user) -> QuerySet[StudyHourEntry]:
    """Ledger entries of the people within the user's scope (HR), newest first."""
    from cms.people.selectors import people_visible_to

    return StudyHourEntry.objects.filter(user__in=people_visible_to(user)).select_related(
        "user", "user__org_unit"
    )


def year_entries(*, user: User, year: int) -> QuerySet[StudyHourEntry]:
    """The person's ledger entries of one year, newest first."""
    return StudyHourEntry.objects.filter(user=user, year=year).order_by("-date", "-pk")
