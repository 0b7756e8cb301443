"""Credential issue and transitions: the table, atomicity, audit, scope."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.utils import timezone
from wagtail.models import ModelLogEntry

from certification import services
from certification.exceptions import CertificationError, InvalidTransition, IssueRefused, OutOfScope
from certification.models import (
    Credential,
    CredentialEvent,
    CredentialStatus,
    EnforcementDomain,
)
from certification.services.credentials import ERR_NO_QUALIFICATION, ERR_NOT_OFFICER, TRANSITIONS
from cms.people.models import Role
from cms.people.services import role_assign
from exams.models import ExamKind
from tests.factories import UserFactory

from .conftest import sat

pytestmark = pytest.mark.django_db

S = CredentialStatus
A = CredentialEvent.Action


def test_issue_numbers_with_area_code_year_and_sequence_and_records_history(
    credential, officer, legal
):
    year = timezone.localdate().year
    assert credential.number == f"330106{year}00001"
    assert credential.status == S.ACTIVE
    assert credential.valid_until == credential.issued_on.replace(
        year=credential.issued_on.year + 5
    ) - datetime.timedelta(days=1)
    event = credential.events.get()
    assert (event.action, event.from_status, event.to_status) == (A.ISSUE, S.PENDING, S.ACTIVE)
    assert event.actor == legal
    assert event.legal_basis == "《行政执法证件管理办法》第八条"
    log = ModelLogEntry.objects.get(action="certification.credential.issue")
    assert log.user_id == legal.pk and log.data["after"] == S.ACTIVE


def test_department_without_area_code_inherits_its_districts(officer, legal, xihu_dept):
    credential = services.credential_issue(
        holder=officer, authority=xihu_dept, domain=EnforcementDomain.MARKET, actor=legal
    )
    assert credential.number.startswith("330106")
    second = UserFactory(org_unit=xihu_dept, is_enforcement_officer=True)
    sat(second, ExamKind.QUALIFICATION, passed=True, when=timezone.now())
    other = services.credential_issue(
        holder=second, authority=xihu_dept, domain=EnforcementDomain.MARKET, actor=legal
    )
    assert int(other.number[-5:]) == int(credential.number[-5:]) + 1


def test_issue_refused_without_recent_qualification_or_officer_flag(xihu_dept, legal):
    person = UserFactory(org_unit=xihu_dept, is_enforcement_officer=False)
    sat(
        person,
        ExamKind.QUALIFICATION,
        passed=True,
        when=timezone.now() - datetime.timedelta(days=400),
    )
    with pytest.raises(IssueRefused) as caught:
        services.credential_issue(
            holder=person, authority=xihu_dept, domain=EnforcementDomain.MARKET, actor=legal
        )
    assert str(ERR_NOT_OFFICER) in caught.value.reasons
    assert str(ERR_NO_QUALIFICATION) in caught.value.reasons
    assert not Credential.objects.exists()


def test_issue_refused_while_a_credential_of_the_domain_is_held(credential, officer, legal):
    with pytest.raises(IssueRefused) as caught:
        services.credential_issue(
            holder=officer,
            authority=credential.authority,
            domain=credential.domain,
            actor=legal,
        )
    assert credential.number in caught.value.reasons[0]
    assert Credential.objects.count() == 1


def test_only_legal_affairs_officers_within_scope_may_act(credential, tree):
    other_district = tree.districts[1]
    outsider = UserFactory(org_unit=other_district)
    role_assign(user=outsider, role=Role.LEGAL_AFFAIRS, scope=other_district)
    hr = UserFactory(org_unit=tree.city)
    role_assign(user=hr, role=Role.HR, scope=tree.city)
    for actor in (outsider, hr):
        with pytest.raises(OutOfScope):
            services.credential_suspend(credential=credential, actor=actor, reason="违法执法")
    credential.refresh_from_db()
    assert credential.status == S.ACTIVE
    assert credential.events.count() == 1


def _force(credential: Credential, status: str) -> Credential:
    Credential.objects.filter(pk=credential.pk).update(status=status)
    credential.refresh_from_db()
    return credential


ILLEGAL = [
    (action, status)
    for action, (allowed, _target) in TRANSITIONS.items()
    if action != A.ISSUE
    for status in S.values
    if status not in allowed
]


@pytest.mark.parametrize(("action", "status"), ILLEGAL)
def test_every_illegal_transition_raises_and_changes_nothing(credential, legal, action, status):
    credential = _force(credential, status)
    before = (credential.status, credential.valid_until, credential.status_changed_at)
    events = CredentialEvent.objects.count()
    logs = ModelLogEntry.objects.count()
    service = services.TRANSITION_SERVICES[action]
    with pytest.raises(InvalidTransition):
        service(credential=credential, actor=legal, reason="测试", legal_basis="测试依据")
    credential.refresh_from_db()
    assert (credential.status, credential.valid_until, credential.status_changed_at) == before
    assert CredentialEvent.objects.count() == events
    assert ModelLogEntry.objects.count() == logs


def test_issue_only_from_pending(credential):
    assert TRANSITIONS[A.ISSUE][0] == {S.PENDING}


def test_suspend_restore_revoke_with_history(credential, legal):
    services.credential_suspend(
        credential=credential, actor=legal, reason="涉嫌违法执法", legal_basis="第二十条"
    )
    services.credential_restore(credential=credential, actor=legal, reason="调查结束")
    services.credential_revoke(credential=credential, actor=legal, reason="严重违法")
    credential.refresh_from_db()
    assert credential.status == S.REVOKED
    steps = list(credential.events.values_list("action", "from_status", "to_status"))
    assert steps == [
        (A.ISSUE, S.PENDING, S.ACTIVE),
        (A.SUSPEND, S.ACTIVE, S.SUSPENDED),
        (A.RESTORE, S.SUSPENDED, S.ACTIVE),
        (A.REVOKE, S.ACTIVE, S.REVOKED),
    ]


def test_a_reason_is_required(credential, legal):
    with pytest.raises(CertificationError):
        services.credential_suspend(credential=credential, actor=legal, reason="  ")
    credential.refresh_from_db()
    assert credential.status == S.ACTIVE


def test_renew_extends_from_the_old_end_and_records_before_after(credential, legal):
    old_end = credential.valid_until
    services.credential_renew(credential=credential, actor=legal, reason="到期换证")
    credential.refresh_from_db()
    assert credential.valid_until == old_end.replace(year=old_end.year + 5)
    event = credential.events.latest("pk")
    assert event.data["changes"]["valid_until"] == [
        old_end.isoformat(),
        credential.valid_until.isoformat(),
    ]


def test_expire_only_once_the_validity_has_ended(credential, legal):
    with pytest.raises(CertificationError):
        services.credential_expire(credential=credential, actor=legal)
    later = timezone.now() + datetime.timedelta(days=5 * 366)
    with time_machine.travel(later, tick=False):
        assert services.credentials_expire_due() == 1
    credential.refresh_from_db()
    assert credential.status == S.EXPIRED
    assert credential.events.latest("pk").actor is None


def test_cancel_then_a_new_credential_may_be_issued(credential, officer, legal):
    services.credential_cancel(credential=credential, actor=legal, reason="调离执法岗位")
    again = services.credential_issue(
        holder=officer, authority=credential.authority, domain=credential.domain, actor=legal
    )
    assert again.number != credential.number and again.status == S.ACTIVE
