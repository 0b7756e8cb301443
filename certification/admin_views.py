"""The "执法证件" admin pages: credentials, transitions, issuing, annual review, renewals, batches.

Access follows the role, not model permissions: legal affairs officers (and superusers) see
the credentials of the people within their legal-affairs scope; others get 403. The staff MFA
middleware already guards the whole admin. Each view calls one service or selector.
"""

from __future__ import annotations

from functools import wraps

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from wagtail.admin import messages

from cms.people.models import Role
from cms.people.selectors import people_visible_to, units_visible_to, user_has_role
from cms.private_files import private_file_response
from exams import api as exams_api
from exams.data import ExamKind

from .exceptions import CertificationError
from .forms import BatchForm, IssueForm, ReviewForm, TransitionForm
from .models import BatchJob, CredentialEvent, CredentialStatus, EnforcementDomain
from .selectors import (
    credential_history,
    credential_live_status,
    credentials_visible_to,
    job_download_name,
    job_file_expired_note,
    jobs_visible_to,
)
from .services import (
    TRANSITION_SERVICES,
    allowed_actions,
    annual_review_outcomes,
    batch_pdfs_start,
    credential_issue,
    renewal_due,
    review_job_start,
)
from .services.reviews import CONSEQUENCE_LABELS, TOTAL_LABELS

MSG_TRANSITION_DONE = _("已%(action)s执法证 %(number)s。")
MSG_ISSUED = _("已核发执法证 %(number)s。")
MSG_REVIEW_STARTED = _("已开始 %(year)s 年度年审，进度见下。")
MSG_BATCH_STARTED = _("已开始批量生成证书，完成后可下载压缩包。")


def legal_affairs_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        user = request.user
        if not (user.is_superuser or user_has_role(user, Role.LEGAL_AFFAIRS)):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def documents_staff_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        user = request.user
        if not (
            user.is_superuser
            or user_has_role(user, Role.LEGAL_AFFAIRS)
            or user_has_role(user, Role.HR)
        ):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


@legal_affairs_required
def credential_index(request: HttpRequest) -> HttpResponse:
    credentials = credentials_visible_to(request.user).order_by("-issued_on", "-pk")
    status, domain, q = (request.GET.get(k, "") for k in ("status", "domain", "q"))
    if status:
        credentials = credentials.filter(status=status)
    if domain:
        credentials = credentials.filter(domain=domain)
    if q:
        credentials = credentials.filter(
            Q(number__icontains=q) | Q(holder__name__icontains=q) | Q(holder__employee_number=q)
        )
    page = Paginator(credentials, 50).get_page(request.GET.get("p"))
    return TemplateResponse(
        request,
        "certification/admin/credential_index.html",
        {
            "page": page,
            "statuses": CredentialStatus.choices,
            "domains": EnforcementDomain.choices,
            "filters": {"status": status, "domain": domain, "q": q},
        },
    )


@legal_affairs_required
def credential_detail(request: HttpRequest, pk: int) -> HttpResponse:
    credential = get_object_or_404(credentials_visible_to(request.user), pk=pk)
    actions = [
        (action, CredentialEvent.Action(action).label, TransitionForm(prefix=action))
        for action in allowed_actions(credential)
    ]
    return TemplateResponse(
        request,
        "certification/admin/credential_detail.html",
        {
            "credential": credential,
            "live_status": credential_live_status(credential),
            "history": credential_history(credential),
            "reviews": credential.reviews.order_by("-year"),
            "actions": actions,
        },
    )


