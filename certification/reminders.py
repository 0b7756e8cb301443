"""The certification app's reminders (cms.people.notifications), registered in
``CertificationConfig.ready``: a credential suspended (暂扣), and a credential whose validity
ends within the renewal window (CREDENTIAL_RENEWAL_WINDOW_DAYS).

Event keys are built by the functions below, so that a notification sent at the moment of a
transition (by the service that makes it) and the daily run name the same event and the
holder hears of it once.
"""

from __future__ import annotations

import datetime

from django.db.models import OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cms.people.notifications import Notice, register_kind, register_producer

from .models import Credential, CredentialEvent, CredentialStatus
from .services import renewal_due

CREDENTIAL_SUSPENDED = "credential_suspended"
CREDENTIAL_EXPIRING = "credential_expiring"


def credential_suspended_key(credential_id: int, event_id: int) -> str:
    """One suspension (its ``CredentialEvent``): a later suspension is a new event."""
    return f"{CREDENTIAL_SUSPENDED}:{credential_id}:{event_id}"


def credential_expiring_key(credential_id: int, valid_until: datetime.date) -> str:
    """One validity end: a renewed credential's new end is a new event."""
    return f"{CREDENTIAL_EXPIRING}:{credential_id}:{valid_until.isoformat()}"


def register() -> None:
    register_kind(
        CREDENTIAL_SUSPENDED,
        title=_("您的行政执法证已被暂扣"),
        body=_("行政执法证 %(number)s 已被暂扣，暂扣期间不得从事行政执法工作。理由：%(reason)s"),
    )
    register_kind(
        CREDENTIAL_EXPIRING,
        title=_("您的行政执法证即将到期"),
        body=_("行政执法证 %(number)s 的有效期至 %(valid_until)s，请及时申请换证。"),
        dates=("valid_until",),
    )
    register_producer(CREDENTIAL_SUSPENDED, credential_suspended_notices)
    register_producer(CREDENTIAL_EXPIRING, credential_expiring_notices)


def credential_suspended_notices(*, now: datetime.datetime) -> list[Notice]:
    """Every suspended credential's holder, for its latest suspension. One query."""
    latest = CredentialEvent.objects.filter(
        credential=OuterRef("pk"), action=CredentialEvent.Action.SUSPEND
    ).order_by("-at", "-pk")
    rows = (
        Credential.objects.filter(status=CredentialStatus.SUSPENDED, holder__is_active=True)
        .annotate(
            event_id=Subquery(latest.values("pk")[:1]),
            reason=Subquery(latest.values("reason")[:1]),
        )
        .values_list("pk", "holder_id", "number", "event_id", "reason")
        .order_by("pk")
    )
    url = reverse("certification:mine")
    return [
        Notice(
            holder_id,
            CREDENTIAL_SUSPENDED,
            credential_suspended_key(pk, event_id or 0),
            {"number": number, "reason": reason or ""},
            url,
        )
        for pk, holder_id, number, event_id, reason in rows
    ]


def credential_expiring_notices(*, now: datetime.datetime) -> list[Notice]:
    """Holders of active or suspended credentials ending within the renewal window. One query."""
    rows = (
        renewal_due(on=timezone.localdate(now))
        .filter(holder__is_active=True)
        .values_list("pk", "holder_id", "number", "valid_until")
    )
    url = reverse("certification:mine")
    return [
        Notice(
            holder_id,
            CREDENTIAL_EXPIRING,
            credential_expiring_key(pk, valid_until),
            {"number": number, "valid_until": valid_until.isoformat()},
            url,
        )
        for pk, holder_id, number, valid_until in rows
    ]
