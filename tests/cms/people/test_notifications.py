"""Notifications (cms.people.notifications): created once per event, rendered in the reader's
language, e-mailed once unless the person turned e-mail off, listed on /me/notifications/."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.mail.backends.locmem import EmailBackend
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from cms.people import notifications as mechanism
from cms.people.models import Notification
from cms.people.notifications import (
    Notice,
    mark_all_read,
    mark_read,
    notifications_mail,
    notify,
    register_kind,
    register_producer,
    reminders_run,
)
from cms.people.selectors import unread_notification_count
from cms.people.views import MARKED_ALL_READ, PREFERENCES_SAVED
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime.datetime(2026, 12, 10, 9, 0, tzinfo=SHANGHAI)
TEST_KIND = "test_profile"
FAILING_ADDRESS = "broken@example.gov.cn"


@pytest.fixture(autouse=True)
def test_kind():
    """A kind whose strings are already in the catalogue (so English can be asserted now),
    with a date placeholder; the real producers are swapped for a test one."""
    register_kind(
        TEST_KIND,
        title=_("个人资料"),
        body=format_lazy("{} %(day)s", _("考试名称")),
        dates=("day",),
    )
    saved = dict(mechanism._PRODUCERS)
    mechanism._PRODUCERS.clear()
    yield saved
    mechanism._PRODUCERS.clear()
    mechanism._PRODUCERS.update(saved)
    mechanism._KINDS.pop(TEST_KIND, None)


def notice(user, key="event:1", **params) -> Notice:
    return Notice(user.pk, TEST_KIND, key, {"day": "2026-12-13", **params}, "/exams/")


class FlakyBackend(EmailBackend):
    """The locmem backend, except that mail to FAILING_ADDRESS is refused by the server."""

    def send_messages(self, messages):
        if any(FAILING_ADDRESS in m.to for m in messages):
            raise OSError("550 mailbox unavailable")
        return super().send_messages(messages)


# --- notify ---------------------------------------------------------------------------------


def test_notify_creates_each_event_once_per_person():
    ann, bob = UserFactory(), UserFactory()
    assert notify([notice(ann), notice(bob), notice(ann)], now=NOW) == 2
    assert notify([notice(ann), notice(bob), notice(ann, "event:2")], now=NOW) == 1
    assert Notification.objects.filter(recipient=ann).count() == 2
    assert Notification.objects.filter(recipient=bob).count() == 1


def test_notify_refuses_an_unregistered_kind():
    with pytest.raises(ValidationError) as refused:
        notify([Notice(UserFactory().pk, "no_such_kind", "x:1")])
    assert refused.value.messages == [str(mechanism.ERR_UNKNOWN_KIND)]
    assert not Notification.objects.exists()


def test_notify_reads_and_writes_in_two_queries_whatever_the_number(
    django_assert_max_num_queries,
):
    people = [UserFactory() for _ in range(30)]
    with django_assert_max_num_queries(2):
        assert notify([notice(p) for p in people], now=NOW) == 30


def test_the_text_is_rendered_in_the_readers_language_not_stored():
    user = UserFactory()
    notify([notice(user)], now=NOW)
    row = Notification.objects.get()
    assert row.title == "个人资料"
    assert row.body == "考试名称 2026年12月13日"
    with translation.override("en"):
        assert row.title == "Profile"
        assert row.body == "Exam name Dec. 13, 2026"


def test_a_notification_of_a_kind_no_longer_registered_still_shows():
    user = UserFactory()
    notify([notice(user)], now=NOW)
    mechanism._KINDS.pop(TEST_KIND)
    row = Notification.objects.get()
    assert row.title == "通知"
    assert row.body == ""


def test_mark_read_touches_only_the_readers_own_notification():
    ann, bob = UserFactory(), UserFactory()
    notify([notice(ann), notice(bob)], now=NOW)
    bobs = Notification.objects.get(recipient=bob)
    assert mark_read(user=ann, notification_id=bobs.pk) is False
    bobs.refresh_from_db()
    assert bobs.read_at is None
    assert mark_read(user=bob, notification_id=bobs.pk) is True
    assert unread_notification_count(bob) == 0
    assert unread_notification_count(ann) == 1
    assert mark_all_read(user=ann) == 1
    assert unread_notification_count(ann) == 0


# --- e-mail ---------------------------------------------------------------------------------


def test_mail_is_one_email_per_person_and_sent_once(settings):
    ann, bob = UserFactory(), UserFactory()
    notify([notice(ann), notice(ann, "event:2"), notice(bob)], now=NOW)
    result = notifications_mail(now=NOW)
    assert (result.sent, result.notifications, result.failed) == (2, 3, 0)
    by_address = {m.to[0]: m for m in mail.outbox}
    assert by_address[ann.email].subject == "[学法考法平台] 您有 2 条新提醒"
    assert by_address[bob.email].subject == "[学法考法平台] 个人资料"
    assert "考试名称 2026年12月13日" in by_address[bob.email].body
    base = settings.WAGTAILADMIN_BASE_URL
    assert f"{base}/exams/" in by_address[bob.email].body
    assert f"{base}/me/" in by_address[bob.email].body  # where to turn it off
    assert not Notification.objects.filter(emailed_at__isnull=True).exists()
    assert notifications_mail(now=NOW).sent == 0
    assert len(mail.outbox) == 2


def test_mail_is_in_the_recipients_language():
    english = UserFactory(language="en")
    notify([notice(english)], now=NOW)
    with translation.override("zh-hans"):  # whatever the language of the run
        notifications_mail(now=NOW)
    (message,) = mail.outbox
    assert message.subject == "[学法考法平台] Profile"
    assert "Exam name Dec. 13, 2026" in message.body


def test_no_email_when_turned_off_but_the_notification_stays_in_site():
    quiet = UserFactory(email_notifications=False)
    no_address = UserFactory(email="")
    notify([notice(quiet), notice(no_address)], now=NOW)
    assert notifications_mail(now=NOW).sent == 0
    assert mail.outbox == []
    assert unread_notification_count(quiet) == 1
    assert Notification.objects.filter(emailed_at__isnull=True).count() == 2


def test_turning_email_back_on_does_not_send_old_news(settings):
    person = UserFactory(email_notifications=False)
    notify([notice(person)], now=NOW)
    notifications_mail(now=NOW)
    person.email_notifications = True
    person.save()
    later = NOW + datetime.timedelta(days=settings.NOTIFICATION_EMAIL_WITHIN_DAYS, minutes=1)
    assert notifications_mail(now=later).sent == 0
    notify([notice(person, "event:new")], now=later)
    assert notifications_mail(now=later).notifications == 1
    assert mail.outbox[0].subject == "[学法考法平台] 个人资料"


def test_a_failing_email_does_not_lose_the_others(settings):
    settings.EMAIL_BACKEND = "tests.cms.people.test_notifications.FlakyBackend"
    first, broken, last = UserFactory(), UserFactory(email=FAILING_ADDRESS), UserFactory()
    notify([notice(first), notice(broken), notice(last)], now=NOW)
    result = notifications_mail(now=NOW)
    assert (result.sent, result.failed) == (2, 1)
    assert sorted(m.to[0] for m in mail.outbox) == sorted([first.email, last.email])
    unsent = Notification.objects.filter(emailed_at__isnull=True)
    assert [n.recipient_id for n in unsent] == [broken.pk]  # retried on the next run
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert notifications_mail(now=NOW).sent == 1


# --- the daily run ----------------------------------------------------------------------------


def test_the_daily_run_twice_creates_and_mails_each_event_once():
    people = [UserFactory() for _ in range(3)]
    register_producer("test", lambda *, now: [notice(p, f"day:{now.date()}") for p in people])
    with time_machine.travel(NOW, tick=False):
        first = reminders_run()
        second = reminders_run()
    assert first.created == {"test": 3} and first.mail.sent == 3
    assert second.created == {"test": 0} and second.mail.sent == 0
    assert len(mail.outbox) == 3
    assert Notification.objects.count() == 3


def test_a_failing_producer_does_not_stop_the_others():
    person = UserFactory()

    def broken(*, now):
        raise RuntimeError("bug in one app")

    register_producer("a_broken", broken)
    register_producer("b_fine", lambda *, now: [notice(person)])
    run = reminders_run(now=NOW)
    assert run.failed == ("a_broken",)
    assert run.created == {"b_fine": 1}
    assert Notification.objects.filter(recipient=person).count() == 1


def test_a_dry_run_counts_and_writes_nothing():
    person = UserFactory()
    register_producer("test", lambda *, now: [notice(person)])
    run = reminders_run(now=NOW, dry_run=True)
    assert run.total == 1 and run.mail is None
    assert not Notification.objects.exists()
    assert mail.outbox == []


def test_the_command_and_the_task_run_the_producers():
    from cms.people.tasks import send_reminders_task

    person = UserFactory()
    register_producer("test", lambda *, now: [notice(person, f"at:{now.date()}")])
    with time_machine.travel(NOW, tick=False):
        call_command("send_reminders", stdout=(out := __import__("io").StringIO()))
        assert "test：新提醒 1 条" in out.getvalue()
        result = send_reminders_task.enqueue()  # the immediate backend runs it at once
    assert result.return_value["created"] == {"test": 0}
    assert len(mail.outbox) == 1


def test_every_app_registers_its_reminders(test_kind):
    """As the apps' ready() left the registry at start-up (the fixture keeps a copy)."""
    assert set(test_kind) == {
        "exam_closing",
        "result_released",
        "hours_short",
        "credential_suspended",
        "credential_expiring",
    }
    assert set(test_kind) <= set(mechanism.registered_kinds())


