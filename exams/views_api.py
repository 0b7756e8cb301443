"""The autosave endpoint: the platform's hottest path.

It trusts the signed attempt token in the ``X-Attempt-Token`` header instead of the session and
the user (no session, no CSRF cookie), and does its checks and its write in one statement.
"""

import json
import time

from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .services.attempts import AttemptError, answer_save
from .tokens import InvalidToken, token_read

TOKEN_HEADER = "X-Attempt-Token"
ERR_TOKEN = "答题凭证无效或已过期：考试时间已到，或请刷新页面后重试。"
ERR_PAYLOAD = "请求格式不正确。"


def session_free(view):
    view.session_free = True
    return view


@session_free
@csrf_exempt
@require_POST
def answer_save_view(request, attempt_id: int):
    now = time.time()
    try:
        token = token_read(request.headers.get(TOKEN_HEADER, ""), now=now)
    except InvalidToken:
        return JsonResponse({"ok": False, "error": _(ERR_TOKEN)}, status=403)
    if token.attempt_id != attempt_id:
        return JsonResponse({"ok": False, "error": _(ERR_TOKEN)}, status=403)
    try:
        payload = json.loads(request.body)
        position, seq = int(payload["position"]), int(payload["seq"])
        selected = [int(i) for i in payload.get("selected", [])]
    except (ValueError, KeyError, TypeError):
        return JsonResponse({"ok": False, "error": _(ERR_PAYLOAD)}, status=400)
    try:
        result = answer_save(token=token, position=position, selected=selected, seq=seq, now=now)
    except AttemptError as exc:
        return JsonResponse({"ok": False, "error": _(str(exc))}, status=409)
    return JsonResponse(
        {
            "ok": True,
            "position": result.position,
            "seq": result.seq,
            "stale": result.stale,
            "remaining": result.remaining_seconds,
        }
    )
