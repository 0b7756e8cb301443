"""The learner's own progress on the CMS pages (``{% load learning_tags %}``).

The cms templates call these tags, so ``cms`` never imports ``learning``. Each tag costs a
fixed number of queries whatever the number of lessons.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from django import template
from django.conf import settings
from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

from learning import selectors
from learning.models import LessonProgress, StudyHourEntry

register = template.Library()


def duration_text(seconds: int) -> str:
    minutes, secs = divmod(max(int(seconds), 0), 60)
    return _("%(minutes)s 分 %(seconds)s 秒") % {"minutes": minutes, "seconds": secs}


@register.filter
def study_duration(seconds: int) -> str:
    """``{{ seconds|study_duration }}`` -> "3 分 20 秒"."""
    return duration_text(seconds)


@register.inclusion_tag("learning/includes/lesson_study.html", takes_context=True)
def lesson_study(context, lesson) -> dict:
    """The study panel of a lesson page: accrued time, what is missing, the heartbeat script."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if request is None or not getattr(user, "is_authenticated", False) or not lesson.pk:
        return {"show": False, "login_url": reverse(settings.LOGIN_URL)}
    progress = selectors.lesson_progress_map(user=user, lesson_ids=[lesson.pk]).get(lesson.pk)
    checks = selectors.lesson_self_check_ids(lesson)
    active = progress.active_seconds if progress else 0
    required = lesson.min_active_minutes * 60
    return {
        "show": True,
        "lesson": lesson,
        "progress": progress,
        "active_seconds": active,
        "required_seconds": required,
        "percent": min(100, int(active * 100 / required)) if required else 100,
        "checks_total": len(checks),
        "answered_json": json.dumps(progress.answered_checks if progress else []),
        "heartbeat_url": reverse("learning:lesson_heartbeat", args=[lesson.pk]),
        "interval": settings.STUDY_HEARTBEAT_SECONDS,
        "csrf_token": get_token(request),
        "resume_position": progress.resume_position if progress else 0,
        "completed": bool(progress and progress.completed_at),
    }


@dataclass
class CourseStudy:
    """A learner's progress in one course, for the course page."""

    course_id: int
    progress: dict[int, LessonProgress] = field(default_factory=dict)
    entry: StudyHourEntry | None = None
    lesson_count: int = 0
    authenticated: bool = False

    @property
    def completed_lessons(self) -> int:
        return sum(1 for p in self.progress.values() if p.completed_at)

    @property
    def percent(self) -> int:
        if self.entry is not None:
            return 100
        if not self.lesson_count:
            return 0
        return int(self.completed_lessons * 100 / self.lesson_count)


@register.simple_tag(takes_context=True)
def course_study(context, course, lessons) -> CourseStudy:
    """``{% course_study page lessons as study %}``: the learner's progress (two queries)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    study = CourseStudy(course_id=course.pk, lesson_count=len(lessons))
    if getattr(user, "is_authenticated", False):
        data = selectors.course_progress(user=user, course=course, lessons=lessons)
        study.progress = data["progress"]
        study.entry = data["entry"]
        study.authenticated = True
    return study


@register.inclusion_tag("learning/includes/course_study.html", takes_context=True)
def course_study_panel(context, study: CourseStudy) -> dict:
    return {
        "study": study,
        "request": context.get("request"),
        "csrf_token": context.get("csrf_token"),
    }


@register.simple_tag
def lesson_status(study: CourseStudy, lesson) -> str:
    """A badge with the learner's state in one lesson of the course page."""
    if not study.authenticated:
        return ""
    progress = study.progress.get(lesson.pk)
    if progress is None:
        return format_html('<span class="badge" data-lesson-status="new">{}</span>', _("未学习"))
    if progress.completed_at:
        return format_html(
            '<span class="badge badge--ok" data-lesson-status="done">{}</span>', _("已完成")
        )
    required = lesson.min_active_minutes * 60
    percent = min(100, int(progress.active_seconds * 100 / required)) if required else 100
    return format_html(
        '<span class="badge badge--warn" data-lesson-status="started">{} {}%</span>',
        _("学习中"),
        percent,
    )


@register.simple_tag(takes_context=True)
def my_learning_url(context) -> str:
    return reverse("learning:my_learning")
