"""The item analysis pages: a session's (试题分析, beside 成绩 and 考场监控) and a question's
figures across sessions.

The session pages are scoped exactly like the session's other pages (``session_views._session``:
the session permission, then ``sessions_visible_to``; others are a 404). A question's page
needs the question permission and lists only sessions the viewer may manage.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from wagtail.admin import messages
from wagtail.permission_policies import ModelPermissionPolicy

from cms.spreadsheets import workbook_sheets_bytes

from .analysis_selectors import (
    RELIABILITY_KINDS,
    flag_label,
    item_reasons,
    question_statistics,
    session_analysis,
)
from .charts import analysis_charts
from .models import ItemAnalysis, Question
from .services.analysis import STALE_AFTER, item_analysis_request
from .session_views import XLSX, _context, _session, policy, url_name

QUESTION_EDIT_URL = "wagtailsnippets_exams_question:edit"
QUESTION_STATISTICS_URL = "exams_question_statistics"

MSG_ANALYSIS_DONE = _(
    "已完成试题分析：%(attempts)s 份答卷，%(items)s 道题，其中 %(flagged)s 道被标记。"
)
MSG_ANALYSIS_QUEUED = _("试题分析已在后台开始计算，完成后本页显示结果。")
MSG_ANALYSIS_FAILED = _("试题分析计算失败，请稍后重试或联系系统管理员。")

question_policy = ModelPermissionPolicy(Question)

SESSION_HEADERS = [_("项目"), _("数值")]
ITEM_HEADERS = [
    _("题号"),
    _("试题编号"),
    _("版本"),
    _("题型"),
    _("题干"),
    _("分值"),
    _("作答人数"),
    _("难度（得分率）"),
    _("区分度（校正点二列相关）"),
    _("高低分组鉴别指数"),
    _("平均用时（秒）"),
    _("未作答比例"),
    _("标记"),
    _("原因"),
]
OPTION_HEADERS = [
    _("题号"),
    _("试题编号"),
    _("版本"),
    _("选项"),
    _("选项内容"),
    _("正确选项"),
    _("选择人数"),
    _("选择率"),
]


def _items(items: list[dict]) -> list[dict]:
    """Items with their flags' labels and reasons and the links an administrator follows."""
    shown = []
    for item in items:
        qid = item["question_id"]
        shown.append(
            {
                **item,
                "flag_labels": [flag_label(f["code"]) for f in item["flags"]],
                "reasons": item_reasons(item),
                "edit_url": reverse(QUESTION_EDIT_URL, args=[qid]),
                "statistics_url": reverse(QUESTION_STATISTICS_URL, args=[qid]),
            }
        )
    return shown


def _papers(papers: dict | None) -> dict:
    """The papers' expected-score spread as stored, with the share within the band in %."""
    if not papers:
        return {}
    share = papers.get("within_band")
    return {**papers, "within_percent": None if share is None else round(100 * share, 1)}


def _analysis_context(request: HttpRequest, session, analysis: ItemAnalysis | None) -> dict:
    results = (analysis.results if analysis else None) or {}
    figures = results.get("session")
    only_flagged = request.GET.get("flagged") == "1"
    items = _items(results.get("items") or [])
    return _context(
        session,
        analysis=analysis,
        figures=figures,
        papers=_papers(results.get("papers")),
        reliability_label=RELIABILITY_KINDS.get((figures or {}).get("reliability_kind"), ""),
        rules=results.get("rules") or {},
        items=[i for i in items if i["flags"]] if only_flagged else items,
        only_flagged=only_flagged,
        charts=analysis_charts(analysis) if analysis and figures else {},
        can_compute=policy.user_has_permission(request.user, "change"),
        # A run queued or started long ago has died (a worker restart): offer to start again.
        waiting=bool(
            analysis
            and analysis.running
            and analysis.requested_at
            and timezone.now() - analysis.requested_at < STALE_AFTER
        ),
        compute_url=reverse(url_name("analysis_compute"), args=[session.pk]),
        progress_url=reverse(url_name("analysis_progress"), args=[session.pk]),
        export_url=reverse(url_name("analysis_export"), args=[session.pk]),
    )


@never_cache
def analysis(request: HttpRequest, pk: int) -> HttpResponse:
    """The session's figures, its items with flags and reasons, the charts."""
    session = _session(request, pk, ["change", "view"])
    context = _analysis_context(request, session, session_analysis(session))
    return TemplateResponse(request, "exams/admin/sessions/analysis.html", context)