# --- pages ------------------------------------------------------------------------------------


def test_the_list_shows_my_notifications_newest_first_unread_marked(client):
    me, other = UserFactory(), UserFactory()
    notify([notice(me, "old")], now=NOW - datetime.timedelta(days=1))
    notify([notice(me, "new", day="2026-12-20")], now=NOW)
    notify([Notice(other.pk, TEST_KIND, "secret", {"day": "2026-01-01"})], now=NOW)
    mark_read(user=me, notification_id=Notification.objects.get(event_key="old").pk)
    client.force_login(me)
    response = client.get(reverse("people:notifications"))
    html = response.content.decode()
    assert response.status_code == 200
    assert html.index("2026年12月20日") < html.index("2026年12月13日")
    assert "2026年1月1日" not in html  # nobody sees another's
    assert html.count("notification--unread") == 1
    assert 'aria-label="通知：1 条未读"' in html  # the header's count


def test_mark_read_and_mark_all_read_by_post(client):
    me, other = UserFactory(), UserFactory()
    notify([notice(me, "a"), notice(me, "b"), notice(other, "c")], now=NOW)
    theirs = Notification.objects.get(recipient=other)
    client.force_login(me)
    url = reverse("people:notifications")
    assert client.get(url, {"read": 1}).status_code == 200  # GET changes nothing
    assert unread_notification_count(me) == 2
    client.post(url, {"read": str(theirs.pk)})
    theirs.refresh_from_db()
    assert theirs.read_at is None
    mine = Notification.objects.filter(recipient=me).first()
    assert client.post(url, {"read": str(mine.pk), "page": "1"}).url == f"{url}?page=1"
    assert unread_notification_count(me) == 1
    response = client.post(url, {"all": "1"}, follow=True)
    assert str(MARKED_ALL_READ) in response.content.decode()
    assert unread_notification_count(me) == 0
    assert unread_notification_count(other) == 1


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("people:notifications"))
    assert response.status_code == 302 and "/accounts/login/" in response.url
    assert client.post(reverse("people:notifications"), {"all": "1"}).status_code == 302


