"""The background part of a regrade (``exams.tasks.regrade_task``): rescore the affected
attempts chunk by chunk under row locks, audit each changed one, record what changed, then,
once committed, announce the changes (``results_regraded``) and tell the candidates."""

from __future__ import annotations

import uuid
from collections import defaultdict
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from wagtail.log_actions import log
from wagtail.models import ModelLogEntry

from cms.db import in_batches

from .. import data
from ..models import (
    FINISHED_STATUSES,
    Attempt,
    AttemptEvent,
    AttemptSlot,
    AttemptStatus,
    ExamKind,
    Regrade,
    RegradeChange,
)
from ..signals import results_regraded
from .attempts import PRE_APPOINTMENT_ATTEMPTS
from .regrade_notices import regrade_notify
from .regrades import CHUNK, Outcome, _Context, _rescore, affected_attempts
from .scoring import scoring_rules


def _blocking(attempts: list[tuple[int, bool | None, str]]) -> dict[int, bool]:
    """The pre-appointment "不得任用" mark of one candidate's sittings, in order: a sitting
    that fails as the second failure (voided ones count as failed) blocks."""
    failures = 0
    marks = {}
    for pk, passed, status in attempts:
        if status == AttemptStatus.IN_PROGRESS:
            continue
        if passed is False:
            failures += 1
        marks[pk] = passed is False and failures >= PRE_APPOINTMENT_ATTEMPTS
    return marks


# --- The task ----------------------------------------------------------------------------------


def regrade_run(regrade_id: int) -> dict:
    """Rescore every affected attempt, chunk by chunk, each chunk one transaction holding the
    attempts' row locks. Retrying is harmless: an attempt already rescored comes out the same
    and is neither changed, audited nor notified again."""
    regrade = Regrade.objects.select_related("question", "new_version").get(pk=regrade_id)
    Regrade.objects.filter(pk=regrade_id).update(status=Regrade.Status.RUNNING, error="")
    try:
        summary = _run(regrade)
    except Exception as exc:
        Regrade.objects.filter(pk=regrade_id).update(
            status=Regrade.Status.FAILED, error=str(exc)[:2000]
        )
        raise
    return summary


def _run(regrade: Regrade) -> dict:
    attempts = affected_attempts(
        question_id=regrade.question_id,
        action=regrade.action,
        session_id=regrade.session_id,
        before_number=regrade.new_version.number if regrade.new_version else None,
    )
    ids = list(attempts.order_by("pk").values_list("pk", flat=True))
    Regrade.objects.filter(pk=regrade.pk).update(total=len(ids), done=0)
    context = _Context(lambda session_id: scoring_rules(session_id=session_id))
    content_type = ContentType.objects.get_for_model(Attempt)
    done = changed = 0
    blocking_pairs: set[tuple[int, int]] = set()
    for batch in in_batches(ids, CHUNK):
        with transaction.atomic():
            locked = list(
                Attempt.objects.select_for_update()
                .filter(pk__in=batch, status__in=FINISHED_STATUSES, marking_pending=False)
                .order_by("pk")
            )
            outcomes = [o for o in _rescore(locked, regrade.question_id, context) if o.changed]
            _write(regrade, outcomes, content_type)
            changed += len(outcomes)
            blocking_pairs.update(
                (o.attempt.session_id, o.attempt.user_id)
                for o in outcomes
                if o.attempt.session.kind == ExamKind.PRE_APPOINTMENT
            )
        done += len(batch)
        Regrade.objects.filter(pk=regrade.pk).update(done=done)
    with transaction.atomic():
        _blocking_update(blocking_pairs)
        Regrade.objects.filter(pk=regrade.pk).update(
            status=Regrade.Status.DONE, finished_at=timezone.now()
        )
        log(
            instance=regrade.question,
            action="exams.regrade.done",
            user=regrade.actor,
            data={"regrade": regrade.pk, "attempts": len(ids), "changed": changed},
        )
        transaction.on_commit(lambda: _after_commit(regrade.pk))
    return {"attempts": len(ids), "changed": changed}


