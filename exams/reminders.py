"""The exam app's reminders (cms.people.notifications), registered in ``ExamsConfig.ready``:
an exam closing soon that the person has not sat, and a result released.

Mock exams are optional practice and never reminded of.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cms.people.notifications import Notice, register_kind, register_producer

from .models import (
    FINISHED_STATUSES,
    Attempt,
    AttemptSlot,
    AttemptStatus,
    ExamKind,
    ExamSession,
    ResultRelease,
)
from .selectors import session_eligible_user_ids

EXAM_CLOSING = "exam_closing"
RESULT_RELEASED = "result_released"


def register() -> None:
    register_kind(
        EXAM_CLOSING,
        title=_("考试即将截止：%(title)s"),
        body=_("“%(title)s”将于 %(closes_at)s 截止，您尚未参加。请在截止前完成考试。"),
        datetimes=("closes_at",),
    )
    register_kind(
        RESULT_RELEASED,
        title=_("成绩已公布：%(title)s"),
        body=_("您参加的“%(title)s”的成绩已经公布，请查看。"),
    )
    register_producer(EXAM_CLOSING, exam_closing_notices)
    register_producer(RESULT_RELEASED, result_released_notices)


def exam_closing_notices(*, now: datetime) -> list[Notice]:
    """Everyone who may sit a session closing within REMINDER_EXAM_CLOSING_DAYS and has not
    finished an attempt in it. Three queries plus one per such session (never per person)."""
    end = now + timedelta(days=settings.REMINDER_EXAM_CLOSING_DAYS)
    sessions = list(
        ExamSession.objects.filter(opens_at__lte=now, closes_at__gt=now, closes_at__lte=end)
        .exclude(kind=ExamKind.MOCK)
        .select_related("eligible_unit")
        .order_by("closes_at", "pk")
    )
    if not sessions:
        return []
    eligible = session_eligible_user_ids(sessions)
    sat = set(
        Attempt.objects.filter(session__in=sessions)
        .exclude(status=AttemptStatus.IN_PROGRESS)
        .values_list("session_id", "user_id")
    )
    notices = []
    for session in sessions:
        url = reverse("exams:session", args=[session.pk])
        params = {"title": session.title, "closes_at": session.closes_at.isoformat()}
        for user_id in sorted(eligible[session.pk]):
            if (session.pk, user_id) not in sat:
                notices.append(
                    Notice(user_id, EXAM_CLOSING, f"exam_closing:{session.pk}", params, url)
                )
    return notices


def result_released_notices(*, now: datetime) -> list[Notice]:
    """Attempts whose result became visible to the candidate within
    REMINDER_RESULT_RELEASED_WITHIN_DAYS: at the session's close, at the administrator's
    release, or (released at once) when people finished marking it. A result shown at once
    on submitting is no news and is not reminded of. One query."""
    since = now - timedelta(days=settings.REMINDER_RESULT_RELEASED_WITHIN_DAYS)
    hand_marked = AttemptSlot.objects.filter(attempt=OuterRef("pk"), hand_marked=True)
    released = (
        Q(
            session__result_release=ResultRelease.IMMEDIATELY,
            finished_at__gte=since,
            finished_at__lte=now,
            marked=True,
        )
        | Q(
            session__result_release=ResultRelease.AT_CLOSE,
            session__closes_at__gte=since,
            session__closes_at__lte=now,
        )
        | Q(
            session__result_release=ResultRelease.MANUAL,
            session__results_released_at__gte=since,
            session__results_released_at__lte=now,
        )
    )
    attempts = (
        Attempt.objects.annotate(marked=Exists(hand_marked))
        .filter(released, status__in=FINISHED_STATUSES, marking_pending=False)
        .exclude(session__kind=ExamKind.MOCK)
        .values_list("pk", "user_id", "session__title")
        .order_by("pk")
    )
    return [
        Notice(
            user_id,
            RESULT_RELEASED,
            f"result_released:{attempt_id}",
            {"title": title},
            reverse("exams:result", args=[attempt_id]),
        )
        for attempt_id, user_id, title in attempts
    ]
