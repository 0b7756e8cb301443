"""Background jobs with a progress row: the annual review run from the admin, batch PDFs.

The admin creates a ``BatchJob`` and enqueues a django-tasks task with its id; the task calls
``batch_job_run``, which updates ``done``/``total`` as it goes. The page shows both the
task's own status (queued, running, failed, done) and this row.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass, field

from django.core.files.base import ContentFile
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cms.people.models import OrgUnit, Role, User
from cms.people.selectors import people_visible_to
from cms.private_files import private_files_older_than, private_storage
from exams import api as exams_api
from exams.data import ExamKind

from ..models import (
    BATCH_FILE_DIRECTORY,
    BatchJob,
    Certificate,
    CertificateKind,
    Credential,
    CredentialStatus,
)
from .reviews import annual_review_run

logger = logging.getLogger(__name__)

# The download name of a certificate batch (the stored name is random).
BATCH_ZIP_NAME = _("批量证书")


def documents_people(actor: User | None) -> QuerySet[User]:
    """Whose documents a staff member may generate: legal affairs or HR scope."""
    if actor is None:
        return User.objects.all()
    return people_visible_to(actor, role=Role.LEGAL_AFFAIRS) | people_visible_to(
        actor, role=Role.HR
    )


def _enqueue(job: BatchJob) -> BatchJob:
    from ..tasks import batch_job_task

    result = batch_job_task.enqueue(job.pk)
    BatchJob.objects.filter(pk=job.pk).update(task_result_id=str(result.id))
    job.refresh_from_db()
    return job


def review_job_start(*, year: int, actor: User | None) -> BatchJob:
    """Run the annual review of ``year`` for the actor's scope in the background."""
    job = BatchJob.objects.create(
        kind=BatchJob.Kind.ANNUAL_REVIEW, params={"year": year}, created_by=actor
    )
    return _enqueue(job)


def batch_pdfs_start(
    *, actor: User | None, session_id: int | None = None, unit_id: int | None = None
) -> BatchJob:
    """One zip of the certificates of a session's passers, or of a unit's people (their
    certificates and credential cards), within the actor's scope."""
    job = BatchJob.objects.create(
        kind=BatchJob.Kind.CERTIFICATE_PDFS,
        params={"session_id": session_id, "unit_id": unit_id},
        created_by=actor,
    )
    return _enqueue(job)


def batch_documents(
    *, actor: User | None, session_id: int | None, unit_id: int | None
) -> tuple[list[Certificate], list[Credential]]:
    people = documents_people(actor)
    certificates = Certificate.objects.none()
    credentials = Credential.objects.none()
    if session_id:
        session = exams_api.session(session_id)
        passers = exams_api.sittings(
            user_ids=people.values_list("pk", flat=True), passed=True, session_id=session_id
        )
        holder_ids = {s.user_id for s in passers}
        q = Q(attempt_id__in=[s.attempt_id for s in passers])
        if session is not None and session.kind == ExamKind.ANNUAL_LAW:
            year = timezone.localtime(session.closes_at).year
            q |= Q(kind=CertificateKind.ANNUAL_LEARNING, year=year, holder_id__in=holder_ids)
        certificates = Certificate.objects.filter(q, holder__in=people)
    if unit_id:
        unit = OrgUnit.objects.get(pk=unit_id)
        members = people.filter(org_unit__path__startswith=unit.path)
        certificates = certificates | Certificate.objects.filter(holder__in=members)
        credentials = Credential.objects.filter(
            holder__in=members, status__in=[CredentialStatus.ACTIVE, CredentialStatus.SUSPENDED]
        )
    return (
        list(certificates.select_related("holder__org_unit", "authority").order_by("number")),
        list(credentials.select_related("holder__org_unit", "authority").order_by("number")),
    )


def _progress(job_id: int, done: int, total: int | None = None) -> None:
    fields = {"done": done}
    if total is not None:
        fields["total"] = total
    BatchJob.objects.filter(pk=job_id).update(**fields)


