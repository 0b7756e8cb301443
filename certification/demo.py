"""Demo credentials and certificates. Idempotent; loaded after the exam and learning demos.

The demo officers' credentials predate the platform (the demo has no qualification exam
from years ago), so they are entered as issued on their historical dates through the same
transition machinery (event + audit entry); everything after issue goes through the
services: annual reviews of past years suspend and revoke, an officer revokes by hand.
QR codes use WAGTAILADMIN_BASE_URL, the local site in development.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from cms.people.models import OrgUnit, User
from exams import api as exams_api
from exams.data import ExamKind

from .exceptions import CertificationError
from .models import (
    AppraisalRecord,
    Certificate,
    Credential,
    CredentialEvent,
    CredentialStatus,
    EnforcementDomain,
)
from .services import (
    annual_review_run,
    credential_number_next,
    learning_certificate_issue,
    learning_certificate_refusals,
    pre_appointment_certificate_issue,
)
from .services.credentials import _apply, add_years, validity_end

DEMO_COUNTS = [
    ("执法证", lambda: Credential.objects.count()),
    ("执法证：暂扣", lambda: Credential.objects.filter(status=CredentialStatus.SUSPENDED).count()),
    ("执法证：吊销", lambda: Credential.objects.filter(status=CredentialStatus.REVOKED).count()),
    ("证书", lambda: Certificate.objects.count()),
    ("年度学法考核记录", lambda: AppraisalRecord.objects.count()),
]

# employee number, domain, issuing unit code, days ago issued (None: years ago, see below)
CREDENTIALS = [
    ("E1003", EnforcementDomain.COMPREHENSIVE, "330106", 400),
    ("E1004", EnforcementDomain.COMPREHENSIVE, "330106", 700),  # suspended: failed last year
    ("E1005", EnforcementDomain.COMPREHENSIVE, "330106", "expiring"),
    ("E2002", EnforcementDomain.MARKET, "330102", 500),
    ("E2003", EnforcementDomain.MARKET, "330102", 1100),  # revoked: failed two years
    ("E3002", EnforcementDomain.COMPREHENSIVE, "330108", 300),
    ("E3003", EnforcementDomain.COMPREHENSIVE, "330108", "expiring"),
    ("E4001", EnforcementDomain.MARKET, "330100", 600),
]


def _issued_on(spec, today: datetime.date) -> datetime.date:
    if spec == "expiring":  # validity ends in about 40 days: on the renewal list
        years = settings.CREDENTIAL_VALIDITY_YEARS
        return add_years(today, -years) + datetime.timedelta(days=41)
    return today - datetime.timedelta(days=spec)


def _historical_issue(holder: User, domain: str, authority: OrgUnit, issued_on: datetime.date):
    moment = timezone.make_aware(datetime.datetime.combine(issued_on, datetime.time(9, 30)))
    with transaction.atomic():
        credential = Credential.objects.create(
            number=credential_number_next(authority=authority, year=issued_on.year),
            holder=holder,
            authority=authority,
            domain=domain,
            area=authority.name,
            issued_on=issued_on,
            valid_until=validity_end(issued_on, settings.CREDENTIAL_VALIDITY_YEARS),
            status=CredentialStatus.PENDING,
        )
        return _apply(
            credential_id=credential.pk,
            action=CredentialEvent.Action.ISSUE,
            actor=None,
            reason="执法资格考试合格，核发行政执法证（历史数据导入）",
            now=moment,
        )


def _demo_pre_appointment_pass() -> None:
    """郑凯 (E4004), a cadre up for appointment, passes this year's pre-appointment exam, so
    that the demo has a pre-appointment certificate (the exam demo's sitter failed)."""
    cadre = User.objects.filter(employee_number="E4004").first()
    if cadre is not None:
        exams_api.demo_sit(user_id=cadre.pk, kind=ExamKind.PRE_APPOINTMENT, skill=0.93)


def demo_load(*, stdout) -> None:
    today = timezone.localdate()
    people = {
        u.employee_number: u
        for u in User.objects.filter(employee_number__in=[c[0] for c in CREDENTIALS])
    }
    units = {u.code: u for u in OrgUnit.objects.filter(code__in={c[2] for c in CREDENTIALS})}
    created = 0
    for number, domain, unit_code, spec in CREDENTIALS:
        holder = people.get(number)
        if holder is None or Credential.objects.filter(holder=holder, domain=domain).exists():
            continue
        _historical_issue(holder, domain, units[unit_code], _issued_on(spec, today))
        created += 1
    if created:
        # Past annual reviews: E1004 failed last year (suspended); E2003 failed the two years
        # before (suspended, then revoked). Nobody in the demo sat rotation exams back then,
        # so only the chosen officers are reviewed.
        year = today.year
        legal = User.objects.filter(employee_number="legal01").first()
        annual_review_run(
            year=year - 2, actor=legal, people=User.objects.filter(employee_number="E2003")
        )
        annual_review_run(
            year=year - 1,
            actor=legal,
            people=User.objects.filter(employee_number__in=["E1004", "E2003"]),
        )
    stdout.write(f"执法证：新建 {created} 本\n")
    _demo_pre_appointment_pass()
    issued = 0
    for sitting in exams_api.sittings(user_ids=None, kinds=[ExamKind.PRE_APPOINTMENT], passed=True):
        if not Certificate.objects.filter(attempt_id=sitting.attempt_id).exists():
            pre_appointment_certificate_issue(sitting=sitting)
            issued += 1
    year = today.year
    since = timezone.make_aware(datetime.datetime(year, 1, 1))
    passers = exams_api.people_who_passed(user_ids=None, kinds=[ExamKind.ANNUAL_LAW], since=since)
    for user in User.objects.filter(pk__in=passers).order_by("pk"):
        if learning_certificate_refusals(user=user, year=year):
            continue
        try:
            learning_certificate_issue(user=user, year=year)
        except CertificationError:
            continue
    stdout.write(f"证书：任前考试合格证书新建 {issued} 份；共 {Certificate.objects.count()} 份\n")
    # The demo HR users' appraisal pages start populated: this year's and last year's records
    # of everybody (the HR dashboard itself reads the live figures).
    from .services.appraisal import appraisal_compute

    people = User.objects.filter(is_active=True, org_unit__isnull=False)
    for y in (year - 1, year):
        counts = appraisal_compute(year=y, people=people)
        stdout.write(f"年度学法考核 {y}：新建 {counts['created']}，更新 {counts['updated']}\n")
