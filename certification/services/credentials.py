"""The enforcement credential's transitions: one service each, as Wagtail's WorkflowState does.

Every transition locks the credential row (``select_for_update``), checks the current status
against ``TRANSITIONS``, raises ``InvalidTransition`` otherwise (changing nothing), writes a
``CredentialEvent`` and an audit-log entry, all inside ``transaction.atomic``.

``actor`` is the legal affairs officer acting, who must hold that role over the holder's unit;
``actor=None`` means the system itself (the annual review, a make-up exam, the expiry sweep),
which only code paths without a request use.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.log_actions import log

from cms.people.models import OrgUnit, Role, User
from cms.people.selectors import units_visible_to, user_can_see_person
from exams import api as exams_api
from exams.data import ExamKind

from ..exceptions import CertificationError, InvalidTransition, IssueRefused, OutOfScope
from ..models import (
    HELD_STATUSES,
    Credential,
    CredentialEvent,
    CredentialStatus,
    EnforcementDomain,
    NumberSequence,
)

Action = CredentialEvent.Action
S = CredentialStatus

# action -> (statuses it may start from, status it leads to)
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    Action.ISSUE: (frozenset({S.PENDING}), S.ACTIVE),
    Action.SUSPEND: (frozenset({S.ACTIVE}), S.SUSPENDED),
    Action.RESTORE: (frozenset({S.SUSPENDED}), S.ACTIVE),
    Action.REVOKE: (frozenset({S.ACTIVE, S.SUSPENDED}), S.REVOKED),
    Action.CANCEL: (frozenset({S.PENDING, S.ACTIVE, S.SUSPENDED, S.EXPIRED}), S.CANCELLED),
    Action.RENEW: (frozenset({S.ACTIVE, S.EXPIRED}), S.ACTIVE),
    Action.EXPIRE: (frozenset({S.ACTIVE, S.SUSPENDED}), S.EXPIRED),
}

ERR_INVALID_TRANSITION = _("执法证当前状态为“%(status)s”，不能%(action)s。")
ERR_REASON_REQUIRED = _("请填写理由。")
ERR_OUT_OF_SCOPE = _("该人员不在您作为法制审核员的管辖范围内。")
ERR_AUTHORITY_OUT_OF_SCOPE = _("发证机关不在您的管辖范围内。")
ERR_NOT_OFFICER = _("该人员未被标记为行政执法人员。")
ERR_INACTIVE = _("该人员已不在职。")
ERR_NO_QUALIFICATION = _("该人员近12个月内没有通过执法资格考试。")
ERR_ALREADY_HELD = _("该人员已持有“%(domain)s”类别的执法证（%(number)s）。")
ERR_NOT_DUE = _("执法证有效期至 %(date)s，尚未到期。")
ERR_HELD_ON_RENEW = _("该人员已持有同一类别的其他执法证，不能对此证换证。")
ERR_NOT_OFFICER_ON_RENEW = _("该人员已不是在职的行政执法人员，不能换证。")

MSG_EXPIRED_REASON = _("有效期届满")


# --- small helpers --------------------------------------------------------------------------


def today() -> datetime.date:
    return timezone.localdate()


def add_years(day: datetime.date, years: int) -> datetime.date:
    """The same calendar day ``years`` later (28 Feb for 29 Feb)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def validity_end(issued_on: datetime.date, years: int) -> datetime.date:
    """Valid through the day before the anniversary: issued 2026-06-15, valid until 2031-06-14."""
    return add_years(issued_on, years) - datetime.timedelta(days=1)


def unit_area_code(unit: OrgUnit) -> str:
    """The unit's 6-digit area code, inherited from the nearest ancestor that has one."""
    if unit.area_code:
        return unit.area_code
    for ancestor in reversed(list(unit.get_ancestors())):
        if ancestor.area_code:
            return ancestor.area_code
    return "000000"


def next_in_sequence(key: str) -> int:
    """The next number for ``key``, under a row lock (call inside a transaction)."""
    NumberSequence.objects.get_or_create(key=key)
    sequence = NumberSequence.objects.select_for_update().get(key=key)
    sequence.last += 1
    sequence.save(update_fields=["last"])
    return sequence.last


def credential_number_next(*, authority: OrgUnit, year: int) -> str:
    """The next number after ``CREDENTIAL_NUMBER_PATTERN``: area code + year + 5-digit sequence
    by default. The sequence runs per area code and year."""
    area_code = unit_area_code(authority)
    seq = next_in_sequence(f"credential:{area_code}:{year}")
    return settings.CREDENTIAL_NUMBER_PATTERN.format(area_code=area_code, year=year, seq=seq)


def require_scope(actor: User | None, holder: User) -> None:
    """Legal affairs officers act only on people within their org scope; None is the system."""
    if actor is None:
        return
    if not user_can_see_person(actor, holder, role=Role.LEGAL_AFFAIRS):
        raise OutOfScope(ERR_OUT_OF_SCOPE)


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise CertificationError(ERR_REASON_REQUIRED)
    return reason


