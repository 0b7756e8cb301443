"""Notifications (提醒): one mechanism for every app that tells a person something.

- Kinds: each kind registers a translatable title and body with named placeholders
  (``register_kind``). Nothing rendered is stored; the text is filled from the notification's
  ``params`` in the reader's language when it is shown (the page's language) or mailed (the
  recipient's ``User.mail_language``: their choice on the profile page, else
  ``settings.LANGUAGE_CODE``).
- ``notify``: the one way to create notifications. Each ``Notice`` names its event
  (``event_key``); a person hears of an event once (unique constraint, insert-or-ignore),
  however often a producer runs.
- Producers: the domain apps register, in their ``AppConfig.ready()``, functions that find the
  events due at a moment (``register_producer``); ``reminders_run`` (the daily
  ``send_reminders`` command and task) runs them and then ``notifications_mail`` mails what is
  new. ``cms`` imports no domain app: the apps come to it.
"""

from __future__ import annotations

import contextlib
import datetime
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from .models import Notification, User

logger = logging.getLogger(__name__)

# Rows per insert, and ids or keys per ``__in`` (well within every database's parameter limit).
CHUNK = 500

ERR_UNKNOWN_KIND = _("未登记的通知类型。")
UNKNOWN_KIND_TITLE = _("通知")
MAIL_SUBJECT_MANY = ngettext_lazy("您有 %(count)d 条新提醒", "您有 %(count)d 条新提醒", "count")
MAIL_OPEN = _("查看：%(url)s")
MAIL_FOOTER = _(
    "这是依法行政学法考法平台自动发送的提醒邮件，请勿回复。"
    "全部提醒：%(list_url)s ；如不想再收到提醒邮件，可在个人资料页关闭：%(profile_url)s"
)


# --- kinds ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class NotificationKind:
    """How one kind of notification reads. ``dates`` / ``datetimes`` name the params stored
    as ISO strings that are shown as local dates / date-times in the reader's format."""

    key: str
    title: str
    body: str
    dates: tuple[str, ...] = ()
    datetimes: tuple[str, ...] = ()


_KINDS: dict[str, NotificationKind] = {}


def register_kind(
    key: str,
    *,
    title: str,
    body: str,
    dates: Sequence[str] = (),
    datetimes: Sequence[str] = (),
) -> NotificationKind:
    """Register (or re-register, e.g. on a reloaded AppConfig) how a kind reads."""
    kind = NotificationKind(key, title, body, tuple(dates), tuple(datetimes))
    _KINDS[key] = kind
    return kind


def registered_kinds() -> dict[str, NotificationKind]:
    return dict(_KINDS)


def _formatted_params(kind: NotificationKind, params: dict) -> dict:
    values = dict(params)
    for name in kind.dates:
        if values.get(name):
            day = datetime.date.fromisoformat(values[name])
            values[name] = formats.date_format(day, "DATE_FORMAT")
    for name in kind.datetimes:
        if values.get(name):
            moment = timezone.localtime(datetime.datetime.fromisoformat(values[name]))
            values[name] = formats.date_format(moment, "DATETIME_FORMAT")
    return values


def _render(notification: Notification, attribute: str) -> str:
    kind = _KINDS.get(notification.kind)
    if kind is None:
        return str(UNKNOWN_KIND_TITLE) if attribute == "title" else ""
    template = str(getattr(kind, attribute))
    try:
        return template % _formatted_params(kind, notification.params or {})
    except (KeyError, TypeError, ValueError):
        # A parameter missing from an old row: show the template's text rather than fail.
        logger.warning("notification %s: params do not fit %s", notification.pk, kind.key)
        return template


def render_title(notification: Notification) -> str:
    """The title in the active language."""
    return _render(notification, "title")


def render_body(notification: Notification) -> str:
    """The body in the active language."""
    return _render(notification, "body")


