"""Database side of the fault run, run as ``python -m tests.bench.faults.data COMMAND`` with the
production settings against the run's PostgreSQL cluster.

    seed USERS OUT.json        candidates, one started attempt each, logged-in sessions
    deadlines PLAN.json        move the deadlines of the short-deadline group to now + offset
    extend PLAN.json           give running attempts extra time (attempt_extend, the system)
    verify CLIENTS.json        the integrity figures, as JSON on the last line

The data is built through the same services as the back office (tests/bench/bank.py); only
the deadlines of the short group are set directly, standing for attempts started earlier.
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta


def _timed(label: str, started: float) -> None:
    print(f"seed: {label}: {time.perf_counter() - started:.1f} s", flush=True)


def seed(users: int, out: str) -> None:
    from tests.bench.bank import sitting_candidates

    attempts, keys, slots = sitting_candidates(users, _timed)
    with open(out, "w") as f:
        json.dump(
            [
                {"attempt": a.pk, "session": key, "slots": sorted(slots[a.pk])}
                for a, key in zip(attempts, keys, strict=True)
            ],
            f,
        )


def deadlines(plan_path: str) -> None:
    """``{"attempt id": seconds from now}``: the deadline of each listed attempt."""
    from django.db import transaction

    from exams.models import Attempt

    with open(plan_path) as f:
        plan = {int(k): float(v) for k, v in json.load(f).items()}
    now = datetime.now(UTC)
    with transaction.atomic():
        for pk, seconds in plan.items():
            Attempt.objects.filter(pk=pk).update(
                deadline=now + timedelta(seconds=seconds),
                started_at=now + timedelta(seconds=seconds) - timedelta(minutes=120),
            )
    print(f"deadlines set for {len(plan)} attempts", flush=True)


def extend(plan_path: str) -> None:
    """``{"attempt id": minutes}``: extra time through the service, as after an incident."""
    from django.db import OperationalError, close_old_connections

    from exams.services.transitions import attempt_extend

    with open(plan_path) as f:
        plan = {int(k): int(v) for k, v in json.load(f).items()}
    moved, refused = 0, Counter()
    for pk, minutes in plan.items():
        for _try in range(20):  # the database may be restarting: the administrator tries again
            try:
                attempt_extend(
                    attempt_id=pk, actor=None, minutes=minutes, reason="压测：考场故障补时"
                )
                moved += 1
            except OperationalError:
                close_old_connections()
                time.sleep(1)
                continue
            except Exception as exc:  # finished meanwhile: the table refuses, which is right
                refused[f"{type(exc).__name__}: {exc}"] += 1
            break
    print(f"extended {moved} attempts" + (f"; refused {dict(refused)}" if refused else ""))


def verify(clients_path: str) -> None:
    """Compare what each simulated page was told with what the database holds and graded.

    Per slot, the reference is the last change acknowledged to the page (highest sequence
    number among the 200 answers it received; a "stale" answer carries the server's own newer
    change). A database answer newer than every acknowledgement the page received is
    accepted only when it is a change that page really sent (its answer was lost in transit,
    e.g. the app server died after committing): it is counted apart, not as a loss.
    """
    from django.conf import settings

    from exams.grading import slot_score
    from exams.models import (
        Attempt,
        AttemptEvent,
        AttemptSlot,
        AttemptStatus,
        RefusedChange,
        ScoringRule,
    )

    with open(clients_path) as f:
        clients = {int(c["attempt"]): c for c in json.load(f)}
    grace = timedelta(seconds=settings.EXAM_NETWORK_GRACE_SECONDS)
    now = datetime.now(UTC)
    attempts = {a.pk: a for a in Attempt.objects.filter(pk__in=clients).select_related("session")}
    finishing = {}
    for attempt_id, action, at in (
        AttemptEvent.objects.filter(
            attempt_id__in=clients,
            action__in=[
                AttemptEvent.Action.SUBMIT,
                AttemptEvent.Action.EXPIRE,
                AttemptEvent.Action.FORCE_SUBMIT,
            ],
        )
        .order_by("at")
        .values_list("attempt_id", "action", "at")
    ):
        finishing[attempt_id] = (action, at)
    slots = AttemptSlot.objects.filter(attempt_id__in=clients).select_related("question_version")
    figures = {
        "attempts": len(attempts),
        "finished": 0,
        "submitted": 0,
        "expired": 0,
        "in_progress": 0,
        "slots_checked": 0,
        "slots_graded_checked": 0,
        "acknowledged": sum(len(c["acks"]) for c in clients.values()),
        "lost": 0,
        "graded_differs": 0,
        "acked_after_finish": 0,
        "finalised_late": 0,
        "stored_without_ack_received": 0,
        "refused_but_stored": 0,
        "refused_changes_kept": RefusedChange.objects.filter(attempt_id__in=clients).count(),
        "examples": {
            "lost": [],
            "graded_differs": [],
            "acked_after_finish": [],
            "late": [],
            "refused_but_stored": [],
        },
    }
    unacked: Counter = Counter()  # stored without an acknowledgement received, by outcome
    ex = figures["examples"]
    for a in attempts.values():
        if a.status == AttemptStatus.IN_PROGRESS:
            figures["in_progress"] += 1
            if a.deadline + grace + timedelta(minutes=1) < now:
                figures["finalised_late"] += 1
                ex["late"].append([a.pk, "not finalised", a.deadline.isoformat()])
            continue
        figures["finished"] += 1
        figures["submitted" if a.status == AttemptStatus.SUBMITTED else "expired"] += 1
        action, at = finishing.get(a.pk, (None, None))
        if action == AttemptEvent.Action.EXPIRE and at > a.deadline + grace + timedelta(minutes=1):
            figures["finalised_late"] += 1
            ex["late"].append([a.pk, at.isoformat(), a.deadline.isoformat()])
    for slot in slots:
        client = clients[slot.attempt_id]
        key = str(slot.position)
        acked = client["acks"].get(key)  # [seq, selected] of the highest acknowledged
        ref_seq, ref_selected = (acked[0], sorted(acked[1])) if acked else (0, [])
        db_selected = sorted(slot.selected)
        figures["slots_checked"] += 1
        if slot.seq < ref_seq or (slot.seq == ref_seq and db_selected != ref_selected):
            figures["lost"] += 1
            ex["lost"].append([slot.attempt_id, slot.position, acked, slot.seq, db_selected])
        elif slot.seq > ref_seq:
            sent = client["sent"].get(key, {}).get(str(slot.seq))
            if slot.writer == client["writer"] and sent is not None and sorted(sent) == db_selected:
                figures["stored_without_ack_received"] += 1
                unacked[client.get("outcome", "")] += 1
                ref_seq, ref_selected = slot.seq, db_selected
            else:
                figures["lost"] += 1
                ex["lost"].append([slot.attempt_id, slot.position, acked, slot.seq, db_selected])
        refused = client["refused"].get(key, [])
        if slot.seq in refused and slot.writer == client["writer"]:
            figures["refused_but_stored"] += 1
            kept = RefusedChange.objects.filter(
                attempt_id=slot.attempt_id, position=slot.position, seq=slot.seq
            ).first()
            ex["refused_but_stored"].append(
                {
                    "attempt": slot.attempt_id,
                    "position": slot.position,
                    "seq": slot.seq,
                    "saved_at": slot.saved_at.isoformat() if slot.saved_at else None,
                    "finished": str(finishing.get(slot.attempt_id)),
                    "refused_row": [kept.why, kept.received_at.isoformat()] if kept else None,
                }
            )
        attempt = attempts[slot.attempt_id]
        if attempt.status == AttemptStatus.IN_PROGRESS:
            continue
        figures["slots_graded_checked"] += 1
        expected = slot_score(
            selected=ref_selected,
            correct=slot.question_version.correct_ids,
            multiple=slot.multiple,
            partial=attempt.session.scoring == ScoringRule.PARTIAL,
            points=slot.points,
        )
        if slot.earned != expected:
            figures["graded_differs"] += 1
            ex["graded_differs"].append(
                [slot.attempt_id, slot.position, ref_selected, str(expected), str(slot.earned)]
            )
        _action, at = finishing.get(slot.attempt_id, (None, None))
        if slot.saved_at is not None and at is not None and slot.saved_at > at:
            figures["acked_after_finish"] += 1
            ex["acked_after_finish"].append(
                [
                    slot.attempt_id,
                    slot.position,
                    slot.seq,
                    slot.saved_at.isoformat(),
                    at.isoformat(),
                    _action,
                ]
            )
    for k in ex:
        ex[k] = ex[k][:5]
    figures["stored_without_ack_by_outcome"] = dict(unacked)
    print(json.dumps(figures, default=str))


if __name__ == "__main__":
    import django

    django.setup()
    command, *args = sys.argv[1:]
    if command == "seed":
        seed(int(args[0]), args[1])
    elif command == "deadlines":
        deadlines(args[0])
    elif command == "extend":
        extend(args[0])
    elif command == "verify":
        verify(args[0])
    else:
        raise SystemExit(__doc__)