def test_the_list_is_paginated(client, settings):
    me = UserFactory()
    notify([notice(me, f"e:{i}") for i in range(settings.NOTIFICATIONS_PER_PAGE + 3)], now=NOW)
    client.force_login(me)
    first = client.get(reverse("people:notifications")).content.decode()
    second = client.get(reverse("people:notifications"), {"page": 2}).content.decode()
    assert first.count('class="notification ') == settings.NOTIFICATIONS_PER_PAGE
    assert second.count('class="notification ') == 3
    assert 'rel="next"' in first and 'rel="prev"' in second


@pytest.mark.parametrize("count", [2, 40])
def test_the_list_has_a_fixed_query_budget(client, django_assert_max_num_queries, count):
    me = UserFactory()
    notify([notice(me, f"e:{i}") for i in range(count)], now=NOW)
    client.force_login(me)
    with django_assert_max_num_queries(8):
        assert client.get(reverse("people:notifications")).status_code == 200


def test_turning_email_off_on_the_profile_page_stops_the_mail(client):
    me = UserFactory()
    client.force_login(me)
    page = client.get(reverse("people:profile")).content.decode()
    assert 'name="email_notifications"' in page and "checked" in page
    response = client.post(reverse("people:profile"), {"language": "en"}, follow=True)
    assert str(PREFERENCES_SAVED) in response.content.decode()
    me.refresh_from_db()
    assert (me.email_notifications, me.language) == (False, "en")
    notify([notice(me)], now=NOW)
    assert notifications_mail(now=NOW).sent == 0
    assert unread_notification_count(me) == 1
    client.post(reverse("people:profile"), {"email_notifications": "on", "language": ""})
    me.refresh_from_db()
    assert (me.email_notifications, me.mail_language) == (True, "zh-hans")
    assert notifications_mail(now=NOW).sent == 1


def test_the_profile_refuses_an_unknown_language(client):
    me = UserFactory()
    client.force_login(me)
    response = client.post(reverse("people:profile"), {"language": "fr"})
    assert response.status_code == 200
    me.refresh_from_db()
    assert me.language == "" and me.email_notifications is True
