"""Front office of HR (人事专员): dashboard, drill-down, appraisal records, exports, the
appointment check. Every view is behind ``staff_required(roles=[Role.HR])`` (login, role,
TOTP) and every read goes through ``selectors_hr``, which limits it to the officer's subtree;
anything outside it answers 404.
"""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from cms.people.decorators import staff_required
from cms.people.models import Role
from cms.private_files import private_file_response

from .charts import dashboard_charts
from .exceptions import CertificationError
from .exports import (
    CONTENT_TYPES,
    FORMATS,
    TABLES,
    export_bytes,
    export_job_start,
    sync_limit,
    table_size,
)
from .models import AppraisalRecord, BatchJob
from .pdf_hr import appointment_pdf, unit_report_pdf
from .selectors import job_download_name, job_file_expired_note, jobs_visible_to
from .selectors_hr import (
    CATEGORY_CHOICES,
    HrFilters,
    appointment_overview,
    appraisal_records_visible_to,
    dashboard,
    hr_people,
    hr_person,
    hr_unit,
)
from .services.appraisal import (
    appraisal_job_start,
    appraisal_lock_year,
    appraisal_review,
    appraisal_unlock,
)

hr_required = staff_required(roles=[Role.HR])

MSG_COMPUTE_STARTED = _("已开始计算%(year)s年度学法考核。")
MSG_LOCKED_YEAR = _("已锁定 %(n)s 条%(year)s年度考核记录。")
MSG_REVIEWED = _("已保存审核意见。")
MSG_UNLOCKED = _("已解锁该考核记录，理由已记入审计日志。")
MSG_EXPORT_STARTED = _("导出数据较多（%(n)s 行），已转入后台生成，完成后可在此下载。")
REPORT_TITLE = _("年度学法情况报告")


