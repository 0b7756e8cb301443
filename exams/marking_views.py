"""The markers' pages: the marking queue, and the page for marking one written answer.

Markers are staff (``Role.MARKER``, TOTP like every staff role) and see only sessions they
are assigned to (``services.marking.sessions_markable_by``). Nothing on these pages names the
candidate: a paper goes by its anonymous code.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from cms.people.decorators import staff_required
from cms.people.models import Role

from .models import AttemptSlot, Citation, ExamSession
from .services.marking import (
    COMMENT_MAX_LENGTH,
    MarkingError,
    anonymous_code,
    mark_submit,
    marker_may_mark,
    marking_progress,
    sessions_markable_by,
    slots_for_marker,
)

MSG_MARKED = _("评分已提交。")
MSG_NOTHING_LEFT = _("本场考试暂无需要您评阅的答案。")


@never_cache
@staff_required(roles=[Role.MARKER])
def marking_queue(request: HttpRequest) -> HttpResponse:
    """The sessions the marker is assigned to, with their progress."""
    sessions = (
        sessions_markable_by(request.user).filter(attempts__slots__hand_marked=True).distinct()
    )
    rows = marking_progress(sessions, marker=request.user)
    return render(request, "exams/marking/queue.html", {"rows": rows})


@never_cache
@staff_required(roles=[Role.MARKER])
def marking_session(request: HttpRequest, session_id: int) -> HttpResponse:
    """The next answer this marker may mark in the session, or a note that there is none."""
    session = get_object_or_404(sessions_markable_by(request.user), pk=session_id)
    slot_id = slots_for_marker(session.pk, request.user).values_list("pk", flat=True).first()
    if slot_id is not None:
        return redirect("exams:marking_answer", slot_id=slot_id)
    messages.info(request, MSG_NOTHING_LEFT)
    return redirect("exams:marking_queue")


def _answer_for_marker(request: HttpRequest, slot_id: int) -> AttemptSlot:
    """A written answer of a session the marker may mark, that waits for their mark."""
    slot = (
        AttemptSlot.objects.filter(pk=slot_id, hand_marked=True)
        .select_related("attempt__session", "question_version")
        .prefetch_related(
            Prefetch(
                "question_version__citations",
                queryset=Citation.objects.select_related("article__version__law"),
            )
        )
        .first()
    )
    if slot is None or not marker_may_mark(request.user, slot.attempt.session_id):
        raise Http404
    if not slots_for_marker(slot.attempt.session_id, request.user).filter(pk=slot.pk).exists():
        raise PermissionDenied(gettext("这份答案当前不需要您评阅。"))
    return slot


@never_cache
@staff_required(roles=[Role.MARKER])
@require_http_methods(["GET", "POST"])
def marking_answer(request: HttpRequest, slot_id: int) -> HttpResponse:
    """GET: the question, rubric, model answer, cited articles and the answer; POST: mark."""
    slot = _answer_for_marker(request, slot_id)
    version = slot.question_version
    rubric = version.rubric
    entered = [request.POST.get(f"c{i}", "") for i in range(len(rubric))]
    comment = request.POST.get("comment", "")
    error = ""
    if request.method == "POST":
        try:
            mark_submit(slot_id=slot.pk, marker=request.user, scores=entered, comment=comment)
        except MarkingError as exc:
            error = str(exc)
        else:
            messages.success(request, MSG_MARKED)
            return redirect("exams:marking_session", session_id=slot.attempt.session_id)
    session: ExamSession = slot.attempt.session
    context = {
        "slot": slot,
        "session": session,
        "version": version,
        "code": anonymous_code(slot.attempt_id),
        "criteria": [
            {"index": i, "criterion": c["criterion"], "points": c["points"], "value": entered[i]}
            for i, c in enumerate(rubric)
        ],
        "articles": [c.article for c in version.citations.all()],
        "comment": comment,
        "comment_max": COMMENT_MAX_LENGTH,
        "error": error,
        "round": slot.mark_round,
    }
    return render(request, "exams/marking/answer.html", context, status=400 if error else 200)
