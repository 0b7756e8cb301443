"""Reads of the certification app: scoped listings, the public verification answer, the
appointment check, a person's documents and study transcript."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cms.people.mfa import user_passed_mfa
from cms.people.models import Role, User
from cms.people.selectors import people_visible_to, user_can_see_person, user_roles
from exams import api as exams_api
from exams.data import ExamKind
from learning.data import YearSummary
from learning.selectors import earlier_year_summaries, kind_rows, local_year, year_summary

from .data import AppointmentCheck, Verification
from .models import (
    BatchJob,
    Certificate,
    CertificateKind,
    CertificateStatus,
    Credential,
    CredentialEvent,
    CredentialReview,
    CredentialStatus,
)
from .services.credentials import validity_end

MSG_APPOINT_OK = _("任前法律知识考试合格（%(date)s，%(score)s分），有效期至 %(until)s。")
MSG_APPOINT_BLOCKED = _("任前法律知识考试补考仍不合格（%(session)s），已记录为不得任用。")
MSG_APPOINT_EXPIRED = _("任前法律知识考试合格已于 %(until)s 过期，须重新参加考试。")
MSG_APPOINT_FAILED_ONCE = _(
    "任前法律知识考试不合格（%(session)s，%(score)s分），可补考一次；补考合格前不得任用。"
)
MSG_APPOINT_NONE = _("未参加任前法律知识考试，不得任用。")

DOCUMENT_CREDENTIAL = _("行政执法证")


# --- scope ------------------------------------------------------------------------------------

STAFF_DOCUMENT_ROLES = (Role.LEGAL_AFFAIRS, Role.HR)


def credentials_visible_to(user) -> QuerySet[Credential]:
    """Credentials of people within the user's legal-affairs scope (superusers: all)."""
    return Credential.objects.filter(
        holder__in=people_visible_to(user, role=Role.LEGAL_AFFAIRS)
    ).select_related("holder", "holder__org_unit", "authority")


def may_download_documents(user, holder: User) -> bool:
    """The holder, or staff (legal affairs or HR, with TOTP) whose scope covers the holder."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.pk == holder.pk:
        return True
    if not user_passed_mfa(user):
        return False
    return any(user_can_see_person(user, holder, role=role) for role in STAFF_DOCUMENT_ROLES)


# Which role a job's creator must still hold to see it: what an HR export or an appraisal run
# produced is HR data, an annual review is legal affairs' work, a certificate batch either's.
JOB_ROLES = {
    BatchJob.Kind.EXPORT: (Role.HR,),
    BatchJob.Kind.APPRAISAL: (Role.HR,),
    BatchJob.Kind.ANNUAL_REVIEW: (Role.LEGAL_AFFAIRS,),
    BatchJob.Kind.CERTIFICATE_PDFS: (Role.LEGAL_AFFAIRS, Role.HR),
}


def jobs_visible_to(user) -> QuerySet[BatchJob]:
    """The background jobs (and so their files) a user may see: the one rule for every job
    page and download, front office and admin alike.

    A job's file holds what its creator's scope held when it ran, so the creator may fetch it
    for as long as they still hold the role that made it; a superuser may fetch any. Nobody
    else: a colleague with a wider or the same scope makes their own export instead.
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return BatchJob.objects.none()
    if user.is_superuser:
        return BatchJob.objects.all()
    held = user_roles(user)
    kinds = [kind for kind, roles in JOB_ROLES.items() if held.intersection(roles)]
    return BatchJob.objects.filter(created_by=user, kind__in=kinds)


MSG_JOB_FILE_EXPIRED = _(
    "该文件已超过 %(days)s 天的保留期限，已于 %(when)s 删除；如仍需要，请重新生成。"
)


def job_file_expired_note(job: BatchJob) -> str:
    """What a job page says once the job's file has been purged ("" while it is kept)."""
    if job.file_expired_at is None:
        return ""
    when = timezone.localtime(job.file_expired_at).strftime("%Y-%m-%d %H:%M")
    return str(MSG_JOB_FILE_EXPIRED % {"days": settings.PRIVATE_FILE_RETENTION_DAYS, "when": when})


def job_download_name(job: BatchJob) -> str:
    """The human file name given at download (the stored name is a random token)."""
    if job.download_name:
        return job.download_name
    suffix = job.file.name.rsplit(".", 1)[-1] if "." in job.file.name else "bin"
    return f"{job.get_kind_display()}-{job.pk}.{suffix}"


# --- live status and the public answer --------------------------------------------------------


def credential_live_status(credential: Credential, *, on: datetime.date | None = None) -> str:
    """The status as the public sees it now: an active or suspended credential past its
    validity is expired even before the nightly sweep has recorded it."""
    on = on or timezone.localdate()
    if (
        credential.status in (CredentialStatus.ACTIVE, CredentialStatus.SUSPENDED)
        and credential.valid_until < on
    ):
        return CredentialStatus.EXPIRED
    return credential.status


