"""Demo study records: learners at different stages of this year's requirement.

Course completions are recorded as the heartbeats would have left them (each lesson's
minimum time reached, its end and self-checks done) and go through the same service that
earns a course's hours; offline training goes through the ledger like an import. Idempotent.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from cms.courses.models import CoursePage, LessonPage
from cms.people.models import User

from . import selectors, services
from .models import Enrolment, LessonProgress, StudyHourEntry, StudyKind

DEMO_COUNTS = [
    ("学时记录", lambda: StudyHourEntry.objects.count()),
    ("课节学习进度", lambda: LessonProgress.objects.count()),
    ("选课/指派", lambda: Enrolment.objects.count()),
]

# employee number -> (courses completed, {course slug: lessons completed}, offline/rotation)
# Offline entries: (kind, title, month, day, hours); the year is this year unless noted.
PLAN: dict[str, dict] = {
    # complete for the year (40): 3 courses (14) + offline 26
    "E1001": {
        "complete": ["constitution", "administrative-law", "implementation-plan"],
        "offline": [(StudyKind.OFFLINE, "依法行政专题培训班", 3, 12, Decimal("26"))],
    },
    # behind: one course half done, a little offline training
    "E1002": {
        "partial": {"administrative-law": 3},
        "offline": [(StudyKind.OFFLINE, "行政复议法宣讲会", 4, 8, Decimal("4"))],
    },
    # enforcement officer, complete (60) with rotation training
    "E1003": {
        "complete": ["constitution", "administrative-law", "implementation-plan"],
        "offline": [
            (StudyKind.ROTATION, "行政执法人员年度业务轮训", 5, 20, Decimal("32")),
            (StudyKind.OFFLINE, "依法行政专题培训班", 3, 12, Decimal("16")),
        ],
    },
    # enforcement officer, behind: rotation done, online not
    "E1004": {
        "complete": ["constitution"],
        "partial": {"administrative-law": 2},
        "offline": [(StudyKind.ROTATION, "行政执法人员年度业务轮训", 5, 20, Decimal("32"))],
    },
    # just started
    "E2001": {"partial": {"constitution": 1}},
    # met last year, nothing yet this year
    "E3001": {
        "offline": [(StudyKind.OFFLINE, "依法行政专题培训班", 11, 5, Decimal("40"), -1)],
    },
}


def _complete_lessons(person: User, course: CoursePage, lessons: list[LessonPage], when) -> None:
    for lesson in lessons:
        LessonProgress.objects.update_or_create(
            user=person,
            lesson=lesson,
            defaults={
                "course": course,
                "active_seconds": lesson.min_active_minutes * 60,
                "reached_end": True,
                "answered_checks": selectors.lesson_self_check_ids(lesson),
                "resume_position": 1.0,
                "completed_at": when,
            },
        )


def demo_load(*, stdout) -> None:
    now = timezone.now()
    year = selectors.local_year(now)
    courses = {c.slug: c for c in CoursePage.objects.live()}
    if not courses:
        stdout.write("学习：没有已发布的课程，跳过。")
        return
    people = {u.employee_number: u for u in User.objects.filter(employee_number__in=PLAN)}
    with transaction.atomic():
        services.course_assignments_sync(year=year)
        for number, plan in PLAN.items():
            person = people.get(number)
            if person is None:
                continue
            for slug in plan.get("complete", []):
                course = courses.get(slug)
                if course is None:
                    continue
                lessons = list(LessonPage.objects.live().child_of(course).order_by("path"))
                _complete_lessons(person, course, lessons, now)
                services.course_completion_record(user=person, course=course, now=now)
            for slug, done in plan.get("partial", {}).items():
                course = courses.get(slug)
                if course is None:
                    continue
                lessons = list(LessonPage.objects.live().child_of(course).order_by("path"))
                _complete_lessons(person, course, lessons[:done], now)
                if done < len(lessons):  # the next lesson is under way: continue it
                    nxt = lessons[done]
                    LessonProgress.objects.get_or_create(
                        user=person,
                        lesson=nxt,
                        defaults={
                            "course": course,
                            "active_seconds": nxt.min_active_minutes * 30,
                            "resume_position": 0.4,
                        },
                    )
            for kind, title, month, day, hours, *offset in plan.get("offline", []):
                entry_year = year + (offset[0] if offset else 0)
                date = min(datetime.date(entry_year, month, day), timezone.localdate(now))
                StudyHourEntry.objects.get_or_create(
                    user=person,
                    source=f"{kind}:{date.isoformat()}:{title}",
                    defaults={
                        "year": date.year,
                        "hours": hours,
                        "kind": kind,
                        "title": title,
                        "date": date,
                    },
                )
    summaries = selectors.year_summaries(
        people=User.objects.filter(employee_number__in=PLAN), year=year
    )
    met = sum(1 for s in summaries.values() if s.is_met)
    stdout.write(f"学习：{len(summaries)} 名示例学员有学习记录，{met} 人已完成 {year} 年度学时。")
