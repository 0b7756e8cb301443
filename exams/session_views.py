"""A session's own admin pages: candidates and accommodations, their import, results.

Each view checks the session permission, finds the session among those the user may manage
(``sessions_visible_to``, others are a 404), calls one service or selector and answers with a
page, a download or a redirect with a message. People outside the user's scope never appear.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from wagtail.admin import messages
from wagtail.permission_policies import ModelPermissionPolicy

from cms.uploads import ReportTable, UploadFlowView, UploadReport, sheet_error_line

from .balance_selectors import session_paper_spread
from .charts import expected_score_histogram
from .formats.session_sheets import candidate_template, results_workbook
from .models import AttemptEvent, ExamSession, ResultRelease
from .selectors_results import session_report, session_responses
from .services import (
    TRANSITIONS,
    AttemptError,
    SessionError,
    attempt_extend,
    attempt_force_submit,
    attempt_reopen,
    attempt_void,
    candidate_update,
    candidates_import,
    session_extend,
    session_release_results,
)
from .services.sessions import CANDIDATE_SHEET_COLUMNS
from .services.transitions import ERR_INVALID_TRANSITION
from .session_forms import (
    AttemptExtendForm,
    AttemptForceSubmitForm,
    AttemptReopenForm,
    AttemptVoidForm,
    CandidateFormSet,
    CandidatesImportForm,
    SessionExtendForm,
)
from .session_selectors import (
    MonitorStatus,
    attempt_monitor_row,
    attempts_visible_to,
    people_in_scope,
    session_candidates,
    session_monitor,
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
MSG_PREVIEW = _("将新增 %(created)s 人，更新 %(updated)s 人，未变 %(unchanged)s 人。")
MSG_RELEASED = _("已公布“%(session)s”的成绩。")
MSG_RUNNING_EXTENDED = _(
    "其中 %(count)s 位考生正在作答，其答卷截止时间已按增加的延长时间推迟（不超过考试截止时间）。"
)
MSG_EXTENDED = _("已为 %(name)s 延长 %(minutes)s 分钟，新的截止时间为 %(deadline)s。")
MSG_FORCE_SUBMITTED = _("已为 %(name)s 强制交卷。")
MSG_VOIDED = _("已作废 %(name)s 的答卷成绩。")
MSG_REOPENED = _("已重新开放 %(name)s 的答卷，截止时间为 %(deadline)s。")
MSG_SESSION_EXTENDED = _("已为 %(count)s 位正在作答的考生各延长 %(minutes)s 分钟。")
MSG_SESSION_NONE_RUNNING = _("您管辖范围内没有正在作答的考生，未作任何修改。")

MONITOR_REFRESH_SECONDS = 15


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
        "monitor_url": reverse(url_name("monitor"), args=[session.pk]),
        "marking_url": reverse(url_name("marking"), args=[session.pk]),
        "papers_url": reverse(url_name("papers"), args=[session.pk]),
        "analysis_url": reverse(url_name("analysis"), args=[session.pk]),
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
        running = 0
        for form in changed:
            data = form.cleaned_data
            updated = candidate_update(
                candidate=form.instance,
                listed=data["listed"],
                extra_minutes=data["extra_minutes"],
                extra_attempts=data["extra_attempts"],
                note=data["note"],
                actor=request.user,
            )
            running += bool(updated.running_attempt_extended)
        if changed:
            messages.success(request, MSG_CANDIDATES_SAVED % {"count": len(changed)})
            if running:
                messages.info(request, MSG_RUNNING_EXTENDED % {"count": running})
        else:
            messages.info(request, MSG_NOTHING_CHANGED)
        return redirect(url_name("candidates"), pk=session.pk)
    return TemplateResponse(
        request, "exams/admin/sessions/candidates.html", _context(session, formset=formset)
    )


class CandidatesImportView(UploadFlowView):
    """Upload the candidate list: checked as a whole, then written only if every row passes."""

    kind = "candidates"
    page_title = _("导入考生名单")
    intro = _("按工号匹配，重复导入会更新已有考生的安排，不会重复添加；文件中没有的考生保持不变。")
    form_class = CandidatesImportForm
    columns = CANDIDATE_SHEET_COLUMNS
    template_download_label = _("下载考生名单模板（xlsx）")

    def has_permission(self, request) -> bool:
        return policy.user_has_any_permission(request.user, ["change"])

    def prepare(self, *, pk: int, **kwargs) -> None:
        self.session = _session(self.request, pk, ["change"])

    def scope(self) -> str:
        return f"session:{self.session.pk}"

    def flow_url(self) -> str:
        return reverse(url_name("candidates_import"), args=[self.session.pk])

    def template_download_url(self) -> str:
        return reverse(url_name("candidates_template"))

    def extra_context(self) -> dict:
        context = _context(self.session, nav_template="exams/admin/sessions/_session_nav.html")
        return {**context, "page_subtitle": self.session.title}

    def check(self, *, data, filename, options, mapping, dry_run):
        return candidates_import(
            session=self.session,
            data=data,
            filename=filename,
            actor=self.request.user,
            dry_run=dry_run,
            mapping=mapping,
        )

    def report(self, result) -> UploadReport:
        report = UploadReport(result.filename, [sheet_error_line(e) for e in result.errors])
        if result.errors:
            return report
        counts = {"created": result.created, "updated": result.updated}
        report.summary.append(str(MSG_PREVIEW % {**counts, "unchanged": result.unchanged}))
        actions = {"create": _("新增"), "update": _("更新"), "unchanged": _("未变")}
        headers = [
            str(h)
            for h in (
                _("行"),
                _("工号"),
                _("姓名"),
                _("单位"),
                _("延长时间（分钟）"),
                _("增加次数"),
                _("备注"),
                _("处理"),
            )
        ]
        rows = [
            [
                row.row,
                row.employee_number,
                row.name,
                row.unit_name,
                row.extra_minutes,
                row.extra_attempts,
                row.note,
                str(actions[row.action]),
            ]
            for row in result.rows
        ]
        report.tables.append(ReportTable(str(_("考生名单")), headers, rows))
        return report

    def done(self, request, result) -> HttpResponse:
        counts = {"created": result.created, "updated": result.updated}
        messages.success(request, MSG_IMPORTED % {**counts, "unchanged": result.unchanged})
        if result.running_extended:
            messages.info(request, MSG_RUNNING_EXTENDED % {"count": result.running_extended})
        return redirect(url_name("candidates"), pk=self.session.pk)


candidates_import_view = CandidatesImportView.as_view()


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
        report=session_report(session, request.user),
        rows=rows,
        can_release=can_release,
        release_open=timezone.now() >= session.closes_at,
        export_url=reverse(url_name("results_export"), args=[session.pk]),
        release_url=reverse(url_name("release"), args=[session.pk]),
    )
    return TemplateResponse(request, "exams/admin/sessions/results.html", context)


def results_export(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session(request, pk, ["change", "view"])
    content = results_workbook(
        report=session_report(session, request.user),
        results=session_results(session, request.user),
        responses=session_responses(session, request.user),
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


# --- Papers of equal difficulty --------------------------------------------------------------

PAPERS_DRAWN = _("已抽取的试卷")
PAPERS_BALANCED = _("均衡抽题")
PAPERS_UNBALANCED = _("不均衡（纯随机）")


def papers(request: HttpRequest, pk: int) -> HttpResponse:
    """The spread of expected scores across the candidates' papers (those of the user's
    people) and, drawn in memory, the spread the draw gives with and without balancing."""
    session = _session(request, pk, ["change", "view"])
    data = session_paper_spread(session, people=people_in_scope(request.user))
    histogram = functools.partial(expected_score_histogram, target=data.target, band=data.band)
    drawn_chart = histogram([(str(PAPERS_DRAWN), data.drawn_scores)]) if data.drawn.count else None
    simulated_chart = None
    if data.simulated is not None:
        series = [(str(PAPERS_UNBALANCED), data.unbalanced_scores)]
        if data.balancing:
            series.insert(0, (str(PAPERS_BALANCED), data.simulated_scores))
        simulated_chart = histogram(series)
    context = _context(
        session,
        spread=data,
        drawn_chart=drawn_chart,
        simulated_chart=simulated_chart,
        simulated_papers=settings.EXAM_BALANCE_SIMULATED_PAPERS,
        blueprint_url=reverse("exams_blueprints:edit", args=[session.blueprint_id]),
    )
    return TemplateResponse(request, "exams/admin/sessions/papers.html", context)


# --- Exam day: the live monitor and its actions -----------------------------------------------


def _local(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S")


def _monitor_context(request: HttpRequest, session: ExamSession) -> dict:
    monitor = session_monitor(
        session,
        request.user,
        status=request.GET.get("status", ""),
        search=request.GET.get("q", ""),
        page=request.GET.get("p", 1),
    )
    query = request.GET.urlencode()
    table_url = reverse(url_name("monitor_table"), args=[session.pk])
    return _context(
        session,
        monitor=monitor,
        statuses=[(key, label, monitor.counts[key]) for key, label in MonitorStatus.LABELS.items()],
        table_url=f"{table_url}?{query}" if query else table_url,
        refresh_seconds=MONITOR_REFRESH_SECONDS,
        extend_url=reverse(url_name("monitor_extend"), args=[session.pk]),
        extend_form=SessionExtendForm(),
    )


@never_cache
def monitor(request: HttpRequest, pk: int) -> HttpResponse:
    """Exam day: who has not started, who is sitting (progress, time left, offline), who is
    done; each running or finished attempt with its actions."""
    session = _session(request, pk, ["change"])
    return TemplateResponse(
        request, "exams/admin/sessions/monitor.html", _monitor_context(request, session)
    )


@never_cache
def monitor_table(request: HttpRequest, pk: int) -> HttpResponse:
    """The monitor's counts and table alone, which the page's script fetches again."""
    session = _session(request, pk, ["change"])
    return TemplateResponse(
        request, "exams/admin/sessions/monitor_table.html", _monitor_context(request, session)
    )


@require_http_methods(["GET", "POST"])
def monitor_extend(request: HttpRequest, pk: int) -> HttpResponse:
    """Extra time for every running attempt of the administrator's people (an incident)."""
    session = _session(request, pk, ["change"])
    form = SessionExtendForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            count = session_extend(
                session=session,
                actor=request.user,
                minutes=data["minutes"],
                reason=data["reason"],
                extend_close=data["extend_close"],
            )
        except AttemptError as exc:
            form.add_error(None, str(exc))
        else:
            if count:
                messages.success(
                    request, MSG_SESSION_EXTENDED % {"count": count, "minutes": data["minutes"]}
                )
            else:
                messages.info(request, MSG_SESSION_NONE_RUNNING)
            return redirect(url_name("monitor"), pk=session.pk)
    context = _context(session, form=form, action_url=request.path)
    return TemplateResponse(request, "exams/admin/sessions/monitor_extend.html", context)