def certificate_live_status(certificate: Certificate, *, on: datetime.date | None = None) -> str:
    on = on or timezone.localdate()
    if certificate.status == CertificateStatus.REVOKED:
        return CredentialStatus.REVOKED
    if certificate.status == CertificateStatus.WITHDRAWN:
        return CertificateStatus.WITHDRAWN
    if certificate.valid_until is not None and certificate.valid_until < on:
        return CredentialStatus.EXPIRED
    return "valid"


STATUS_LABELS = {
    "valid": _("有效"),
    CredentialStatus.ACTIVE: _("有效"),
    CredentialStatus.PENDING: _("待发证"),
    CredentialStatus.SUSPENDED: _("暂扣"),
    CredentialStatus.REVOKED: _("吊销"),
    CredentialStatus.EXPIRED: _("已过期"),
    CredentialStatus.CANCELLED: _("注销"),
    CertificateStatus.WITHDRAWN: _("已撤回"),
}
# The machine-readable status of the JSON answer: valid / suspended / revoked / expired / …
PUBLIC_STATUS = {CredentialStatus.ACTIVE: "valid"}


def mask_name(name: str) -> str:
    """张晓明 -> 张*明, 李娜 -> 李*, 欧阳小明 -> 欧**明: only the first and last characters."""
    name = (name or "").strip()
    if len(name) <= 1:
        return "*" if name else ""
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def _credential_verification(credential: Credential) -> Verification:
    status = credential_live_status(credential)
    return Verification(
        document_type=str(DOCUMENT_CREDENTIAL),
        number=credential.number,
        holder_masked=mask_name(credential.holder.name),
        authority=credential.authority.name,
        domain=credential.get_domain_display(),
        area=credential.area,
        issued_on=credential.issued_on,
        valid_until=credential.valid_until,
        status=PUBLIC_STATUS.get(status, str(status)),
        status_label=str(STATUS_LABELS[status]),
    )


def _certificate_verification(certificate: Certificate) -> Verification:
    status = certificate_live_status(certificate)
    return Verification(
        document_type=certificate.get_kind_display(),
        number=certificate.number,
        holder_masked=mask_name(certificate.holder.name),
        authority=certificate.authority.name if certificate.authority else "",
        domain=certificate.title,
        area="",
        issued_on=certificate.issued_on,
        valid_until=certificate.valid_until,
        status=str(status),
        status_label=str(STATUS_LABELS[status]),
        status_reason=certificate.status_reason if status != "valid" else "",
    )


def verification_by_code(code: str) -> Verification | None:
    """The public answer for a printed verification code, read live (no cache)."""
    code = (code or "").strip().upper()
    if not code:
        return None
    credential = (
        Credential.objects.select_related("holder", "authority")
        .filter(verification_code=code)
        .first()
    )
    if credential is not None:
        return _credential_verification(credential)
    certificate = (
        Certificate.objects.select_related("holder", "authority")
        .filter(verification_code=code)
        .first()
    )
    return _certificate_verification(certificate) if certificate is not None else None


def verification_by_number(number: str, name: str) -> Verification | None:
    """Credential (or certificate) number plus the holder's full name, both exact."""
    number, name = (number or "").strip(), (name or "").strip()
    if not number or not name:
        return None
    credential = (
        Credential.objects.select_related("holder", "authority")
        .filter(number=number, holder__name=name)
        .first()
    )
    if credential is not None:
        return _credential_verification(credential)
    certificate = (
        Certificate.objects.select_related("holder", "authority")
        .filter(number=number, holder__name=name)
        .first()
    )
    return _certificate_verification(certificate) if certificate is not None else None


def verification_url(code: str) -> str:
    """The absolute URL printed on documents and in their QR codes."""
    from django.urls import reverse

    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + reverse(
        "verify:code", kwargs={"code": code}
    )


# --- the appointment check --------------------------------------------------------------------


