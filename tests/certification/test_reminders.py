"""The certification app's reminders: a credential suspended; one expiring within 60 days."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core import mail
from django.utils import timezone, translation

from certification.models import Credential
from certification.reminders import (
    credential_expiring_key,
    credential_expiring_notices,
    credential_suspended_notices,
)
from certification.services import credential_restore, credential_suspend
from cms.people.models import Notification
from cms.people.notifications import notify, reminders_run

pytestmark = pytest.mark.django_db

REASON = "2026年度年审未通过：未参加轮训考试"


def test_a_suspension_is_reminded_of_once_and_a_later_one_again(credential, legal):
    assert credential_suspended_notices(now=timezone.now()) == []  # active, far from expiry
    credential_suspend(credential=credential, actor=legal, reason=REASON)
    (first,) = credential_suspended_notices(now=timezone.now())
    assert first.recipient_id == credential.holder_id
    assert first.params == {"number": credential.number, "reason": REASON}
    assert first.url == "/certificates/"
    assert notify([first]) == 1
    assert notify(credential_suspended_notices(now=timezone.now())) == 0
    credential_restore(credential=credential, actor=legal, reason="补考合格")
    assert credential_suspended_notices(now=timezone.now()) == []
    credential_suspend(credential=credential, actor=legal, reason="再次暂扣")
    (second,) = credential_suspended_notices(now=timezone.now())
    assert second.event_key != first.event_key
    assert notify([second]) == 1


def test_a_credential_expiring_within_the_window_is_reminded_of(credential, settings):
    today = timezone.localdate()
    assert credential_expiring_notices(now=timezone.now()) == []  # valid for 5 years
    Credential.objects.filter(pk=credential.pk).update(
        valid_until=today + datetime.timedelta(days=settings.CREDENTIAL_RENEWAL_WINDOW_DAYS + 1)
    )
    assert credential_expiring_notices(now=timezone.now()) == []
    end = today + datetime.timedelta(days=settings.CREDENTIAL_RENEWAL_WINDOW_DAYS)
    Credential.objects.filter(pk=credential.pk).update(valid_until=end)
    (notice,) = credential_expiring_notices(now=timezone.now())
    assert notice.event_key == credential_expiring_key(credential.pk, end)
    assert notice.params == {"number": credential.number, "valid_until": end.isoformat()}


def test_the_daily_run_mails_the_holder_once_in_their_language(credential, legal, settings):
    settings.REMINDER_HOURS_WEEKS_LEFT = 0  # only the credential's reminders, whatever the date
    holder = credential.holder
    holder.language = "en"
    holder.save()
    credential_suspend(credential=credential, actor=legal, reason=REASON)
    end = timezone.localdate() + datetime.timedelta(days=30)
    Credential.objects.filter(pk=credential.pk).update(valid_until=end)
    mail.outbox.clear()
    with time_machine.travel(timezone.now(), tick=False):
        reminders_run()
        reminders_run()
    kinds = set(Notification.objects.filter(recipient=holder).values_list("kind", flat=True))
    assert kinds == {"credential_suspended", "credential_expiring"}
    assert [m.to for m in mail.outbox] == [[holder.email]]  # one e-mail with both
    expiring = Notification.objects.get(recipient=holder, kind="credential_expiring")
    assert credential.number in expiring.body
    with translation.override("en"):
        assert end.strftime("%Y") in expiring.body
        assert f"{end:%b}" in expiring.body or end.strftime("%B") in expiring.body


def test_queries_are_fixed(credential, legal, django_assert_max_num_queries):
    credential_suspend(credential=credential, actor=legal, reason=REASON)
    with django_assert_max_num_queries(1):
        assert len(credential_suspended_notices(now=timezone.now())) == 1
    with django_assert_max_num_queries(1):
        credential_expiring_notices(now=timezone.now())