@dataclass(frozen=True)
class AttemptAction:
    """One action of the monitor on one attempt: its form, the service, what to say."""

    title: object
    form: type
    run: Callable
    done: Callable
    destructive: bool = False


def _name(attempt) -> str:
    return attempt.user.name or attempt.user.employee_number


ATTEMPT_ACTIONS: dict[str, AttemptAction] = {
    "extend": AttemptAction(
        _("延长答题时间"),
        AttemptExtendForm,
        lambda attempt, actor, d: attempt_extend(
            attempt_id=attempt.pk,
            actor=actor,
            minutes=d["minutes"],
            reason=d["reason"],
            extend_close=d["extend_close"],
        ),
        lambda a, d: (
            MSG_EXTENDED
            % {"name": _name(a), "minutes": d["minutes"], "deadline": _local(a.deadline)}
        ),
    ),
    "force_submit": AttemptAction(
        _("强制交卷"),
        AttemptForceSubmitForm,
        lambda attempt, actor, d: attempt_force_submit(
            attempt_id=attempt.pk, actor=actor, reason=d["reason"]
        ),
        lambda a, d: MSG_FORCE_SUBMITTED % {"name": _name(a)},
        destructive=True,
    ),
    "void": AttemptAction(
        _("成绩作废"),
        AttemptVoidForm,
        lambda attempt, actor, d: attempt_void(
            attempt_id=attempt.pk, actor=actor, reason=d["reason"], legal_basis=d["legal_basis"]
        ),
        lambda a, d: MSG_VOIDED % {"name": _name(a)},
        destructive=True,
    ),
    "reopen": AttemptAction(
        _("重新开放作答"),
        AttemptReopenForm,
        lambda attempt, actor, d: attempt_reopen(
            attempt_id=attempt.pk,
            actor=actor,
            minutes=d["minutes"],
            reason=d["reason"],
            extend_close=d["extend_close"],
        ),
        lambda a, d: MSG_REOPENED % {"name": _name(a), "deadline": _local(a.deadline)},
    ),
}