def _apply(
    *,
    credential_id: int,
    action: str,
    actor: User | None,
    reason: str,
    legal_basis: str = "",
    now: datetime.datetime | None = None,
    change: Callable[[Credential], dict] | None = None,
    data: dict | None = None,
) -> Credential:
    """Lock, check the table, change, record. ``change`` may alter other fields and returns
    their {field: [before, after]}; it may raise to refuse (nothing is written then)."""
    now = now or timezone.now()
    reason = _require_reason(reason)
    with transaction.atomic():
        credential = (
            Credential.objects.select_for_update().select_related("holder").get(pk=credential_id)
        )
        require_scope(actor, credential.holder)
        allowed, target = TRANSITIONS[action]
        if credential.status not in allowed:
            raise InvalidTransition(
                ERR_INVALID_TRANSITION
                % {"status": credential.get_status_display(), "action": Action(action).label}
            )
        before = credential.status
        changes = change(credential) if change else {}
        credential.status = target
        credential.status_changed_at = now
        credential.full_clean()
        credential.save()
        event_data = {"changes": changes, **(data or {})}
        CredentialEvent.objects.create(
            credential=credential,
            action=action,
            from_status=before,
            to_status=target,
            actor=actor,
            reason=reason,
            legal_basis=(legal_basis or "").strip(),
            at=now,
            data=event_data,
        )
        log(
            instance=credential,
            action=f"certification.credential.{action}",
            user=actor,
            data={
                "before": before,
                "after": target,
                "reason": reason,
                "legal_basis": legal_basis,
                **event_data,
            },
        )
    return credential


# --- issue -----------------------------------------------------------------------------------


def credential_issue_refusals(*, holder: User, domain: str, now=None) -> list[str]:
    """Every reason why ``holder`` may not be issued a credential of ``domain`` now."""
    now = now or timezone.now()
    reasons = []
    if not holder.is_active:
        reasons.append(str(ERR_INACTIVE))
    if not holder.is_enforcement_officer:
        reasons.append(str(ERR_NOT_OFFICER))
    since = now - datetime.timedelta(days=365)
    if not exams_api.people_who_passed(
        user_ids=[holder.pk], kinds=[ExamKind.QUALIFICATION], since=since
    ):
        reasons.append(str(ERR_NO_QUALIFICATION))
    held = Credential.objects.filter(holder=holder, domain=domain, status__in=HELD_STATUSES)
    existing = held.first()
    if existing is not None:
        reasons.append(
            str(
                ERR_ALREADY_HELD
                % {"domain": EnforcementDomain(domain).label, "number": existing.number}
            )
        )
    return reasons


def credential_issue(
    *,
    holder: User,
    authority: OrgUnit,
    domain: str,
    actor: User | None,
    area: str = "",
    reason: str = "",
    legal_basis: str = "",
    now: datetime.datetime | None = None,
) -> Credential:
    """Issue a credential: pending -> active, numbered, valid CREDENTIAL_VALIDITY_YEARS.

    Requires a passed qualification exam in the last 12 months, the enforcement-officer flag
    and no credential of the same domain still held. The partial unique constraint backs the
    last rule against two officers issuing at the same moment.
    """
    now = now or timezone.now()
    require_scope(actor, holder)
    if (
        actor is not None
        and not units_visible_to(actor, role=Role.LEGAL_AFFAIRS).filter(pk=authority.pk).exists()
    ):
        raise OutOfScope(ERR_AUTHORITY_OUT_OF_SCOPE)
    with transaction.atomic():
        # Lock the holder so that two issues for the same person run one after the other.
        holder = User.objects.select_for_update().get(pk=holder.pk)
        refusals = credential_issue_refusals(holder=holder, domain=domain, now=now)
        if refusals:
            raise IssueRefused(refusals[0], refusals)
        issued_on = timezone.localdate(now)
        credential = Credential(
            number=credential_number_next(authority=authority, year=issued_on.year),
            holder=holder,
            authority=authority,
            domain=domain,
            area=area or authority.name,
            issued_on=issued_on,
            valid_until=validity_end(issued_on, settings.CREDENTIAL_VALIDITY_YEARS),
            status=S.PENDING,
        )
        credential.full_clean()
        credential.save()
        return _apply(
            credential_id=credential.pk,
            action=Action.ISSUE,
            actor=actor,
            reason=reason or str(_("考试合格，核发行政执法证")),
            legal_basis=legal_basis,
            now=now,
            data={"number": credential.number, "valid_until": credential.valid_until.isoformat()},
        )


# --- the other transitions -------------------------------------------------------------------


def credential_suspend(
    *,
    credential: Credential,
    actor: User | None,
    reason: str,
    legal_basis: str = "",
    now: datetime.datetime | None = None,
    review_id: int | None = None,
) -> Credential:
    """暂扣: active -> suspended. ``review_id`` marks a suspension by the annual review, the
    only kind a make-up exam lifts automatically."""
    return _apply(
        credential_id=credential.pk,
        action=Action.SUSPEND,
        actor=actor,
        reason=reason,
        legal_basis=legal_basis,
        now=now,
        data={"review_id": review_id} if review_id else None,
    )


