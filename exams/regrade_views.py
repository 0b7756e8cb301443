"""Admin pages of the remedies for a faulty question: the dry run, the confirmation, progress.

A key correction starts in the question editor: saving a changed key of a used question keeps
the edit aside (in the session) and sends the editor here, where the dry run shows what the
correction changes and the reason is given. Dropping a question from a session's score, or
giving everyone its points, starts from the question's usage page. Each view checks the
permission and the scope (through the services), calls one service or selector and answers
with a page or a redirect with a message.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods
from wagtail.admin import messages

from cms.laws.models import Article

from .formats.base import ParsedOption
from .forms import RegradeConfirmForm
from .models import ExamSession, Question, Regrade, Topic
from .regrade_selectors import (
    consequence_rows,
    plan_rows,
    regrade_changes_visible,
    regrades_visible_to,
)
from .services import question_set_status
from .services.regrades import (
    RegradeError,
    key_correction_check,
    key_correction_confirm,
    regrade_consequences_collect,
    regrade_plan,
    regrade_start,
)
from .session_selectors import sessions_visible_to

KEY_SESSION_KEY = "exams_key_correction"
PLAN_ROWS_SHOWN = 1000

MSG_KEY_CHANGE = _(
    "您修改了已被作答试题的答案：这是答案更正，请先查看对已评分答卷的影响并填写理由。"
)
MSG_NO_PENDING = _("没有待确认的答案更正：请在试题编辑页修改答案。")
MSG_STARTED = _("已确认“%(action)s”，正在后台重新评分。")
MSG_DISCARDED = _("已放弃答案更正，试题未修改。")

REMEDY_ACTIONS = {Regrade.Action.DROP.value, Regrade.Action.FULL_MARKS.value}


def _require(request: HttpRequest) -> None:
    user = request.user
    if not (user.has_perm("exams.change_question") and user.has_perm("exams.change_examsession")):
        raise PermissionDenied


def _edit_url(question: Question) -> str:
    return reverse(Question.snippet_viewset.get_url_name("edit"), args=[question.pk])


def _usage_url(question: Question) -> str:
    return reverse(Question.snippet_viewset.get_url_name("usage"), args=[question.pk])


# --- The pending edit (kept between the editor and the correction page) -----------------------


def pending_edit_keep(request: HttpRequest, question: Question, form) -> None:
    """Keep the editor's validated edit until the correction is confirmed or discarded."""
    kwargs = form.service_kwargs()
    pending = request.session.get(KEY_SESSION_KEY, {})
    pending[str(question.pk)] = {
        "kind": kwargs["kind"],
        "stem": kwargs["stem"],
        "options": [[o.text, bool(o.correct)] for o in kwargs["options"]],
        "answer_true": kwargs["answer_true"],
        "explanation": kwargs["explanation"],
        "difficulty": kwargs["difficulty"],
        # Each cited part as [article pk, 款, 项].
        "articles": [[p.article.pk, p.paragraph, p.item] for p in kwargs["articles"]],
        "topic": form.cleaned_data["topic"].pk,
        "status": form.cleaned_data["status"],
    }
    request.session[KEY_SESSION_KEY] = pending


def _pending_edit(request: HttpRequest, question: Question) -> dict | None:
    return request.session.get(KEY_SESSION_KEY, {}).get(str(question.pk))


def _pending_discard(request: HttpRequest, question: Question) -> None:
    pending = request.session.get(KEY_SESSION_KEY, {})
    if pending.pop(str(question.pk), None) is not None:
        request.session[KEY_SESSION_KEY] = pending


def _edit_kwargs(pending: dict) -> dict:
    from cms.laws.citations import CitedPart

    cited = [row if isinstance(row, list) else [row, None, None] for row in pending["articles"]]
    articles = Article.objects.select_related("version__law").in_bulk([r[0] for r in cited])
    return {
        "kind": pending["kind"],
        "stem": pending["stem"],
        "options": [ParsedOption(text, correct) for text, correct in pending["options"]],
        "answer_true": pending["answer_true"],
        "explanation": pending["explanation"],
        "difficulty": pending["difficulty"],
        "articles": [CitedPart(articles[pk], p, i) for pk, p, i in cited if pk in articles],
        "topic": Topic.objects.filter(pk=pending["topic"]).first(),
    }


def _pending_key(pending: dict) -> list[int]:
    from .services.questions import _options_json
    from .services.regrades import options_key

    options = [ParsedOption(text, correct) for text, correct in pending["options"]]
    return options_key(_options_json(pending["kind"], options, pending["answer_true"]))


# --- Pages ---------------------------------------------------------------------------------


