"""The autosave and heartbeat endpoints: the platform's hottest path.

They trust the signed attempt token in the ``X-Attempt-Token`` header instead of the session
and the user (no session, no CSRF cookie). A save does its checks and its write in one
statement. Both answer with the seconds left by the database's deadline and, when extra time
has moved it since the page's token was made, a renewed token carrying the new time.
"""

import json
import time

from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .services.attempts import (
    ERR_FINISHED,
    ERR_TEXT_TOO_LONG,
    TEXT_MAX_LENGTH,
    AttemptClosed,
    AttemptError,
    answer_save,
    attempt_heartbeat,
)
from .tokens import AttemptToken, InvalidToken, token_expiry, token_for, token_read

TOKEN_HEADER = "X-Attempt-Token"
ERR_TOKEN = gettext_noop("答题凭证无效或已过期：考试时间已到，或请刷新页面后重试。")
ERR_PAYLOAD = gettext_noop("请求格式不正确。")

# The ranges of the columns the values are written to (AttemptSlot.position is a
# PositiveSmallIntegerField, AttemptSlot.seq a PositiveIntegerField, option ids are bounded by
# the PositiveSmallIntegerField option_count). A value outside them is a malformed request,
# answered 400 before it reaches the database (where it would overflow: a 500).
POSITION_MAX = 32_767
SEQ_MAX = 2_147_483_647
OPTION_ID_MAX = 32_767
SELECTED_MAX = 64  # no question has anywhere near as many options


class PayloadError(ValueError):
    """The body is not ``{"position": int, "seq": int, "selected": [int, ...]}`` (or, for a
    written answer, ``"text": str`` instead of ``selected``) in range."""


class TextTooLong(PayloadError):
    """A written answer over ``TEXT_MAX_LENGTH``: refused with its own message."""


def _bounded_int(value, low: int, high: int) -> int:
    # JSON true/false are Python bools, and bool is an int subclass: refuse them explicitly,
    # as well as floats ("1.0", 1e400 -> inf) and numeric strings.
    if type(value) is not int or not low <= value <= high:
        raise PayloadError
    return value


def _text(value) -> str:
    """A written answer: a string the database can store as it is (no NUL, which PostgreSQL
    refuses in text, and no lone surrogate, which is not UTF-8)."""
    if type(value) is not str or "\x00" in value:
        raise PayloadError
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise PayloadError from exc
    if len(value) > TEXT_MAX_LENGTH:
        raise TextTooLong
    return value


def _save_payload(body: bytes) -> tuple[int, int, list[int], str | None]:
    """(position, seq, selected, text) from the request body, or ``PayloadError``."""
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError) as exc:  # bad JSON, bad UTF-8, absurd nesting
        raise PayloadError from exc
    if not isinstance(payload, dict) or "position" not in payload or "seq" not in payload:
        raise PayloadError
    position = _bounded_int(payload["position"], 1, POSITION_MAX)
    seq = _bounded_int(payload["seq"], 1, SEQ_MAX)
    if "text" in payload:
        if "selected" in payload:  # one answer or the other, never both
            raise PayloadError
        return position, seq, [], _text(payload["text"])
    selected = payload.get("selected", [])
    if not isinstance(selected, list) or len(selected) > SELECTED_MAX:
        raise PayloadError
    return position, seq, [_bounded_int(i, 1, OPTION_ID_MAX) for i in selected], None


def session_free(view):
    view.session_free = True
    return view


def _read_token(request, attempt_id: int, now: float) -> AttemptToken | None:
    try:
        token = token_read(request.headers.get(TOKEN_HEADER, ""), now=now)
    except InvalidToken:
        return None
    return token if token.attempt_id == attempt_id else None


def _timing(token: AttemptToken, deadline, remaining: int) -> dict:
    """``remaining``, and a renewed token when the deadline is not the one the token has."""
    timing = {"remaining": remaining}
    if deadline is not None and token_expiry(deadline) != token.expires:
        timing["token"] = token_for(
            attempt_id=token.attempt_id,
            user_id=token.user_id,
            deadline=deadline,
            writer=token.writer,
        )
    return timing


@session_free
@csrf_exempt
@require_POST
def answer_save_view(request, attempt_id: int):
    now = time.time()
    token = _read_token(request, attempt_id, now)
    if token is None:
        return JsonResponse({"ok": False, "error": _(ERR_TOKEN)}, status=403)
    try:
        position, seq, selected, text = _save_payload(request.body)
    except TextTooLong:
        return JsonResponse({"ok": False, "error": _(ERR_TEXT_TOO_LONG)}, status=400)
    except PayloadError:
        return JsonResponse({"ok": False, "error": _(ERR_PAYLOAD)}, status=400)
    try:
        result = answer_save(
            token=token, position=position, selected=selected, seq=seq, now=now, text=text
        )
    except AttemptError as exc:
        closed = isinstance(exc, AttemptClosed)
        return JsonResponse({"ok": False, "finished": closed, "error": _(str(exc))}, status=409)
    body = {
        "ok": True,
        "position": result.position,
        "seq": result.seq,
        "stale": result.stale,
        **_timing(token, result.deadline, result.remaining_seconds),
    }
    if result.stale:
        body["selected"] = result.selected
        if result.text is not None:
            body["text"] = result.text
    return JsonResponse(body)


@session_free
@csrf_exempt
@require_POST
def heartbeat_view(request, attempt_id: int):
    """The page is there: for the monitor's "offline", and to learn a moved deadline."""
    now = time.time()
    token = _read_token(request, attempt_id, now)
    if token is None:
        return JsonResponse({"ok": False, "error": _(ERR_TOKEN)}, status=403)
    beat = attempt_heartbeat(token=token, now=now)
    if not beat.in_progress:
        return JsonResponse({"ok": False, "finished": True, "error": _(ERR_FINISHED)}, status=409)
    return JsonResponse({"ok": True, **_timing(token, beat.deadline, beat.remaining_seconds)})