def batch_job_run(job_id: int) -> dict:
    """Do the job's work, updating its progress row; returns the summary it stores."""
    from ..pdf import documents_zip

    job = BatchJob.objects.select_related("created_by").get(pk=job_id)
    BatchJob.objects.filter(pk=job_id).update(status=BatchJob.Status.RUNNING)
    actor = job.created_by
    try:
        if job.kind == BatchJob.Kind.ANNUAL_REVIEW:
            people = None if actor is None else people_visible_to(actor, role=Role.LEGAL_AFFAIRS)
            report = annual_review_run(
                year=job.params["year"],
                actor=actor,
                people=people,
                progress=lambda done, total: _progress(job_id, done, total),
            )
            summary = {
                "totals": report.totals,
                "failed": [
                    {
                        "number": o.number,
                        "holder": o.holder_name,
                        "reasons": list(o.reasons),
                        "consequence": o.consequence,
                    }
                    for o in report.outcomes
                    if o.reasons and o.consequence != "skip"
                ],
            }
            job.refresh_from_db()
        elif job.kind == BatchJob.Kind.APPRAISAL:
            from .appraisal import appraisal_job_work

            summary = appraisal_job_work(
                job, progress=lambda done, total: _progress(job_id, done, total)
            )
            job.refresh_from_db()
        elif job.kind == BatchJob.Kind.EXPORT:
            from ..exports import export_job_work

            summary, filename, data = export_job_work(
                job, progress=lambda done, total: _progress(job_id, done, total)
            )
            job.refresh_from_db()
            job.download_name = filename
            job.file.save(filename, ContentFile(data), save=False)
        else:
            certificates, credentials = batch_documents(actor=actor, **job.params)
            total = len(certificates) + len(credentials)
            _progress(job_id, 0, total)
            data = documents_zip(
                certificates=certificates,
                credentials=credentials,
                progress=lambda done: (done % 10 == 0 or done == total) and _progress(job_id, done),
            )
            job.refresh_from_db()
            stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
            job.download_name = f"{BATCH_ZIP_NAME}-{job.pk}-{stamp}.zip"
            job.file.save(job.download_name, ContentFile(data), save=False)
            summary = {"certificates": len(certificates), "cards": len(credentials)}
    except Exception:
        logger.exception("certification batch job %s failed", job_id)
        BatchJob.objects.filter(pk=job_id).update(
            status=BatchJob.Status.FAILED, finished_at=timezone.now()
        )
        raise
    job.summary = summary
    job.status = BatchJob.Status.DONE
    job.finished_at = timezone.now()
    job.save(update_fields=["summary", "status", "finished_at", "file", "download_name"])
    return summary


@dataclass
class JobFilesPurge:
    """What ``job_files_purge`` removed (or, on a dry run, would remove)."""

    jobs: list[int] = field(default_factory=list)
    orphans: list[str] = field(default_factory=list)


def job_files_purge(*, cutoff: datetime.datetime, dry_run: bool = False) -> JobFilesPurge:
    """Delete the files of jobs that finished before ``cutoff``; each job row stays and records
    when its file went, so its page says the file has expired. Files in the jobs directory that
    no job points at (a job deleted, a run that failed after writing) go once they are as old."""
    storage = private_storage()
    report = JobFilesPurge()
    now = timezone.now()
    due = (
        BatchJob.objects.exclude(file="")
        .filter(Q(finished_at__lt=cutoff) | Q(finished_at__isnull=True, created_at__lt=cutoff))
        .only("pk", "file")
    )
    for job in due.iterator():
        report.jobs.append(job.pk)
        if dry_run:
            continue
        try:
            storage.delete(job.file.name)
        except OSError:
            logger.exception("could not delete the file of job %s", job.pk)
            continue
        BatchJob.objects.filter(pk=job.pk).update(file="", file_expired_at=now)
    kept = set(BatchJob.objects.exclude(file="").values_list("file", flat=True))
    if dry_run:
        kept -= set(due.values_list("file", flat=True))
    for name in private_files_older_than(BATCH_FILE_DIRECTORY, cutoff):
        if name in kept:
            continue
        report.orphans.append(name)
        if not dry_run:
            storage.delete(name)
    if not dry_run and (report.jobs or report.orphans):
        logger.info(
            "purged private files of %d jobs and %d orphans", len(report.jobs), len(report.orphans)
        )
    return report
