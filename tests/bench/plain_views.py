"""The baseline for the autosave benchmark: a save as a straightforward Django view would do it.

Authenticated by the session cookie (``request.user``), one UPDATE of the slot. No sequence
check, no option check: the cheapest honest session-authenticated save, to compare
``exams.views_api.answer_save_view`` against.
"""

import json

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from exams.models import AttemptSlot, AttemptStatus


@csrf_exempt
@require_POST
@login_required
def plain_answer_save(request, attempt_id: int):
    payload = json.loads(request.body)
    position, seq = int(payload["position"]), int(payload["seq"])
    selected = sorted({int(i) for i in payload.get("selected", [])})
    updated = AttemptSlot.objects.filter(
        attempt_id=attempt_id,
        attempt__user=request.user,
        attempt__status=AttemptStatus.IN_PROGRESS,
        position=position,
    ).update(selected=selected, seq=seq, saved_at=timezone.now())
    return JsonResponse(
        {"ok": bool(updated), "position": position, "seq": seq}, status=200 if updated else 409
    )