def credential_restore(
    *,
    credential: Credential,
    actor: User | None,
    reason: str,
    legal_basis: str = "",
    now: datetime.datetime | None = None,
    data: dict | None = None,
) -> Credential:
    """恢复: suspended -> active."""
    return _apply(
        credential_id=credential.pk,
        action=Action.RESTORE,
        actor=actor,
        reason=reason,
        legal_basis=legal_basis,
        now=now,
        data=data,
    )


def credential_revoke(
    *,
    credential: Credential,
    actor: User | None,
    reason: str,
    legal_basis: str = "",
    now: datetime.datetime | None = None,
    review_id: int | None = None,
) -> Credential:
    """吊销: active or suspended -> revoked (final)."""
    return _apply(
        credential_id=credential.pk,
        action=Action.REVOKE,
        actor=actor,
        reason=reason,
        legal_basis=legal_basis,
        now=now,
        data={"review_id": review_id} if review_id else None,
    )


def credential_cancel(
    *,
    credential: Credential,
    actor: User | None,
    reason: str,
    legal_basis: str = "",
    now: datetime.datetime | None = None,
) -> Credential:
    """注销 (transfer, retirement …): any state but revoked/cancelled -> cancelled (final)."""
    return _apply(
        credential_id=credential.pk,
        action=Action.CANCEL,
        actor=actor,
        reason=reason,
        legal_basis=legal_basis,
        now=now,
    )


def credential_renew(
    *,
    credential: Credential,
    actor: User | None,
    reason: str,
    legal_basis: str = "",
    now: datetime.datetime | None = None,
) -> Credential:
    """换证: active or expired -> active with a new validity period.

    Before expiry the new period follows on from the old one; after it, it starts today.
    The holder must still be an active enforcement officer with no other credential of the
    domain.
    """
    now = now or timezone.now()
    years = settings.CREDENTIAL_VALIDITY_YEARS

    def change(c: Credential) -> dict:
        holder = c.holder
        if not (holder.is_active and holder.is_enforcement_officer):
            raise IssueRefused(ERR_NOT_OFFICER_ON_RENEW)
        others = Credential.objects.filter(
            holder=holder, domain=c.domain, status__in=HELD_STATUSES
        ).exclude(pk=c.pk)
        if others.exists():
            raise IssueRefused(ERR_HELD_ON_RENEW)
        day = timezone.localdate(now)
        start = c.valid_until + datetime.timedelta(days=1) if c.valid_until >= day else day
        before = c.valid_until
        c.valid_until = validity_end(start, years)
        return {"valid_until": [before.isoformat(), c.valid_until.isoformat()]}

    return _apply(
        credential_id=credential.pk,
        action=Action.RENEW,
        actor=actor,
        reason=reason,
        legal_basis=legal_basis,
        now=now,
        change=change,
    )


def credential_expire(
    *,
    credential: Credential,
    actor: User | None = None,
    reason: str = "",
    legal_basis: str = "",
    now: datetime.datetime | None = None,
) -> Credential:
    """到期失效: active or suspended -> expired, only once the validity has run out."""
    now = now or timezone.now()

    def change(c: Credential) -> dict:
        if c.valid_until >= timezone.localdate(now):
            raise CertificationError(ERR_NOT_DUE % {"date": c.valid_until.isoformat()})
        return {}

    return _apply(
        credential_id=credential.pk,
        action=Action.EXPIRE,
        actor=actor,
        reason=reason or str(MSG_EXPIRED_REASON),
        legal_basis=legal_basis,
        now=now,
        change=change,
    )


def credentials_expire_due(*, now: datetime.datetime | None = None) -> int:
    """Expire every active or suspended credential whose validity has ended; returns how many."""
    now = now or timezone.now()
    due = Credential.objects.filter(
        status__in=[S.ACTIVE, S.SUSPENDED], valid_until__lt=timezone.localdate(now)
    ).values_list("pk", flat=True)
    count = 0
    for pk in list(due):
        try:
            credential_expire(credential=Credential(pk=pk), now=now)
        except InvalidTransition:
            continue  # changed meanwhile
        count += 1
    return count


TRANSITION_SERVICES: dict[str, Callable[..., Credential]] = {
    Action.SUSPEND: credential_suspend,
    Action.RESTORE: credential_restore,
    Action.REVOKE: credential_revoke,
    Action.CANCEL: credential_cancel,
    Action.RENEW: credential_renew,
    Action.EXPIRE: credential_expire,
}


def allowed_actions(credential: Credential) -> list[str]:
    """The manual transitions the table allows from the credential's current status."""
    return [
        action
        for action in TRANSITION_SERVICES
        if credential.status in TRANSITIONS[action][0]
        and (action != Action.EXPIRE or credential.valid_until < today())
    ]