# --- creating -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Notice:
    """A notification to create: to whom, of which kind, for which event, with which values.

    ``params`` must be JSON values; dates go in as ISO strings (``date.isoformat()``), named
    in the kind's ``dates`` / ``datetimes`` so that they are shown in the reader's format.
    """

    recipient_id: int
    kind: str
    event_key: str
    params: dict = field(default_factory=dict)
    url: str = ""


def notify(notices: Iterable[Notice], *, now: datetime.datetime | None = None) -> int:
    """Create the notifications of ``notices`` that do not exist yet; returns how many.

    Two queries whatever the number (up to CHUNK events and rows): which (recipient, event)
    pairs exist already, and one insert-or-ignore of the rest (the unique constraint settles
    a race with another run).
    """
    now = now or timezone.now()
    pending: dict[tuple[int, str], Notice] = {}
    for notice in notices:
        if notice.kind not in _KINDS:
            raise ValidationError(ERR_UNKNOWN_KIND, code="unknown_kind")
        pending.setdefault((notice.recipient_id, notice.event_key), notice)
    if not pending:
        return 0
    keys = sorted({key for _r, key in pending})
    existing: set[tuple[int, str]] = set()
    for start in range(0, len(keys), CHUNK):
        existing.update(
            Notification.objects.filter(event_key__in=keys[start : start + CHUNK]).values_list(
                "recipient_id", "event_key"
            )
        )
    rows = []
    for pair, notice in pending.items():
        if pair in existing:
            continue
        row = Notification(
            recipient_id=notice.recipient_id,
            kind=notice.kind,
            event_key=notice.event_key,
            params=notice.params,
            url=notice.url,
            created_at=now,
        )
        row.full_clean(exclude=["recipient"], validate_unique=False, validate_constraints=False)
        rows.append(row)
    Notification.objects.bulk_create(rows, ignore_conflicts=True, batch_size=CHUNK)
    return len(rows)


def mark_read(*, user: User, notification_id: int, now: datetime.datetime | None = None) -> bool:
    """Mark one of the person's own notifications read; False if it is not theirs or was read."""
    changed = Notification.objects.filter(
        pk=notification_id, recipient=user, read_at__isnull=True
    ).update(read_at=now or timezone.now())
    return bool(changed)


def mark_all_read(*, user: User, now: datetime.datetime | None = None) -> int:
    """Mark every unread notification of the person read; returns how many."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=now or timezone.now()
    )


def notification_preferences_update(
    *, user: User, email_notifications: bool, language: str
) -> User:
    """The person's own choice: e-mail reminders on or off, and the language of e-mails."""
    user.email_notifications = email_notifications
    user.language = language
    user.full_clean(
        exclude=[
            f.name for f in User._meta.fields if f.name not in ("email_notifications", "language")
        ],
        validate_unique=False,
        validate_constraints=False,
    )
    user.save(update_fields=["email_notifications", "language"])
    return user


# --- e-mail ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class MailResult:
    sent: int  # e-mails sent (one per person)
    notifications: int  # notifications marked as e-mailed
    failed: int  # e-mails that failed (their notifications stay unmailed and are retried)


def _absolute(path: str) -> str:
    if not path or path.startswith(("http://", "https://")):
        return path
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


def _message(person: User, items: list[Notification]) -> EmailMessage:
    with translation.override(person.mail_language):
        if len(items) == 1:
            subject = render_title(items[0])
        else:
            subject = MAIL_SUBJECT_MANY % {"count": len(items)}
        parts = []
        for item in items:
            lines = [render_title(item), render_body(item)]
            if item.url:
                lines.append(str(MAIL_OPEN) % {"url": _absolute(item.url)})
            parts.append("\n".join(line for line in lines if line))
        parts.append(
            str(MAIL_FOOTER)
            % {
                "list_url": _absolute(reverse("people:notifications")),
                "profile_url": _absolute(reverse("people:profile")),
            }
        )
    return EmailMessage(
        subject=settings.EMAIL_SUBJECT_PREFIX + subject,
        body="\n\n".join(parts),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[person.email],
    )