def _attachment(data: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


@hr_required
def hr_dashboard(request: HttpRequest) -> HttpResponse:
    filters = HrFilters.from_query(request.GET)
    if filters.unit_id and hr_unit(request.user, filters.unit_id) is None:
        raise Http404
    board = dashboard(request.user, filters)
    context = {
        "board": board,
        "charts": dashboard_charts(board) if board.people else {},
        "categories": CATEGORY_CHOICES,
        "tables": TABLES,
        "formats": FORMATS,
        "query": filters.query(),
    }
    return render(request, "certification/hr/dashboard.html", context)


@hr_required
def hr_unit_detail(request: HttpRequest, unit_id: int) -> HttpResponse:
    unit = hr_unit(request.user, unit_id)
    if unit is None:
        raise Http404
    params = request.GET.copy()
    params["unit"] = str(unit_id)
    filters = HrFilters.from_query(params)
    board = dashboard(request.user, filters)
    context = {"unit": unit, "board": board, "query": filters.query(), "formats": FORMATS}
    return render(request, "certification/hr/unit.html", context)


@hr_required
def hr_person_detail(request: HttpRequest, person_id: int) -> HttpResponse:
    person = hr_person(request.user, person_id)
    if person is None:
        raise Http404
    records = person.appraisal_records.select_related("unit").order_by("-year")
    context = {"o": appointment_overview(person), "records": records}
    return render(request, "certification/hr/person.html", context)


@hr_required
def hr_appointment_pdf(request: HttpRequest, person_id: int) -> HttpResponse:
    person = hr_person(request.user, person_id)
    if person is None:
        raise Http404
    name = f"任前审查-{person.employee_number}.pdf"
    return _attachment(appointment_pdf(appointment_overview(person)), name, "application/pdf")


@hr_required
def hr_appointment_search(request: HttpRequest) -> HttpResponse:
    """Pick a person (name or employee number) within the subtree for the appointment check."""
    q = request.GET.get("q", "").strip()
    people = []
    if q:
        people = list(
            hr_people(request.user)
            .filter(Q(name__icontains=q) | Q(employee_number__iexact=q))
            .order_by("employee_number")[:50]
        )
    return render(request, "certification/hr/appointment_search.html", {"q": q, "people": people})


@hr_required
def hr_report_pdf(request: HttpRequest) -> HttpResponse:
    filters = HrFilters.from_query(request.GET)
    if filters.unit_id and hr_unit(request.user, filters.unit_id) is None:
        raise Http404
    board = dashboard(request.user, filters)
    title = f"{filters.year}{REPORT_TITLE}"
    return _attachment(unit_report_pdf(board, title=title), f"{title}.pdf", "application/pdf")


@hr_required
def hr_export(request: HttpRequest, table: str, fmt: str) -> HttpResponse:
    if table not in TABLES or fmt not in FORMATS:
        raise Http404
    filters = HrFilters.from_query(request.GET)
    if filters.unit_id and hr_unit(request.user, filters.unit_id) is None:
        raise Http404
    size = table_size(request.user, table, filters)
    if size > sync_limit():
        job = export_job_start(actor=request.user, table=table, fmt=fmt, filters=filters)
        messages.info(request, MSG_EXPORT_STARTED % {"n": size})
        return redirect("hr:job", job.pk)
    data, filename, _count = export_bytes(request.user, table, fmt, filters)
    return _attachment(data, filename, CONTENT_TYPES[fmt])


# --- appraisal records ----------------------------------------------------------------------


@hr_required
def hr_appraisal(request: HttpRequest, year: int) -> HttpResponse:
    records = appraisal_records_visible_to(request.user, year=year)
    if request.GET.get("rating") in ("passed", "failed"):
        records = records.filter(rating=request.GET["rating"])
    page = Paginator(records, 100).get_page(request.GET.get("page"))
    jobs = jobs_visible_to(request.user).filter(kind=BatchJob.Kind.APPRAISAL, params__year=year)[:3]
    context = {"year": year, "page": page, "jobs": jobs, "formats": FORMATS}
    return render(request, "certification/hr/appraisal.html", context)


@hr_required
@require_POST
def hr_appraisal_compute(request: HttpRequest, year: int) -> HttpResponse:
    job = appraisal_job_start(year=year, actor=request.user)
    messages.success(request, MSG_COMPUTE_STARTED % {"year": year})
    return redirect("hr:job", job.pk)


@hr_required
@require_POST
def hr_appraisal_lock(request: HttpRequest, year: int) -> HttpResponse:
    count = appraisal_lock_year(year=year, actor=request.user)
    messages.success(request, MSG_LOCKED_YEAR % {"n": count, "year": year})
    return redirect("hr:appraisal", year)


def _record_in_scope(request: HttpRequest, record_id: int) -> AppraisalRecord:
    record = get_object_or_404(AppraisalRecord.objects.select_related("person"), pk=record_id)
    if hr_person(request.user, record.person_id) is None:
        raise Http404
    return record


@hr_required
def hr_record(request: HttpRequest, record_id: int) -> HttpResponse:
    record = _record_in_scope(request, record_id)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "unlock":
                appraisal_unlock(
                    record_id=record.pk, actor=request.user, reason=request.POST.get("reason", "")
                )
                messages.success(request, MSG_UNLOCKED)
            else:
                appraisal_review(
                    record_id=record.pk, actor=request.user, notes=request.POST.get("notes", "")
                )
                messages.success(request, MSG_REVIEWED)
        except CertificationError as error:
            for reason in error.reasons:
                messages.error(request, reason)
        return redirect("hr:record", record.pk)
    from wagtail.models import ModelLogEntry

    history = ModelLogEntry.objects.for_instance(record).select_related("user")
    return render(request, "certification/hr/record.html", {"r": record, "history": history})


# --- background jobs ------------------------------------------------------------------------

HR_JOB_KINDS = (BatchJob.Kind.APPRAISAL, BatchJob.Kind.EXPORT)


def _visible_job(request: HttpRequest, job_id: int) -> BatchJob:
    return get_object_or_404(jobs_visible_to(request.user).filter(kind__in=HR_JOB_KINDS), pk=job_id)


def _job_page(request: HttpRequest, job: BatchJob, *, status: int = 200) -> HttpResponse:
    running = job.status in (BatchJob.Status.QUEUED, BatchJob.Status.RUNNING)
    download = reverse("hr:job_download", args=[job.pk]) if job.file else ""
    context = {
        "job": job,
        "running": running,
        "download": download,
        "download_name": job_download_name(job) if job.file else "",
        "expired_note": job_file_expired_note(job),
    }
    return render(request, "certification/hr/job.html", context, status=status)


@hr_required
def hr_job(request: HttpRequest, job_id: int) -> HttpResponse:
    return _job_page(request, _visible_job(request, job_id))


@hr_required
def hr_job_download(request: HttpRequest, job_id: int) -> HttpResponse:
    """The job's file from the private storage, to the people ``jobs_visible_to`` allows."""
    job = _visible_job(request, job_id)
    if job.file_expired:
        return _job_page(request, job, status=410)
    if not job.file:
        raise Http404
    try:
        return private_file_response(job.file.name, filename=job_download_name(job))
    except FileNotFoundError:
        raise Http404 from None
