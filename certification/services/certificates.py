"""Certificates: the pre-appointment exam certificate and the annual learning certificate.

Both are issued idempotently: a pre-appointment certificate once per passed attempt (the
one-to-one ``attempt`` field), a learning certificate once per person and year (a partial
unique constraint); asking again returns the certificate already issued.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.log_actions import log

from cms.people.models import OrgUnit, User
from exams import api as exams_api
from exams.data import ExamKind, Sitting
from learning.selectors import year_summary

from ..exceptions import CertificationError
from ..models import Certificate, CertificateKind, CertificateStatus
from .credentials import next_in_sequence, validity_end
from .reviews import year_bounds

ERR_NOT_PASSED = _("该答卷不是合格的任前法律知识考试答卷。")
ERR_HOURS = _("%(year)s年度学时未达到要求：已修 %(earned)s 学时，应修 %(required)s 学时。")
ERR_NO_LAW_EXAM = _("尚未通过%(year)s年度学法考试。")
ERR_LEARNING_REFUSED = _("暂不能颁发%(year)s年度学法合格证书。")
ERR_NOT_VALID = _("该证书当前不是有效状态，不能撤回。")
ERR_NOT_WITHDRAWN = _("该证书未被撤回，无需恢复。")
REASON_VOIDED = _("考试成绩作废，证书撤销。")

LEARNING_TITLE = _("%(year)s年度学法考法合格")


def certificate_number_next(*, kind: str, year: int) -> str:
    """``CERTIFICATE_NUMBER_PATTERN``: a prefix per kind, the year and a 6-digit sequence."""
    seq = next_in_sequence(f"certificate:{kind}:{year}")
    return settings.CERTIFICATE_NUMBER_PATTERN.format(
        prefix=settings.CERTIFICATE_NUMBER_PREFIXES[kind], year=year, seq=seq
    )


def _root_unit(user: User) -> OrgUnit | None:
    unit = user.org_unit
    return unit.get_root() if unit is not None else None


def pre_appointment_certificate_issue(
    *, sitting: Sitting, now: datetime.datetime | None = None, reason: str = ""
) -> Certificate:
    """The certificate for a passed pre-appointment sitting, valid
    PRE_APPOINTMENT_VALIDITY_YEARS from the day of the exam. ``reason`` (e.g. a regrade that
    made the sitting pass) goes to the audit entry."""
    existing = Certificate.objects.filter(attempt_id=sitting.attempt_id).first()
    if existing is not None:
        return existing
    if (
        sitting.session_kind != ExamKind.PRE_APPOINTMENT
        or not sitting.passed
        or sitting.voided
        or not sitting.finished_at
    ):
        raise CertificationError(ERR_NOT_PASSED)
    issued_on = timezone.localdate(sitting.finished_at)
    holder = User.objects.select_related("org_unit").get(pk=sitting.user_id)
    with transaction.atomic():
        certificate = Certificate(
            kind=CertificateKind.PRE_APPOINTMENT,
            number=certificate_number_next(
                kind=CertificateKind.PRE_APPOINTMENT, year=issued_on.year
            ),
            holder=holder,
            authority_id=sitting.eligible_unit_id or getattr(_root_unit(holder), "pk", None),
            year=issued_on.year,
            title=sitting.session_title,
            score=sitting.score,
            attempt_id=sitting.attempt_id,
            issued_on=issued_on,
            valid_until=validity_end(issued_on, settings.PRE_APPOINTMENT_VALIDITY_YEARS),
        )
        certificate.full_clean()
        certificate.save()
        log(
            instance=certificate,
            action="certification.certificate.issue",
            user=None,
            data={
                "number": certificate.number,
                "attempt_id": sitting.attempt_id,
                **({"reason": reason} if reason else {}),
            },
        )
    return certificate


def learning_certificate_refusals(*, user: User, year: int) -> list[str]:
    """Why the person may not (yet) have the year's learning certificate ([] if they may)."""
    reasons = []
    summary = year_summary(user=user, year=year)
    if not summary.is_met:
        reasons.append(
            str(ERR_HOURS % {"year": year, "earned": summary.counted, "required": summary.required})
        )
    since, until = year_bounds(year)
    passed = exams_api.people_who_passed(
        user_ids=[user.pk], kinds=[ExamKind.ANNUAL_LAW], since=since, until=until
    )
    if not passed:
        reasons.append(str(ERR_NO_LAW_EXAM % {"year": year}))
    return reasons


def learning_certificate_issue(
    *, user: User, year: int, now: datetime.datetime | None = None
) -> Certificate:
    """The year's learning certificate once the study requirement is met and the year's
    annual law exam passed; raises ``CertificationError`` with every missing condition."""
    existing = Certificate.objects.filter(
        holder=user, kind=CertificateKind.ANNUAL_LEARNING, year=year
    ).first()
    if existing is not None:
        return existing
    reasons = learning_certificate_refusals(user=user, year=year)
    if reasons:
        raise CertificationError(ERR_LEARNING_REFUSED % {"year": year}, reasons)
    now = now or timezone.now()
    summary = year_summary(user=user, year=year)
    since, until = year_bounds(year)
    best = exams_api.results_by_person(
        user_ids=[user.pk], kinds=[ExamKind.ANNUAL_LAW], since=since, until=until
    ).get(user.pk)
    with transaction.atomic():
        certificate = Certificate(
            kind=CertificateKind.ANNUAL_LEARNING,
            number=certificate_number_next(kind=CertificateKind.ANNUAL_LEARNING, year=year),
            holder=user,
            authority=_root_unit(user),
            year=year,
            title=str(LEARNING_TITLE % {"year": year}),
            score=best.best_score if best else None,
            hours=summary.counted,
            issued_on=timezone.localdate(now),
            valid_until=None,
        )
        certificate.full_clean()
        certificate.save()
        log(
            instance=certificate,
            action="certification.certificate.issue",
            user=None,
            data={"number": certificate.number, "year": year},
        )
    return certificate


