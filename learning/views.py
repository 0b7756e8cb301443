"""Learner pages: 'my learning', the lesson heartbeat endpoint and course enrolment."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from cms.courses.models import CoursePage, LessonPage

from . import selectors, services

BAD_HEARTBEAT = _("学习记录请求格式不正确。")
LOGIN_REQUIRED = _("请先登录，学习时间才能计入。")
ENROLLED = _("已选学课程“%(title)s”。")


def _heartbeat_payload(request: HttpRequest) -> dict | None:
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(data, dict):
        return None
    answered = data.get("answered", [])
    position = data.get("position")
    if not isinstance(answered, list) or not all(isinstance(a, str) for a in answered):
        return None
    if position is not None and not isinstance(position, int | float):
        return None
    return {
        "active": data.get("active") is True,
        "reached_end": data.get("reached_end") is True,
        "answered": answered[:200],
        "position": position,
    }


@require_POST
def lesson_heartbeat(request: HttpRequest, lesson_id: int) -> JsonResponse:
    """One heartbeat of a visible lesson page; answers with the server's view of progress."""
    if not request.user.is_authenticated:
        return JsonResponse({"error": str(LOGIN_REQUIRED)}, status=401)
    lesson = LessonPage.objects.live().filter(pk=lesson_id).first()
    if lesson is None:
        raise Http404
    payload = _heartbeat_payload(request)
    if payload is None:
        return JsonResponse({"error": str(BAD_HEARTBEAT)}, status=400)
    result = services.lesson_heartbeat(user=request.user, lesson=lesson, **payload)
    progress = result.progress
    return JsonResponse(
        {
            "credited_seconds": result.credited_seconds,
            "active_seconds": progress.active_seconds,
            "required_seconds": result.required_seconds,
            "reached_end": progress.reached_end,
            "answered": progress.answered_checks,
            "required_checks": result.required_checks,
            "completed": result.is_complete,
            "course_hours_earned": result.course_entry is not None,
        }
    )


@login_required
@require_POST
def course_enrol(request: HttpRequest, course_id: int) -> HttpResponse:
    course = CoursePage.objects.live().filter(pk=course_id).first()
    if course is None:
        raise Http404
    services.enrolment_create(user=request.user, course=course)
    messages.success(request, ENROLLED % {"title": course.title})
    return redirect(course.url)


@login_required
def my_learning(request: HttpRequest) -> TemplateResponse:
    """This year's hours against the requirement, each course's progress, earlier years."""
    user = request.user
    year = selectors.local_year()
    summary = selectors.year_summary(user=user, year=year)
    courses = selectors.learner_courses(user=user, year=year)
    context = {
        "year": year,
        "summary": summary,
        "kind_rows": selectors.kind_rows(summary),
        "current_courses": [c for c in courses if not c.hours_earned],
        "continue_progress": selectors.continue_lesson(user=user),
        "completed_entries": list(selectors.completed_course_entries(user=user)),
        "offline_entries": list(
            selectors.year_entries(user=user, year=year).filter(course__isnull=True)
        ),
        "earlier_years": selectors.earlier_year_summaries(user=user, before=year),
    }
    return TemplateResponse(request, "learning/my_learning.html", context)
