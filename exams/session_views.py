"""A session's own admin pages: candidates and accommodations, their import, results.

Each view checks the session permission, finds the session among those the user may manage
(``sessions_visible_to``, others are a 404), calls one service or selector and answers with a
page, a download or a redirect with a message. People outside the user's scope never appear.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from wagtail.admin import messages
from wagtail.permission_policies import ModelPermissionPolicy

from .formats.session_sheets import candidate_template, workbook_bytes
from .models import ExamSession, ResultRelease
from .services import SessionError, candidate_update, candidates_import, session_release_results
from .session_forms import CandidateFormSet, CandidatesImportForm
from .session_selectors import (
    session_candidates,
    session_results,
    session_status,
    sessions_visible_to,
)

URL_NAMESPACE = "exams_sessions"
STAFF_ATTEMPT_URL = "exams:staff_attempt"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

MSG_CANDIDATES_SAVED = _("已保存 %(count)s 位考生的安排。")
MSG_NOTHING_CHANGED = _("没有需要保存的修改。")
MSG_IMPORTED = _(
    "已导入考生名单：新增 %(created)s 人，更新 %(updated)s 人，未变 %(unchanged)s 人。"
)
MSG_FILE_TOO_LARGE = _("文件过大，上限为 %(limit)s KB。")
MSG_RELEASED = _("已公布“%(session)s”的成绩。")

RESULT_HEADERS = [
    _("工号"),
    _("姓名"),
    _("单位"),
    _("第几次"),
    _("状态"),
    _("成绩"),
    _("是否合格"),
    _("开始时间"),
    _("交卷时间"),
    _("用时（分钟）"),
]

policy = ModelPermissionPolicy(ExamSession)


def url_name(view: str) -> str:
    return f"{URL_NAMESPACE}:{view}"


def _session(request: HttpRequest, pk: int, actions: list[str]) -> ExamSession:
    if not policy.user_has_any_permission(request.user, actions):
        raise PermissionDenied
    queryset = sessions_visible_to(request.user).select_related("blueprint", "eligible_unit")
    return get_object_or_404(queryset, pk=pk)


def _context(session: ExamSession, **extra) -> dict:
    return {
        "session": session,
        "status": session_status(session),
        "edit_url": reverse(url_name("edit"), args=[session.pk]),
        "candidates_url": reverse(url_name("candidates"), args=[session.pk]),
        "import_url": reverse(url_name("candidates_import"), args=[session.pk]),
        "template_url": reverse(url_name("candidates_template")),
        "results_url": reverse(url_name("results"), args=[session.pk]),
        **extra,
    }


# --- Candidates ----------------------------------------------------------------------------


def candidates(request: HttpRequest, pk: int) -> HttpResponse:
    """The listed candidates and those with accommodations; extra time/attempts editable."""
    session = _session(request, pk, ["change"])
    queryset = session_candidates(session, request.user)
    formset = CandidateFormSet(request.POST or None, queryset=queryset)
    if request.method == "POST" and formset.is_valid():
        changed = [form for form in formset.forms if form.has_changed()]
        for form in changed:
            data = form.cleaned_data
            candidate_update(
                candidate=form.instance,
                listed=data["listed"],
                extra_minutes=data["extra_minutes"],
                extra_attempts=data["extra_attempts"],
                note=data["note"],
                actor=request.user,
            )
        if changed:
            messages.success(request, MSG_CANDIDATES_SAVED % {"count": len(changed)})
        else:
            messages.info(request, MSG_NOTHING_CHANGED)
        return redirect(url_name("candidates"), pk=session.pk)
    return TemplateResponse(
        request, "exams/admin/sessions/candidates.html", _context(session, formset=formset)
    )


def candidates_import_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Upload the candidate list: checked as a whole, then written only if every row passes."""
    session = _session(request, pk, ["change"])
    form = CandidatesImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > settings.UPLOAD_MAX_BYTES:
            limit = settings.UPLOAD_MAX_BYTES // 1024
            form.add_error("file", MSG_FILE_TOO_LARGE % {"limit": limit})
        else:
            result = candidates_import(
                session=session,
                data=upload.read(),
                filename=upload.name,
                actor=request.user,
                dry_run=form.cleaned_data["dry_run"],
            )
            if result.written:
                messages.success(
                    request,
                    MSG_IMPORTED
                    % {
                        "created": result.created,
                        "updated": result.updated,
                        "unchanged": result.unchanged,
                    },
                )
                return redirect(url_name("candidates"), pk=session.pk)
    return TemplateResponse(
        request,
        "exams/admin/sessions/candidates_import.html",
        _context(session, form=form, result=result),
    )


def candidates_template(request: HttpRequest) -> HttpResponse:
    if not policy.user_has_any_permission(request.user, ["change"]):
        raise PermissionDenied
    response = HttpResponse(candidate_template(), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="candidates-template.xlsx"'
    return response


# --- Results -------------------------------------------------------------------------------


def _staff_attempt_url():
    """A function giving the staff attempt page's URL, or None while that page does not exist."""
    try:
        reverse(STAFF_ATTEMPT_URL, args=[1])
    except NoReverseMatch:
        return None
    return lambda attempt_id: reverse(STAFF_ATTEMPT_URL, args=[attempt_id])


def results(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session(request, pk, ["change", "view"])
    data = session_results(session, request.user)
    attempt_url = _staff_attempt_url()
    rows = [(row, attempt_url(row.attempt.pk) if attempt_url else None) for row in data.rows]
    can_release = (
        session.result_release == ResultRelease.MANUAL
        and session.results_released_at is None
        and policy.user_has_permission(request.user, "change")
    )
    context = _context(
        session,
        results=data,
        rows=rows,
        can_release=can_release,
        release_open=timezone.now() >= session.closes_at,
        export_url=reverse(url_name("results_export"), args=[session.pk]),
        release_url=reverse(url_name("release"), args=[session.pk]),
    )
    return TemplateResponse(request, "exams/admin/sessions/results.html", context)


def _yes_no(value) -> str:
    if value is None:
        return ""
    return str(_("合格")) if value else str(_("不合格"))


def results_export(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session(request, pk, ["change", "view"])
    data = session_results(session, request.user)
    rows = (
        [
            row.employee_number,
            row.name,
            row.unit_name,
            row.attempt.number,
            str(row.attempt.get_status_display()),
            float(row.attempt.score) if row.attempt.score is not None else None,
            _yes_no(row.attempt.passed),
            row.attempt.started_at,
            row.attempt.finished_at,
            row.minutes_used,
        ]
        for row in data.rows
    )
    content = workbook_bytes(
        str(_("成绩")),
        [str(h) for h in RESULT_HEADERS],
        rows,
        (14, 10, 24, 8, 14, 8, 10, 18, 18, 12),
    )
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="session-{session.pk}-results.xlsx"'
    return response


@require_POST
def results_release(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session(request, pk, ["change"])
    try:
        session_release_results(session=session, actor=request.user)
    except SessionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, MSG_RELEASED % {"session": session.title})
    return redirect(url_name("results"), pk=session.pk)