def _plan_page(request, *, question, action, session, plan, form, extra) -> HttpResponse:
    rows = plan_rows(plan.changes)
    changed = [r for r in rows if r.change.score_changed]
    context = {
        "question": question,
        "action_label": Regrade.Action(action).label,
        "action": action,
        "session": session,
        "plan": plan,
        "rows": changed[:PLAN_ROWS_SHOWN],
        "hidden": max(0, len(changed) - PLAN_ROWS_SHOWN),
        "affected": len(rows),
        "changed": len(changed),
        "unchanged": len(rows) - len(changed),
        "flips": len(plan.flips),
        "consequences": consequence_rows(regrade_consequences_collect(plan)),
        "form": form,
        "edit_url": _edit_url(question),
        "usage_url": _usage_url(question),
        **extra,
    }
    return TemplateResponse(request, "exams/admin/regrade_plan.html", context)


@require_http_methods(["GET", "POST"])
def key_correction(request: HttpRequest, pk: int) -> HttpResponse:
    """The dry run of a key correction the editor made, then its confirmation."""
    _require(request)
    question = get_object_or_404(Question.objects.select_related("current_version"), pk=pk)
    pending = _pending_edit(request, question)
    if pending is None:
        messages.info(request, MSG_NO_PENDING)
        return redirect(_edit_url(question))
    if request.method == "POST" and request.POST.get("discard"):
        _pending_discard(request, question)
        messages.info(request, MSG_DISCARDED)
        return redirect(_edit_url(question))
    form = RegradeConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            regrade = key_correction_confirm(
                question=question,
                reason=form.cleaned_data["reason"],
                actor=request.user,
                **_edit_kwargs(pending),
            )
        except RegradeError as exc:
            form.add_error(None, exc)
        else:
            _pending_discard(request, question)
            question.refresh_from_db()
            if pending["status"] != question.status:
                question_set_status(question=question, status=pending["status"], actor=request.user)
            messages.success(request, MSG_STARTED % {"action": regrade.get_action_display()})
            return redirect("exams_regrade", pk=regrade.pk)
    try:
        edit = _edit_kwargs(pending)
        key_correction_check(
            question=question,
            kind=edit["kind"],
            options=edit["options"],
            answer_true=edit["answer_true"],
        )
        plan = regrade_plan(
            question=question,
            action=Regrade.Action.KEY,
            key=_pending_key(pending),
            actor=request.user,
        )
    except RegradeError as exc:
        _pending_discard(request, question)
        messages.error(request, "；".join(exc.messages))
        return redirect(_edit_url(question))
    return _plan_page(
        request,
        question=question,
        action=Regrade.Action.KEY,
        session=None,
        plan=plan,
        form=form,
        extra={"new_key": _letters(pending, _pending_key(pending)), "discard": True},
    )


def _letters(pending: dict, key: list[int]) -> str:
    if pending["kind"] == "true_false":
        return str(_("对")) if key == [1] else str(_("错"))
    return "".join("ABCDEFGH"[i - 1] for i in key if i <= 8)


@require_http_methods(["GET", "POST"])
def session_remedy(request: HttpRequest, pk: int, session_pk: int, action: str) -> HttpResponse:
    """The dry run of dropping the question from a session's score (or of full marks for it),
    then its confirmation."""
    _require(request)
    if action not in REMEDY_ACTIONS:
        raise Http404
    question = get_object_or_404(Question.objects.select_related("current_version"), pk=pk)
    session = get_object_or_404(sessions_visible_to(request.user), pk=session_pk)
    form = RegradeConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            regrade = regrade_start(
                question=question,
                session=session,
                action=action,
                reason=form.cleaned_data["reason"],
                actor=request.user,
            )
        except RegradeError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, MSG_STARTED % {"action": regrade.get_action_display()})
            return redirect("exams_regrade", pk=regrade.pk)
    try:
        plan = regrade_plan(question=question, action=action, session=session, actor=request.user)
    except RegradeError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect(_usage_url(question))
    return _plan_page(
        request, question=question, action=action, session=session, plan=plan, form=form, extra={}
    )


def regrade_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A regrade's progress (refreshing while it runs) and the results it changed."""
    _require(request)
    regrade = get_object_or_404(
        regrades_visible_to(request.user).select_related(
            "question", "session", "actor", "old_version", "new_version"
        ),
        pk=pk,
    )
    context = {
        "regrade": regrade,
        "changes": regrade_changes_visible(regrade, request.user)[:PLAN_ROWS_SHOWN],
        "usage_url": _usage_url(regrade.question),
        "edit_url": _edit_url(regrade.question),
    }
    return TemplateResponse(request, "exams/admin/regrade_detail.html", context)


def session_for_remedy_url(question: Question, session: ExamSession, action: str) -> str:
    return reverse("exams_regrade_remedy", args=[question.pk, session.pk, action])