def appointment_check(user: User, *, now: datetime.datetime | None = None) -> AppointmentCheck:
    """May this person be appointed now, and why (not). Two queries.

    A pass counts for PRE_APPOINTMENT_VALIDITY_YEARS from the day of the exam; a second
    failure of one nomination (the attempt the exam engine marked ``blocking``) bars the
    appointment unless a later pass supersedes it.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    attempts = exams_api.sittings(user_ids=[user.pk], kinds=[ExamKind.PRE_APPOINTMENT])
    passes = [a for a in attempts if a.passed]
    last_pass = passes[-1] if passes else None
    blocks = [a for a in attempts if a.blocking]
    last_block = blocks[-1] if blocks else None
    if last_block is not None and (
        last_pass is None or last_block.finished_at > last_pass.finished_at
    ):
        return AppointmentCheck(
            False, (str(MSG_APPOINT_BLOCKED % {"session": last_block.session_title}),)
        )
    if last_pass is not None:
        exam_day = timezone.localdate(last_pass.finished_at)
        until = validity_end(exam_day, settings.PRE_APPOINTMENT_VALIDITY_YEARS)
        certificate = Certificate.objects.filter(
            attempt_id=last_pass.attempt_id, status=CertificateStatus.VALID
        ).first()
        number = certificate.number if certificate else ""
        if until >= today:
            reason = MSG_APPOINT_OK % {
                "date": exam_day.isoformat(),
                "score": last_pass.score,
                "until": until.isoformat(),
            }
            return AppointmentCheck(True, (str(reason),), number, until)
        return AppointmentCheck(
            False, (str(MSG_APPOINT_EXPIRED % {"until": until.isoformat()}),), number, until
        )
    if attempts:
        last = attempts[-1]
        reason = MSG_APPOINT_FAILED_ONCE % {"session": last.session_title, "score": last.score}
        return AppointmentCheck(False, (str(reason),))
    return AppointmentCheck(False, (str(MSG_APPOINT_NONE),))


# --- a person's documents and transcript --------------------------------------------------------


@dataclass
class MyDocuments:
    credentials: list[Credential]
    certificates: list[Certificate]
    transcript_years: list[int]
    learning_year: int
    learning_refusals: list[str] = field(default_factory=list)


def my_documents(user: User) -> MyDocuments:
    """What "我的证书" lists: credentials, certificates and the years of the transcript."""
    credentials = list(
        Credential.objects.filter(holder=user).select_related("authority").order_by("-issued_on")
    )
    for credential in credentials:
        credential.live_status = credential_live_status(credential)
        credential.live_label = STATUS_LABELS[credential.live_status]
    certificates = list(
        Certificate.objects.filter(holder=user).select_related("authority").order_by("-issued_on")
    )
    for certificate in certificates:
        certificate.live_label = STATUS_LABELS[certificate_live_status(certificate)]
    years = sorted({t.year for t in transcript(user)}, reverse=True)
    return MyDocuments(credentials, certificates, years, local_year())


@dataclass
class ExamLine:
    title: str
    kind: str
    finished_at: datetime.datetime
    score: object
    passed: bool | None


@dataclass
class TranscriptYear:
    year: int
    summary: YearSummary
    kinds: list[tuple[str, object, bool]]
    exams: list[ExamLine] = field(default_factory=list)
    certificates: list[Certificate] = field(default_factory=list)
    events: list[CredentialEvent] = field(default_factory=list)
    reviews: list[CredentialReview] = field(default_factory=list)


def transcript(user: User, *, year: int | None = None) -> list[TranscriptYear]:
    """学法档案: per year (newest first) the hours by kind, exams and scores, certificates and
    the credential history. A fixed number of queries whatever the number of years."""
    current = local_year()
    summaries = {current: year_summary(user=user, year=current)}
    for summary in earlier_year_summaries(user=user, before=current):
        summaries[summary.year] = summary
    by_year: dict[int, list[ExamLine]] = defaultdict(list)
    for sitting in exams_api.sittings(user_ids=[user.pk], exclude_kinds=[ExamKind.MOCK]):
        local = timezone.localtime(sitting.finished_at)
        by_year[local.year].append(
            ExamLine(
                sitting.session_title,
                exams_api.exam_kind_label(sitting.session_kind),
                local,
                sitting.score,
                sitting.passed,
            )
        )
    certificates: dict[int, list[Certificate]] = defaultdict(list)
    for certificate in Certificate.objects.filter(holder=user).order_by("issued_on"):
        certificates[certificate.issued_on.year].append(certificate)
    events: dict[int, list[CredentialEvent]] = defaultdict(list)
    for event in (
        CredentialEvent.objects.filter(credential__holder=user)
        .select_related("credential")
        .order_by("at", "pk")
    ):
        events[timezone.localtime(event.at).year].append(event)
    reviews: dict[int, list[CredentialReview]] = defaultdict(list)
    for review in CredentialReview.objects.filter(credential__holder=user).select_related(
        "credential"
    ):
        reviews[review.year].append(review)
    years = set(summaries) | set(by_year) | set(certificates) | set(events) | set(reviews)
    if year is not None:
        years = {year}
    result = []
    for y in sorted(years, reverse=True):
        summary = summaries.get(y)
        if summary is None:
            summary = year_summary(user=user, year=y)
        result.append(
            TranscriptYear(
                year=y,
                summary=summary,
                kinds=kind_rows(summary),
                exams=by_year.get(y, []),
                certificates=certificates.get(y, []),
                events=events.get(y, []),
                reviews=reviews.get(y, []),
            )
        )
    return result


def credential_history(credential: Credential) -> QuerySet[CredentialEvent]:
    return credential.events.select_related("actor").order_by("at", "pk")


def kinds_label() -> dict[str, str]:
    return dict(CertificateKind.choices)
