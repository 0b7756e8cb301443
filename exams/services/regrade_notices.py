"""Telling candidates that a regrade changed their result: the notice on their pages and an
e-mail through Django's mail settings."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.utils import timezone
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from cms.db import in_batches

from ..models import (
    RegradeChange,
)

NOTICE = _("成绩已于%(date)s因%(reason)s更正：原 %(old)s 分，现 %(new)s 分。")
MAIL_SUBJECT = _("成绩更正通知：%(session)s")
MAIL_BODY = _(
    "%(name)s：\n\n您参加的“%(session)s”（第 %(number)s 次）成绩已于%(date)s更正。\n"
    "原因：%(reason)s（%(action)s）\n原成绩：%(old)s 分（%(old_verdict)s）\n"
    "现成绩：%(new)s 分（%(new_verdict)s）\n\n可登录平台在“我的考试”中查看。"
)
PASSED = _("合格")
FAILED = _("不合格")


# --- Telling the candidates --------------------------------------------------------------------


def _verdict(passed: bool | None) -> str:
    return _t(str(PASSED)) if passed else _t(str(FAILED))


def _score(value: Decimal | None) -> str:
    if value is None:
        return "-"
    return f"{value.normalize():f}" if value == value.to_integral() else f"{value:f}"


def regrade_notice(change: RegradeChange) -> str:
    """ "成绩已于…因…更正：原 X 分，现 Y 分。" for the result and my-exams pages."""
    return _t(str(NOTICE)) % {
        "date": timezone.localtime(change.at).strftime("%Y-%m-%d %H:%M"),
        "reason": change.regrade.reason,
        "old": _score(change.old_score),
        "new": _score(change.new_score),
    }


def regrade_notify(*, regrade_id: int) -> int:
    """E-mail each candidate whose visible result changed (once); returns the mails sent.

    A result not yet released is not mailed (the candidate never saw the old score); the
    notice on the result page appears with the result.
    """
    from ..selectors import result_visible

    now = timezone.now()
    pending = list(
        RegradeChange.objects.filter(regrade_id=regrade_id, notified_at__isnull=True)
        .select_related("regrade", "attempt__session", "attempt__user")
        .order_by("pk")
    )
    messages = []
    with override(settings.LANGUAGE_CODE):
        for change in pending:
            attempt = change.attempt
            if not attempt.user.email or not result_visible(attempt, now=now):
                continue
            values = {
                "name": attempt.user.name,
                "session": attempt.session.title,
                "number": attempt.number,
                "date": timezone.localtime(change.at).strftime("%Y-%m-%d %H:%M"),
                "reason": change.regrade.reason,
                "action": change.regrade.get_action_display(),
                "old": _score(change.old_score),
                "new": _score(change.new_score),
                "old_verdict": _verdict(change.old_passed),
                "new_verdict": _verdict(change.new_passed),
            }
            messages.append(
                EmailMessage(
                    subject=settings.EMAIL_SUBJECT_PREFIX
                    + _t(str(MAIL_SUBJECT)) % {"session": attempt.session.title},
                    body=_t(str(MAIL_BODY)) % values,
                    to=[attempt.user.email],
                )
            )
    if messages:
        get_connection().send_messages(messages)
    for batch in in_batches([c.pk for c in pending]):
        RegradeChange.objects.filter(pk__in=batch).update(notified_at=now)
    return len(messages)