@legal_affairs_required
@require_POST
def credential_transition(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    credential = get_object_or_404(credentials_visible_to(request.user), pk=pk)
    service = TRANSITION_SERVICES.get(action)
    if service is None:
        raise Http404
    form = TransitionForm(request.POST, prefix=action)
    if not form.is_valid():
        messages.error(request, _("请填写理由。"))
        return redirect("certification_admin:detail", pk=pk)
    try:
        service(credential=credential, actor=request.user, **form.cleaned_data)
    except CertificationError as error:
        for reason in error.reasons:
            messages.error(request, reason)
    else:
        label = CredentialEvent.Action(action).label
        messages.success(
            request, MSG_TRANSITION_DONE % {"action": label, "number": credential.number}
        )
    return redirect("certification_admin:detail", pk=pk)


@legal_affairs_required
def credential_issue_view(request: HttpRequest) -> HttpResponse:
    units = units_visible_to(request.user, role=Role.LEGAL_AFFAIRS)
    people = people_visible_to(request.user, role=Role.LEGAL_AFFAIRS)
    form = IssueForm(request.POST or None, units=units, people=people)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            credential = credential_issue(
                holder=data["holder"],
                authority=data["authority"],
                domain=data["domain"],
                area=data["area"],
                reason=data["reason"],
                legal_basis=data["legal_basis"],
                actor=request.user,
            )
        except CertificationError as error:
            for reason in error.reasons:
                form.add_error(None, reason)
        else:
            messages.success(request, MSG_ISSUED % {"number": credential.number})
            return redirect("certification_admin:detail", pk=credential.pk)
    return TemplateResponse(request, "certification/admin/issue.html", {"form": form})


@legal_affairs_required
def annual_review(request: HttpRequest) -> HttpResponse:
    """GET with a year: the dry-run preview. POST: run it as a background task."""
    people = people_visible_to(request.user, role=Role.LEGAL_AFFAIRS)
    form = ReviewForm(request.POST or request.GET or None)
    outcomes = None
    if form.is_bound and form.is_valid():
        year = form.cleaned_data["year"]
        if request.method == "POST":
            job = review_job_start(year=year, actor=request.user)
            messages.success(request, MSG_REVIEW_STARTED % {"year": year})
            return redirect("certification_admin:job", pk=job.pk)
        outcomes = [
            (o, CONSEQUENCE_LABELS[o.consequence])
            for o in annual_review_outcomes(year=year, people=people)
        ]
    jobs = jobs_visible_to(request.user).filter(kind=BatchJob.Kind.ANNUAL_REVIEW)
    return TemplateResponse(
        request,
        "certification/admin/annual_review.html",
        {"form": form, "outcomes": outcomes, "jobs": jobs[:10]},
    )


def _job_for(request: HttpRequest, pk: int) -> BatchJob:
    return get_object_or_404(jobs_visible_to(request.user), pk=pk)


def task_status(job: BatchJob) -> str:
    """The django-tasks result's status, where the backend keeps results."""
    if not job.task_result_id:
        return ""
    from .tasks import batch_job_task

    try:
        return str(batch_job_task.get_result(job.task_result_id).status.label)
    except Exception:  # the immediate backend keeps no results; the row suffices
        return ""


def _job_page(request: HttpRequest, job: BatchJob, *, status: int = 200) -> HttpResponse:
    return TemplateResponse(
        request,
        "certification/admin/job.html",
        {
            "job": job,
            "task_status": task_status(job),
            "running": job.status in (BatchJob.Status.QUEUED, BatchJob.Status.RUNNING),
            "download_name": job_download_name(job) if job.file else "",
            "expired_note": job_file_expired_note(job),
            "totals": [
                (TOTAL_LABELS.get(key, key), value)
                for key, value in (job.summary or {}).get("totals", {}).items()
            ],
        },
        status=status,
    )


@documents_staff_required
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _job_page(request, _job_for(request, pk))


@documents_staff_required
def job_download(request: HttpRequest, pk: int) -> HttpResponse:
    """The job's file from the private storage, to the people ``jobs_visible_to`` allows."""
    job = _job_for(request, pk)
    if job.file_expired:
        return _job_page(request, job, status=410)
    if not job.file:
        raise Http404
    try:
        return private_file_response(job.file.name, filename=job_download_name(job))
    except FileNotFoundError:
        raise Http404 from None


@legal_affairs_required
def renewals(request: HttpRequest) -> HttpResponse:
    people = people_visible_to(request.user, role=Role.LEGAL_AFFAIRS)
    return TemplateResponse(
        request,
        "certification/admin/renewals.html",
        {"credentials": renewal_due(people=people), "today": timezone.localdate()},
    )


@documents_staff_required
def batch(request: HttpRequest) -> HttpResponse:
    sessions = exams_api.sessions(
        kinds=[ExamKind.PRE_APPOINTMENT, ExamKind.ANNUAL_LAW], newest_first=True
    )
    units = units_visible_to(request.user, role=Role.LEGAL_AFFAIRS) | units_visible_to(
        request.user, role=Role.HR
    )
    form = BatchForm(request.POST or None, sessions=sessions, units=units.order_by("path"))
    if request.method == "POST" and form.is_valid():
        session_id, unit = form.cleaned_data["session"], form.cleaned_data["unit"]
        job = batch_pdfs_start(
            actor=request.user,
            session_id=session_id,
            unit_id=unit.pk if unit else None,
        )
        messages.success(request, MSG_BATCH_STARTED)
        return redirect("certification_admin:job", pk=job.pk)
    return TemplateResponse(request, "certification/admin/batch.html", {"form": form})
