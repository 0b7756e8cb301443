"""Candidate pages (my exams, start, the paper, submit, result, review) and the staff view of
an attempt. Reads come from ``exams.selectors``, writes from ``exams.services``; the autosave
endpoint lives apart in ``views_api`` because it must not touch the session.
"""

import mimetypes

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from cms.people.decorators import staff_required
from cms.people.mfa import staff_mfa_redirect
from cms.people.models import Role

from . import selectors, selectors_mock
from .models import AttemptStatus
from .services import AttemptError, attempt_start, attempt_submit, slot_flag
from .services.attempts import TEXT_MAX_LENGTH
from .tokens import token_for


@login_required
def my_exams(request: HttpRequest) -> HttpResponse:
    return render(request, "exams/my_exams.html", {"exams": selectors.my_exams(request.user)})


@login_required
@require_http_methods(["GET", "POST"])
def session_detail(request: HttpRequest, session_id: int) -> HttpResponse:
    """The start page: the session's rules; POST starts (or resumes) the attempt."""
    overview = selectors.session_overview(session_id, request.user)
    if request.method == "POST":
        try:
            attempt = attempt_start(session=overview.session, user=request.user)
        except AttemptError as exc:
            messages.error(request, gettext(str(exc)))
            return redirect("exams:session", session_id=session_id)
        return redirect("exams:attempt", attempt_id=attempt.pk)
    return render(request, "exams/session_detail.html", {"overview": overview})


@never_cache
@login_required
def attempt_detail(request: HttpRequest, attempt_id: int) -> HttpResponse:
    """The paper being sat. Carries the signed token the autosave endpoint trusts; no keys."""
    attempt = selectors.attempt_for_candidate(attempt_id, request.user)
    if attempt.is_finished:
        return redirect("exams:result", attempt_id=attempt.pk)
    paper = selectors.attempt_paper(attempt)
    context = {
        "attempt": attempt,
        "session": attempt.session,
        "paper": paper,
        "answered": sum(q.answered for q in paper),
        "text_max_length": TEXT_MAX_LENGTH,
        "remaining": selectors.attempt_remaining_seconds(attempt),
        "token": token_for(
            attempt_id=attempt.pk, user_id=attempt.user_id, deadline=attempt.deadline
        ),
    }
    return render(request, "exams/attempt_detail.html", context)


@login_required
@require_POST
def attempt_flag(request: HttpRequest, attempt_id: int) -> HttpResponse:
    """Toggle a question's flag; JSON for the page's script, a redirect without script."""
    attempt = selectors.attempt_for_candidate(attempt_id, request.user)
    try:
        position = int(request.POST["position"])
    except (KeyError, ValueError):
        return JsonResponse({"ok": False}, status=400)
    flagged = request.POST.get("flagged") == "1"
    slot_flag(attempt=attempt, position=position, flagged=flagged)
    if request.headers.get("Accept", "").startswith("application/json"):
        return JsonResponse({"ok": True, "position": position, "flagged": flagged})
    return redirect(f"{reverse('exams:attempt', args=[attempt.pk])}#q-{position}")


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def attempt_submit_confirm(request: HttpRequest, attempt_id: int) -> HttpResponse:
    """GET: which questions are still unanswered; POST: hand in (idempotent)."""
    attempt = selectors.attempt_for_candidate(attempt_id, request.user)
    if request.method == "POST":
        attempt_submit(attempt_id=attempt.pk, user=request.user)
        return redirect("exams:result", attempt_id=attempt.pk)
    if attempt.is_finished:
        return redirect("exams:result", attempt_id=attempt.pk)
    context = {
        "attempt": attempt,
        "session": attempt.session,
        "open_questions": selectors.attempt_open_questions(attempt),
        "token": token_for(
            attempt_id=attempt.pk, user_id=attempt.user_id, deadline=attempt.deadline
        ),
        "remaining": selectors.attempt_remaining_seconds(attempt),
    }
    return render(request, "exams/attempt_submit.html", context)


@login_required
def attempt_result(request: HttpRequest, attempt_id: int) -> HttpResponse:
    attempt = selectors.attempt_for_candidate(attempt_id, request.user)
    if attempt.status == AttemptStatus.IN_PROGRESS:
        return redirect("exams:attempt", attempt_id=attempt.pk)
    result = selectors.attempt_result(attempt)
    weak_topics = selectors_mock.mock_weak_topics(attempt) if result.visible else []
    context = {
        "result": result,
        "corrections": selectors.attempt_correction_notices(attempt) if result.visible else [],
        "attempt": attempt,
        "refused": selectors.attempt_refused_changes(attempt),
        "voided": selectors.attempt_void_event(attempt),
        "weak_topics": weak_topics,
        "retake": selectors_mock.mock_retake(attempt, request.user),
    }
    return render(request, "exams/attempt_result.html", context)


@login_required
def attempt_review(request: HttpRequest, attempt_id: int) -> HttpResponse:
    """Answers, keys, explanations and cited articles, as the review policy allows."""
    attempt = selectors.attempt_for_candidate(attempt_id, request.user)
    if not selectors.review_visible(attempt):
        context = {"attempt": attempt, "session": attempt.session, "paper": None}
        return render(request, "exams/attempt_review.html", context, status=403)
    paper = selectors.attempt_paper(attempt, with_keys=True)
    context = {
        "attempt": attempt,
        "session": attempt.session,
        "paper": paper,
        "retake": selectors_mock.mock_retake(attempt, request.user),
    }
    return render(request, "exams/attempt_review.html", context)


@staff_required(roles=[Role.EXAM_ADMIN])
def staff_attempt_detail(request: HttpRequest, attempt_id: int) -> HttpResponse:
    """The paper exactly as the candidate saw it, with their answers and the keys, the
    attempt's history (who started, extended, submitted, voided, re-opened it and why) and
    the changes that reached the server too late to count."""
    attempt = selectors.attempt_for_staff(attempt_id, request.user)
    paper = selectors.attempt_paper(attempt, with_keys=True)
    context = {
        "attempt": attempt,
        "session": attempt.session,
        "paper": paper,
        "staff": True,
        "events": attempt.events.select_related("actor").order_by("at", "pk"),
        "refused": selectors.attempt_refused_changes(attempt),
    }
    return render(request, "exams/staff_attempt.html", context)


@login_required
def question_image(request: HttpRequest, pk: int) -> FileResponse:
    """An image of a question, for the question-bank staff and for candidates whose paper
    shows it; everyone else gets a 404 (an exam's images are not public before the exam)."""
    bank_staff = (
        request.user.has_perm("exams.change_question") and staff_mfa_redirect(request) is None
    )
    image = selectors.question_image_visible_to(request.user, pk, bank_staff=bank_staff)
    if image is None:
        raise Http404
    content_type = mimetypes.guess_type(image.file.name)[0] or "application/octet-stream"
    response = FileResponse(image.file.open("rb"), content_type=content_type)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    # An SVG opened on its own must not run scripts in our origin.
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    return response