@require_POST
def analysis_compute(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session(request, pk, ["change"])
    try:
        result = item_analysis_request(session=session, actor=request.user)
    except Exception:  # the run is marked failed and logged; say so instead of a 500
        messages.error(request, MSG_ANALYSIS_FAILED)
        return redirect(url_name("analysis"), pk=session.pk)
    if result.status == ItemAnalysis.Status.DONE:
        figures = result.results["session"]
        messages.success(
            request,
            MSG_ANALYSIS_DONE
            % {
                "attempts": figures["attempts"],
                "items": figures["items"],
                "flagged": figures["flagged"],
            },
        )
    else:
        messages.info(request, MSG_ANALYSIS_QUEUED)
    return redirect(url_name("analysis"), pk=session.pk)


@never_cache
def analysis_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """How far the run is, for the page's progress bar (polled while it runs)."""
    session = _session(request, pk, ["change", "view"])
    analysis = session_analysis(session)
    if analysis is None:
        return JsonResponse({"status": "", "percent": 0, "running": False})
    return JsonResponse(
        {
            "status": analysis.status,
            "label": str(analysis.get_status_display()),
            "done": analysis.done,
            "total": analysis.total,
            "percent": analysis.percent,
            "running": analysis.running,
        }
    )


def _papers_rows(papers: dict | None) -> list[list]:
    if not papers or not papers.get("papers"):
        return []
    return [
        [str(_("各卷期望得分：试卷数")), papers["papers"]],
        [str(_("各卷期望得分：最低")), papers["min"]],
        [str(_("各卷期望得分：平均")), papers["mean"]],
        [str(_("各卷期望得分：最高")), papers["max"]],
        [str(_("各卷期望得分：标准差")), papers["sd"]],
        [str(_("各卷期望得分：目标")), papers["target"]],
        [str(_("各卷期望得分：在允许范围内的比例")), papers["within_band"]],
    ]


def _session_rows(
    figures: dict, rules: dict, reliability_label: str, papers: dict | None = None
) -> list[list]:
    return [
        [str(_("答卷数")), figures["attempts"]],
        [str(_("平均分")), figures["mean"]],
        [str(_("标准差")), figures["sd"]],
        [
            str(_("信度")) + (f"（{reliability_label}）" if reliability_label else ""),
            figures["reliability"],
        ],
        [str(_("测量标准误")), figures["sem"]],
        [str(_("试题数")), figures["items"]],
        [str(_("被标记的试题")), figures["flagged"]],
        *_papers_rows(papers),
        *[[str(_("标记规则：%(name)s") % {"name": k}), v] for k, v in rules.items()],
    ]


def analysis_export(request: HttpRequest, pk: int) -> HttpResponse:
    """The stored analysis as a workbook: session figures, items, options."""
    session = _session(request, pk, ["change", "view"])
    analysis = session_analysis(session)
    results = (analysis.results if analysis else None) or {}
    if not results.get("session"):
        messages.error(request, _("尚未计算试题分析。"))
        return redirect(url_name("analysis"), pk=session.pk)
    figures = results["session"]
    label = str(RELIABILITY_KINDS.get(figures.get("reliability_kind"), ""))
    items = results["items"]
    item_rows = (
        [
            i["position"],
            i["question_id"],
            i["version"],
            i["kind"],
            i["stem"],
            i["points"],
            i["candidates"],
            i["facility"],
            i["discrimination"],
            i["upper_lower"],
            i["mean_seconds"],
            i["omitted"],
            "、".join(flag_label(f["code"]) for f in i["flags"]),
            "；".join(item_reasons(i)),
        ]
        for i in items
    )
    option_rows = (
        [
            i["position"],
            i["question_id"],
            i["version"],
            o["label"],
            o["text"],
            str(_("是")) if o["correct"] else "",
            o["count"],
            o["rate"],
        ]
        for i in items
        for o in i["options"]
    )
    content = workbook_sheets_bytes(
        [
            (
                str(_("考试概况")),
                [str(h) for h in SESSION_HEADERS],
                _session_rows(figures, results.get("rules") or {}, label, results.get("papers")),
                (30, 14),
            ),
            (str(_("试题")), [str(h) for h in ITEM_HEADERS], item_rows, (6, 8, 6, 10, 40)),
            (str(_("选项")), [str(h) for h in OPTION_HEADERS], option_rows, (6, 8, 6, 6, 40)),
        ]
    )
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = (
        f'attachment; filename="session-{session.pk}-item-analysis.xlsx"'
    )
    return response


def question_statistics_view(request: HttpRequest, pk: int) -> HttpResponse:
    """A question's figures in every session (the viewer may manage) whose analysis used it."""
    if not question_policy.user_has_any_permission(request.user, ["change", "view"]):
        raise PermissionDenied
    question = get_object_or_404(Question.objects.select_related("current_version"), pk=pk)
    rows = []
    for statistic in question_statistics(question, request.user):
        session = statistic.analysis.session
        rows.append(
            {
                "statistic": statistic,
                "session": session,
                "flag_labels": [flag_label(code) for code in statistic.flags],
                "analysis_url": reverse(url_name("analysis"), args=[session.pk]),
            }
        )
    context = {
        "question": question,
        "rows": rows,
        "edit_url": reverse(QUESTION_EDIT_URL, args=[question.pk]),
        "usage_url": reverse("wagtailsnippets_exams_question:usage", args=[question.pk]),
    }
    return TemplateResponse(request, "exams/admin/question_statistics.html", context)