def certificates_revoke_for_voided(*, sitting: Sitting) -> list[Certificate]:
    """A voided score takes its certificate with it: the certificate issued for the attempt
    is marked revoked (the public verification then says so), with an audit entry."""
    if not sitting.voided:
        return []
    revoked = []
    with transaction.atomic():
        for certificate in Certificate.objects.select_for_update().filter(
            attempt_id=sitting.attempt_id, status=CertificateStatus.VALID
        ):
            certificate.status = CertificateStatus.REVOKED
            certificate.status_reason = str(REASON_VOIDED)
            certificate.status_changed_at = timezone.now()
            certificate.save(update_fields=["status", "status_reason", "status_changed_at"])
            log(
                instance=certificate,
                action="certification.certificate.revoke",
                user=None,
                data={
                    "number": certificate.number,
                    "attempt_id": sitting.attempt_id,
                    "why": "voided",
                },
            )
            revoked.append(certificate)
    return revoked


def certificate_withdraw(
    *,
    certificate_id: int,
    reason: str,
    public_reason: str,
    actor: User | None = None,
    now: datetime.datetime | None = None,
) -> Certificate:
    """The result a certificate attests no longer stands (a regrade): valid -> withdrawn. The
    public verification then says "withdrawn" with ``public_reason``; audited with ``reason``."""
    now = now or timezone.now()
    with transaction.atomic():
        certificate = Certificate.objects.select_for_update().get(pk=certificate_id)
        if certificate.status != CertificateStatus.VALID:
            raise CertificationError(ERR_NOT_VALID)
        certificate.status = CertificateStatus.WITHDRAWN
        certificate.status_reason = public_reason
        certificate.status_changed_at = now
        certificate.full_clean()
        certificate.save(update_fields=["status", "status_reason", "status_changed_at"])
        log(
            instance=certificate,
            action="certification.certificate.withdraw",
            user=actor,
            data={
                "number": certificate.number,
                "attempt_id": certificate.attempt_id,
                "before": CertificateStatus.VALID,
                "after": CertificateStatus.WITHDRAWN,
                "reason": reason,
            },
        )
    return certificate


def certificate_reinstate(
    *,
    certificate_id: int,
    reason: str,
    score=None,
    actor: User | None = None,
    now: datetime.datetime | None = None,
) -> Certificate:
    """A withdrawn certificate whose result stands again (a later regrade): withdrawn -> valid,
    with the score as it now is (when given); audited."""
    now = now or timezone.now()
    with transaction.atomic():
        certificate = Certificate.objects.select_for_update().get(pk=certificate_id)
        if certificate.status != CertificateStatus.WITHDRAWN:
            raise CertificationError(ERR_NOT_WITHDRAWN)
        before_score = certificate.score
        certificate.status = CertificateStatus.VALID
        certificate.status_reason = ""
        certificate.status_changed_at = now
        if score is not None:
            certificate.score = score
        certificate.full_clean()
        certificate.save(update_fields=["status", "status_reason", "status_changed_at", "score"])
        log(
            instance=certificate,
            action="certification.certificate.reinstate",
            user=actor,
            data={
                "number": certificate.number,
                "before": CertificateStatus.WITHDRAWN,
                "after": CertificateStatus.VALID,
                "score": [_text(before_score), _text(certificate.score)],
                "reason": reason,
            },
        )
    return certificate


def certificate_rescore(
    *, certificate_id: int, score, reason: str, actor: User | None = None
) -> Certificate:
    """The score printed on a valid certificate, corrected after a regrade; audited."""
    with transaction.atomic():
        certificate = Certificate.objects.select_for_update().get(pk=certificate_id)
        before = certificate.score
        if before == score:
            return certificate
        certificate.score = score
        certificate.full_clean()
        certificate.save(update_fields=["score"])
        log(
            instance=certificate,
            action="certification.certificate.rescore",
            user=actor,
            data={
                "number": certificate.number,
                "score": [_text(before), _text(score)],
                "reason": reason,
            },
        )
    return certificate


def _text(value) -> str | None:
    return None if value is None else str(value)


def certificates_on_attempt_graded(*, sitting: Sitting) -> None:
    """What a graded (or voided) attempt means for certificates (called by the receiver)."""
    certificates_revoke_for_voided(sitting=sitting)
    kind = sitting.session_kind
    if kind == ExamKind.PRE_APPOINTMENT:
        if sitting.passed:
            pre_appointment_certificate_issue(sitting=sitting)
        elif sitting.blocking:
            # The exam engine has recorded the block on the attempt; keep it in the person's
            # record as well, where the appointment check and HR read it.
            log(
                instance=User.objects.get(pk=sitting.user_id),
                action="certification.appointment.blocked",
                user=None,
                data={"attempt_id": sitting.attempt_id, "session": sitting.session_title},
            )
    elif (
        kind == ExamKind.ANNUAL_LAW
        and sitting.passed
        and not sitting.voided
        and sitting.finished_at
    ):
        year = timezone.localdate(sitting.finished_at).year
        user = User.objects.get(pk=sitting.user_id)
        if not learning_certificate_refusals(user=user, year=year):
            learning_certificate_issue(user=user, year=year)