def _write(regrade: Regrade, outcomes: list[Outcome], content_type) -> None:
    """Store the new results of one chunk: one UPDATE per distinct new slot value, one per
    attempt, and the audit rows in bulk."""
    if not outcomes:
        return
    now = timezone.now()
    by_value: dict[Decimal | None, list[int]] = defaultdict(list)
    for outcome in outcomes:
        for pk, (_old, new) in outcome.slots.items():
            by_value[new].append(pk)
    for value, pks in by_value.items():
        for batch in in_batches(pks):
            AttemptSlot.objects.filter(pk__in=batch).update(earned=value)
    events, entries, records = [], [], []
    batch_uuid = uuid.uuid4()
    for outcome in outcomes:
        a = outcome.attempt
        Attempt.objects.filter(pk=a.pk).update(
            score=outcome.score, passed=outcome.passed, breakdown=outcome.breakdown
        )
        details = {
            "regrade": regrade.pk,
            "remedy": regrade.action,
            "question": regrade.question_id,
            "reason": regrade.reason,
            "before": {"score": str(a.score), "passed": a.passed},
            "after": {"score": str(outcome.score), "passed": outcome.passed},
            "slots": {str(pk): [str(old), str(new)] for pk, (old, new) in outcome.slots.items()},
        }
        events.append(
            AttemptEvent(
                attempt_id=a.pk,
                action=AttemptEvent.Action.REGRADE,
                from_status=a.status,
                to_status=a.status,
                actor_id=regrade.actor_id,
                reason=regrade.reason,
                at=now,
                data=details,
            )
        )
        entries.append(
            ModelLogEntry(
                content_type=content_type,
                object_id=str(a.pk),
                label=f"{a.session.title} · #{a.number}",
                action="exams.attempt.regrade",
                data=details,
                timestamp=now,
                uuid=batch_uuid,
                user_id=regrade.actor_id,
            )
        )
        if (a.score, a.passed) != (outcome.score, outcome.passed):
            records.append(
                RegradeChange(
                    regrade=regrade,
                    attempt_id=a.pk,
                    old_score=a.score,
                    new_score=outcome.score,
                    old_passed=a.passed,
                    new_passed=outcome.passed,
                    at=now,
                )
            )
    AttemptEvent.objects.bulk_create(events)
    ModelLogEntry.objects.bulk_create(entries)
    RegradeChange.objects.bulk_create(records, ignore_conflicts=True)


def _blocking_update(pairs: set[tuple[int, int]]) -> None:
    """Re-derive the pre-appointment "不得任用" mark where a regrade changed a sitting."""
    for session_id, user_id in sorted(pairs):
        rows = list(
            Attempt.objects.filter(session_id=session_id, user_id=user_id)
            .order_by("number")
            .values_list("pk", "passed", "status", "blocking")
        )
        marks = _blocking([(pk, passed, status) for pk, passed, status, _b in rows])
        for pk, _passed, _status, blocking in rows:
            if pk in marks and marks[pk] != blocking:
                Attempt.objects.filter(pk=pk).update(blocking=marks[pk])


def regrade_result_changes(regrade_id: int) -> tuple[data.ResultChange, ...]:
    """Every result the regrade changed (its first change of each attempt)."""
    rows = RegradeChange.objects.filter(regrade_id=regrade_id).select_related("attempt__session")
    return tuple(
        data.ResultChange(
            attempt_id=r.attempt_id,
            user_id=r.attempt.user_id,
            session_id=r.attempt.session_id,
            session_kind=r.attempt.session.kind,
            finished_at=r.attempt.finished_at,
            old_score=r.old_score,
            new_score=r.new_score,
            old_passed=r.old_passed,
            new_passed=r.new_passed,
        )
        for r in rows.order_by("attempt_id")
    )


def _after_commit(regrade_id: int) -> None:
    regrade = Regrade.objects.get(pk=regrade_id)
    event = data.Regrade(
        id=regrade.pk,
        question_id=regrade.question_id,
        action=regrade.action,
        reason=regrade.reason,
        actor_id=regrade.actor_id,
        changes=regrade_result_changes(regrade.pk),
    )
    results_regraded.send(sender=Regrade, regrade=event)
    regrade_notify(regrade_id=regrade.pk)
