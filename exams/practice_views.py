"""The learner's practice pages: choose what to practise, answer a round one question at a
time with feedback after each answer, and the daily practice (每日一练). Plain form posts;
the round page's script only sends the same posts with fetch for instant feedback."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from . import round_selectors as selectors
from .models import PracticeMode, PracticeRound
from .practice_forms import PracticeStartForm
from .selectors_practice import practice_summary
from .services.practice import (
    ERR_ALREADY_ANSWERED,
    ERR_CHOOSE_MODE,
    ERR_NO_ITEM,
    PracticeError,
    daily_round,
    practice_answer,
    round_size,
)
from .services.practice import practice_start as start_round


def _wants_json(request: HttpRequest) -> bool:
    return request.headers.get("Accept", "").startswith("application/json")


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def practice_choose(request: HttpRequest) -> HttpResponse:
    """GET: the modes with what each offers (?topic= ?law= ?mode= preselect); POST: start."""
    if request.method == "POST":
        form = PracticeStartForm(request.POST)
        if form.is_valid():
            try:
                practice_round = start_round(
                    user=request.user, mode=form.cleaned_data["mode"], criteria=form.criteria()
                )
            except PracticeError as exc:
                messages.error(request, str(exc))
            else:
                return redirect("exams:practice_round", round_id=practice_round.pk)
        else:
            messages.error(request, str(ERR_CHOOSE_MODE))
        return redirect(reverse("exams:practice") + _preselect_query(request.POST))
    context = {
        "topics": selectors.topic_choices(),
        "laws": selectors.law_choices(),
        "weak": selectors.weak_topics(request.user.pk),
        "book_size": selectors.wrong_book_size(request.user.pk),
        "recent": selectors.recent_rounds(request.user.pk),
        "round_size": round_size(),
        "selected_topic": _as_int(request.GET.get("topic")),
        "selected_law": request.GET.get("law", ""),
        "selected_mode": request.GET.get("mode", ""),
        "modes": PracticeMode,
    }
    return render(request, "exams/practice_choose.html", context)


def _preselect_query(data) -> str:
    for name in ("topic", "law"):
        if data.get(name):
            return f"?{name}={data[name]}"
    if data.get("mode") in (PracticeMode.WEAK, PracticeMode.WRONG):
        return f"?mode={data['mode']}"
    return ""


def _as_int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def practice_round(request: HttpRequest, round_id: int) -> HttpResponse:
    """One question at a time; after an answer its feedback (?show=<position>); at the end
    the round's summary. POST answers the posted item (JSON for the page's script)."""
    practice_round = selectors.round_for_learner(round_id, request.user)
    url = reverse("exams:practice_round", args=[practice_round.pk])
    if request.method == "POST":
        return _answer(request, practice_round, url)
    items = selectors.round_items(practice_round)
    show = _as_int(request.GET.get("show"))
    shown = next((i for i in items if i.position == show and i.answered), None)
    current = next((i for i in items if not i.answered), None)
    context = {
        "round": practice_round,
        "items": items,
        "shown": shown,
        "current": None if shown else current,
        "next_item": current,
        "lessons": selectors.round_lessons(items) if current is None and not shown else [],
        "accuracy": _percent(practice_round.correct_count, practice_round.answered_count),
    }
    return render(request, "exams/practice_round.html", context)


def _percent(part: int, whole: int) -> int:
    return round(part * 100 / whole) if whole else 0


def _answer(request: HttpRequest, practice_round: PracticeRound, url: str) -> HttpResponse:
    position = _as_int(request.POST.get("position"))
    item_id = next(
        iter(practice_round.items.filter(position=position).values_list("pk", flat=True)), None
    )
    try:
        if item_id is None:
            raise PracticeError(ERR_NO_ITEM)
        answer = practice_answer(
            user=request.user, item=item_id, selected=request.POST.getlist("selected")
        )
    except PracticeError as exc:
        if _wants_json(request):
            return JsonResponse({"ok": False, "error": str(exc)}, status=400)
        if str(exc) == str(ERR_ALREADY_ANSWERED):
            return redirect(f"{url}?show={position}#feedback")
        messages.error(request, str(exc))
        return redirect(url)
    if _wants_json(request):
        practice_round.refresh_from_db()
        html = render_to_string(
            "exams/includes/practice_feedback.html",
            {"item": answer.feedback, "round": practice_round, "finished": answer.finished},
            request=request,
        )
        progress = render_to_string(
            "exams/includes/practice_progress.html", {"round": practice_round}, request=request
        )
        return JsonResponse(
            {
                "ok": True,
                "progress": progress,
                "correct": answer.correct,
                "answered": answer.answered_count,
                "count": answer.question_count,
                "finished": answer.finished,
                "html": html,
            }
        )
    return redirect(f"{url}?show={answer.position}#feedback")


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def daily(request: HttpRequest) -> HttpResponse:
    """Today's daily practice and the streak; POST makes (or finds) today's round."""
    today = timezone.localdate()
    if request.method == "POST":
        try:
            practice_round = daily_round(user=request.user, day=today)
        except PracticeError as exc:
            messages.error(request, str(exc))
            return redirect("exams:daily")
        return redirect("exams:practice_round", round_id=practice_round.pk)
    days = selectors.daily_calendar(request.user.pk, today)
    context = {
        "summary": practice_summary(request.user.pk, today.year, today=today),
        "today_round": days[-1][1],
        "days": days,
        "today": today,
    }
    return render(request, "exams/practice_daily.html", context)
