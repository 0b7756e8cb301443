"""Data side of the autosave benchmark, run in a subprocess against the bench database.

    python -m tests.bench.autosave_data seed USERS CREDENTIALS.json
    python -m tests.bench.autosave_data reset
    python -m tests.bench.autosave_data verify ACKS.jsonl

``seed`` builds a bank, a session and one started attempt per candidate, logs every candidate
in (a real database-backed Django session), and writes what each simulated candidate needs
(attempt id, attempt token, session key, the slots' option counts). ``reset`` clears the
saved answers between runs. ``verify`` checks every acknowledged save against the database
and prints the result as JSON on the last line.
"""

from __future__ import annotations

import json
import os
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.bench.settings")


def _timed(label: str, started: float) -> None:
    print(f"BENCH seed: {label}: {time.perf_counter() - started:.1f} s", flush=True)


def seed(users: int, out: str) -> None:
    from exams.tokens import token_for

    from .bank import sitting_candidates

    attempts, session_keys, slots = sitting_candidates(users, _timed)
    credentials = [
        {
            "attempt": a.pk,
            "user": a.user_id,
            "token": token_for(attempt_id=a.pk, user_id=a.user_id, deadline=a.deadline),
            "session": key,
            "slots": slots[a.pk],
        }
        for a, key in zip(attempts, session_keys, strict=True)
    ]
    with open(out, "w") as f:
        json.dump(credentials, f)


def reset() -> None:
    """Forget the saved answers and clean up the dead rows the previous run left."""
    from django.db import connection

    from exams.models import AttemptSlot

    AttemptSlot.objects.update(selected=[], seq=0, saved_at=None)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def verify(acks_path: str) -> None:
    """Every acknowledged save must be in the database, or overtaken by a newer save."""
    from exams.models import AttemptSlot

    acks = []
    with open(acks_path) as f:
        for line in f:
            acks.append(json.loads(line))
    saved = {
        (a, p): (s, sel)
        for a, p, s, sel in AttemptSlot.objects.filter(
            attempt_id__in={ack[0] for ack in acks}
        ).values_list("attempt_id", "position", "seq", "selected")
    }
    lost = []
    for attempt, position, seq, selected in acks:
        db_seq, db_selected = saved.get((attempt, position), (-1, None))
        if db_seq < seq or (db_seq == seq and sorted(db_selected) != sorted(selected)):
            lost.append([attempt, position, seq, selected, db_seq, db_selected])
    print(json.dumps({"acknowledged": len(acks), "lost": len(lost), "examples": lost[:5]}))


if __name__ == "__main__":
    import django

    django.setup()
    command, *args = sys.argv[1:]
    if command == "seed":
        seed(int(args[0]), args[1])
    elif command == "reset":
        reset()
    elif command == "verify":
        verify(args[0])
    else:
        raise SystemExit(__doc__)