def notifications_mail(*, now: datetime.datetime | None = None) -> MailResult:
    """E-mail each person their notifications not yet mailed, one e-mail per person.

    Only notifications of the last ``NOTIFICATION_EMAIL_WITHIN_DAYS`` days are mailed, so a
    person who turns e-mail back on (or adds an address) is not sent old news. People who
    turned e-mail off, are inactive or have no address are skipped (their notifications stay
    in-site). One connection for the batch; a failing e-mail is logged and its notifications
    stay unmailed for the next run, the others are sent and marked.
    """
    now = now or timezone.now()
    since = now - datetime.timedelta(days=settings.NOTIFICATION_EMAIL_WITHIN_DAYS)
    rows = list(
        Notification.objects.filter(
            emailed_at__isnull=True,
            created_at__gte=since,
            recipient__is_active=True,
            recipient__email_notifications=True,
        )
        .exclude(recipient__email="")
        .select_related("recipient")
        .order_by("recipient_id", "created_at", "pk")
    )
    by_person: dict[int, list[Notification]] = defaultdict(list)
    for row in rows:
        by_person[row.recipient_id].append(row)
    if not by_person:
        return MailResult(0, 0, 0)
    mailed: list[int] = []
    sent = failed = 0
    connection = get_connection()
    connection.open()
    try:
        for items in by_person.values():
            person = items[0].recipient
            try:
                message = _message(person, items)
                message.connection = connection
                message.send()
            except Exception:  # noqa: BLE001 - one bad address or refusal must not stop the rest
                logger.exception("reminder e-mail to user %s failed", person.pk)
                failed += 1
                continue
            sent += 1
            mailed += [item.pk for item in items]
    finally:
        connection.close()
    for start in range(0, len(mailed), CHUNK):
        Notification.objects.filter(pk__in=mailed[start : start + CHUNK]).update(emailed_at=now)
    return MailResult(sent, len(mailed), failed)


# --- producers and the daily run ------------------------------------------------------------

Producer = Callable[..., Iterable[Notice]]
_PRODUCERS: dict[str, Producer] = {}


def register_producer(name: str, producer: Producer) -> None:
    """Register a function ``producer(*, now) -> Iterable[Notice]`` run by ``reminders_run``.

    It must read in a fixed number of queries (no query per person) and give each event a
    stable ``event_key``, so that running it again creates nothing new.
    """
    _PRODUCERS[name] = producer


def registered_producers() -> dict[str, Producer]:
    return dict(_PRODUCERS)


@dataclass(frozen=True)
class ReminderRun:
    created: dict[str, int]  # producer name -> notifications created
    failed: tuple[str, ...]  # producers that raised (logged; the others still ran)
    mail: MailResult | None  # None on a dry run or when mailing was not asked for

    @property
    def total(self) -> int:
        return sum(self.created.values())


def reminders_run(
    *, now: datetime.datetime | None = None, mail: bool = True, dry_run: bool = False
) -> ReminderRun:
    """Run every registered producer, then (unless ``mail`` is off) e-mail what is new.

    Each producer's notices are created in its own transaction, so that one failing producer
    does not hold back the others. A dry run creates everything and rolls it back, to count.
    """
    now = now or timezone.now()
    created: dict[str, int] = {}
    failed: list[str] = []

    with transaction.atomic() if dry_run else contextlib.nullcontext():
        for name, producer in sorted(_PRODUCERS.items()):
            try:
                with transaction.atomic():
                    created[name] = notify(producer(now=now), now=now)
            except Exception:  # noqa: BLE001 - one app's bug must not stop the others' reminders
                logger.exception("reminder producer %s failed", name)
                failed.append(name)
        if dry_run:
            transaction.set_rollback(True)
    result_mail = notifications_mail(now=now) if mail and not dry_run else None
    return ReminderRun(created=created, failed=tuple(failed), mail=result_mail)