@require_http_methods(["GET", "POST"])
def attempt_action(request: HttpRequest, attempt_id: int, action: str) -> HttpResponse:
    """GET: the attempt's line of the monitor and the action's form (the confirmation step);
    POST: the action through its service, whose refusal is shown on the form."""
    spec = ATTEMPT_ACTIONS.get(action)
    if spec is None:
        raise Http404
    if not policy.user_has_any_permission(request.user, ["change"]):
        raise PermissionDenied
    attempt = get_object_or_404(attempts_visible_to(request.user), pk=attempt_id)
    form = spec.form(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            attempt = spec.run(attempt, request.user, form.cleaned_data)
        except AttemptError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, spec.done(attempt, form.cleaned_data))
            return redirect(url_name("monitor"), pk=attempt.session_id)
    refusal = None
    if attempt.status not in TRANSITIONS[action][0]:
        refusal = ERR_INVALID_TRANSITION % {
            "status": attempt.get_status_display(),
            "action": AttemptEvent.Action(action).label,
        }
    context = _context(
        attempt.session,
        attempt=attempt,
        row=attempt_monitor_row(attempt),
        spec=spec,
        action=action,
        refusal=refusal,
        form=form,
        action_url=request.path,
        staff_attempt_url=reverse(STAFF_ATTEMPT_URL, args=[attempt.pk]),
    )
    return TemplateResponse(request, "exams/admin/sessions/monitor_action.html", context)


# --- Marking: progress and the session's markers ----------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def marking(request: HttpRequest, pk: int) -> HttpResponse:
    """How far the marking of the session's written answers is, and who marks it. POST
    assigns (``assign``) or takes off (``unassign``) a marker of the administrator's scope."""
    from cms.people.models import User

    from .services.marking import (
        MarkingError,
        marker_assign,
        marker_unassign,
        markers_assignable_by,
        marking_progress,
    )

    session = _session(request, pk, ["change", "view"] if request.method == "GET" else ["change"])
    assignable = markers_assignable_by(request.user)
    if request.method == "POST":
        marker = get_object_or_404(assignable, pk=request.POST.get("marker") or 0)
        try:
            if request.POST.get("action") == "unassign":
                marker_unassign(session=session, marker=marker, actor=request.user)
            else:
                marker_assign(session=session, marker=marker, actor=request.user)
        except MarkingError as exc:
            messages.error(request, str(exc))
        return redirect(url_name("marking"), pk=session.pk)
    assigned = User.objects.filter(
        marking_sessions__session=session, pk__in=assignable.values("pk")
    ).order_by("employee_number")
    progress = marking_progress(ExamSession.objects.filter(pk=session.pk))[0]
    context = _context(
        session,
        progress=progress,
        assigned=assigned,
        available=assignable.exclude(pk__in=assigned.values("pk")),
    )
    return TemplateResponse(request, "exams/admin/sessions/marking.html", context)
