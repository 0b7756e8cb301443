"""An attempt's life as one transition table, in the style of the credentials.

    start ─▶ in progress ─┬─ submit / force-submit ─▶ submitted ─┐
                          ├─ expire (time out) ─────▶ expired ───┼─ void ─▶ voided
                          └─ void ───────────────────────────────┘
              submitted / expired ─ re-open (technical fault) ─▶ in progress
              in progress ─ extend ─▶ in progress (a later deadline)
              submitted / expired (待阅卷) ─ mark ─▶ submitted / expired (graded)

A paper with questions marked by people finishes "awaiting marking" (``marking_pending``):
finished, so nobody can change it, but with no score and no pass. ``mark`` (the last final
mark of its written answers) totals it and only then is ``attempt_graded`` sent.

Grading happens inside the transition that finishes an attempt (submit, expire, force-submit),
so a finished attempt is always a graded one. Every transition locks the attempt row
(``select_for_update``: the autosave statement takes a share lock on the same row, so no save
lands while an attempt is being finished, and none is acknowledged after it), checks
``TRANSITIONS``, changes nothing when refused, and writes an ``AttemptEvent`` and an audit-log
entry in the same transaction.

``actor`` is the candidate for start and submit, an exam administrator (checked against their
scope) for force-submit, void, re-open and extend, and ``None`` for the system (time-outs).
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Least
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.log_actions import log

from ..models import (
    Attempt,
    AttemptEvent,
    AttemptSlot,
    AttemptStatus,
    ExamKind,
    ExamSession,
    Mark,
    QuestionVersion,
    ScoringRule,
)
from ..session_selectors import people_in_scope, sessions_visible_to
from ..signals import attempt_graded
from .attempts import (
    PRE_APPOINTMENT_ATTEMPTS,
    AttemptError,
    attempt_refusal,
    candidate_for,
    grace,
    paper_draw_balanced,
)
from .scoring import attempt_grade, attempt_totals, scoring_rules, slot_rescore
from .wrong_book import attempt_book

Action = AttemptEvent.Action
S = AttemptStatus

# action -> (statuses it may start from, status it leads to)
TRANSITIONS: dict[str, tuple[frozenset[str], str | None]] = {
    Action.SUBMIT: (frozenset({S.IN_PROGRESS}), S.SUBMITTED),
    Action.EXPIRE: (frozenset({S.IN_PROGRESS}), S.EXPIRED),
    Action.FORCE_SUBMIT: (frozenset({S.IN_PROGRESS}), S.SUBMITTED),
    Action.VOID: (frozenset({S.IN_PROGRESS, S.SUBMITTED, S.EXPIRED}), S.VOIDED),
    Action.REOPEN: (frozenset({S.SUBMITTED, S.EXPIRED}), S.IN_PROGRESS),
    Action.EXTEND: (frozenset({S.IN_PROGRESS}), S.IN_PROGRESS),
    # The status stays (submitted or expired): ``None`` as the target means "unchanged".
    Action.MARK: (frozenset({S.SUBMITTED, S.EXPIRED}), None),
}
# The transitions that finish (and grade) an attempt.
FINISHING = frozenset({Action.SUBMIT, Action.EXPIRE, Action.FORCE_SUBMIT})

ERR_INVALID_TRANSITION = _("答卷当前状态为“%(status)s”，不能%(action)s。")
ERR_REASON_REQUIRED = _("请填写理由。")
ERR_LEGAL_BASIS_REQUIRED = _("请填写作废成绩的依据（如考场纪律的条款）。")
ERR_OUT_OF_SCOPE = _("该考生不在您管理的考试或单位范围内。")
ERR_MINUTES = _("延长时间应为 1 至 600 分钟。")
ERR_PAST_CLOSE = _("考试已于 %(close)s 截止；如确需延长，请同时勾选“同时推迟考试截止时间”。")
ERR_REOPEN_PASSED = _("该答卷已合格，不需要重新开放。")
ERR_REOPEN_BUSY = _("该考生在本场考试中已有一份正在作答的答卷。")

MAX_EXTENSION_MINUTES = 600


class InvalidTransition(AttemptError):
    """The table does not allow this action from the attempt's current status."""


def _require(text: str, message) -> str:
    text = (text or "").strip()
    if not text:
        raise AttemptError(message)
    return text


def _require_minutes(minutes: int) -> int:
    if not isinstance(minutes, int) or not 1 <= minutes <= MAX_EXTENSION_MINUTES:
        raise AttemptError(ERR_MINUTES)
    return minutes


def attempt_in_scope(actor, attempt: Attempt) -> bool:
    """An exam administrator acts on attempts of sessions they manage, of people they see."""
    return (
        sessions_visible_to(actor).filter(pk=attempt.session_id).exists()
        and people_in_scope(actor).filter(pk=attempt.user_id).exists()
    )


def _apply(
    *,
    attempt_id: int,
    action: str | Callable[[Attempt, datetime], str | None],
    actor,
    now: datetime | None,
    staff: bool,
    reason: str = "",
    legal_basis: str = "",
    change: Callable[[Attempt, datetime], dict] | None = None,
    candidate=None,
) -> Attempt:
    """Lock, check the table and the actor's right, change, record (call inside atomic).

    ``action`` may be a function of the locked attempt and the time (None: nothing to do, the
    attempt is returned as it is). ``change(attempt, now)`` alters the locked attempt and
    returns what to record; it may raise to refuse. Without ``now`` the time is taken once the
    lock is held: a finished attempt's time is then after every save that landed in it.
    """
    attempts = Attempt.objects.select_for_update().select_related("session__blueprint")
    if candidate is not None:
        attempts = attempts.filter(user=candidate)
    attempt = attempts.get(pk=attempt_id)
    now = now or timezone.now()
    if staff and not attempt_in_scope(actor, attempt):
        raise PermissionDenied(ERR_OUT_OF_SCOPE)
    if callable(action):
        action = action(attempt, now)
        if action is None:
            return attempt
    allowed, target = TRANSITIONS[action]
    if attempt.status not in allowed:
        raise InvalidTransition(
            ERR_INVALID_TRANSITION
            % {"status": attempt.get_status_display(), "action": Action(action).label}
        )
    before = attempt.status
    target = before if target is None else target
    data = change(attempt, now) if change else {}
    attempt.status = target
    # The foreign keys come from the locked row itself and the constraints are the database's:
    # checking them again would cost queries on the submit path.
    attempt.full_clean(exclude=["session", "user"], validate_constraints=False)
    attempt.save()
    AttemptEvent.objects.create(
        attempt=attempt,
        action=action,
        from_status=before,
        to_status=target,
        actor=actor,
        reason=reason,
        legal_basis=legal_basis,
        at=now,
        data=data,
    )
    log(
        instance=attempt,
        action=f"exams.attempt.{action}",
        user=actor,
        data={
            "before": before,
            "after": target,
            "reason": reason,
            "legal_basis": legal_basis,
            **data,
        },
    )
    # Only a final result is announced: not a paper still awaiting marking.
    final = action in (Action.VOID, Action.MARK) or (
        action in FINISHING and not attempt.marking_pending
    )
    if final:
        transaction.on_commit(lambda: attempt_graded.send(sender=Attempt, attempt=attempt))
        if action != Action.VOID:
            # A graded mock (or a paper whose review is out) feeds the wrong-answer book in
            # the same transaction; no query for an exam whose review is not out.
            attempt_book(attempt=attempt, now=now)
    return attempt


# --- Start -----------------------------------------------------------------------------------


def _two_places(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(str(round(value, 2)))


def attempt_start(*, session: ExamSession, user, now: datetime | None = None) -> Attempt:
    """Start (or resume) the candidate's attempt. At most one is ever in progress: a second,
    simultaneous start meets the database constraint and returns the first one."""
    now = now or timezone.now()
    current = Attempt.objects.filter(
        session=session, user=user, status=AttemptStatus.IN_PROGRESS
    ).first()
    if current is not None:
        if current.deadline + grace() > now:
            return current
        attempt_finalize(attempt=current, now=now)
    refusal = attempt_refusal(session, user, now=now)
    if refusal:
        raise AttemptError(refusal)
    candidate = candidate_for(session, user)
    extra = timedelta(minutes=candidate.extra_minutes if candidate else 0)
    deadline = min(now + timedelta(minutes=session.duration_minutes) + extra, session.closes_at)
    seed = secrets.randbits(62)
    paper = paper_draw_balanced(session.blueprint, random.Random(seed))
    slots = paper.slots
    number = Attempt.objects.filter(session=session, user=user).count() + 1
    try:
        with transaction.atomic():
            attempt = Attempt.objects.create(
                session=session,
                user=user,
                number=number,
                seed=seed,
                started_at=now,
                deadline=deadline,
                expected_score=_two_places(paper.expected_score),
            )
            AttemptSlot.objects.bulk_create(
                AttemptSlot(
                    attempt=attempt,
                    position=i,
                    section=s.section,
                    question_version_id=s.version_id,
                    option_order=s.option_order,
                    option_count=s.option_count,
                    multiple=s.multiple,
                    points=s.points,
                    hand_marked=s.hand_marked,
                )
                for i, s in enumerate(slots, start=1)
            )
            QuestionVersion.objects.filter(
                pk__in=[s.version_id for s in slots], locked=False
            ).update(locked=True)
            data = {"deadline": deadline.isoformat(), "questions": len(slots), "seed": seed}
            if paper.expected_score is not None:
                data["paper"] = {
                    "expected_score": round(paper.expected_score, 2),
                    "target": round(paper.target, 2),
                    "balanced": paper.balanced,
                    "within_band": paper.within_band,
                    "swaps": paper.swaps,
                }
            AttemptEvent.objects.create(
                attempt=attempt,
                action=Action.START,
                to_status=AttemptStatus.IN_PROGRESS,
                actor=user,
                at=now,
                data=data,
            )
            log(instance=attempt, action="exams.attempt.start", user=user, data=data)
    except IntegrityError:
        # Another request of the same candidate started an attempt at the same moment.
        return Attempt.objects.get(session=session, user=user, status=AttemptStatus.IN_PROGRESS)
    return attempt


# --- Grading ---------------------------------------------------------------------------------


def _failed_before(attempt: Attempt) -> int:
    """The candidate's other finished sittings of this session that did not pass (voided
    ones included: a voided pre-appointment sitting counts as a failed one)."""
    return (
        Attempt.objects.filter(session=attempt.session, user=attempt.user, passed=False)
        .exclude(pk=attempt.pk)
        .exclude(status=AttemptStatus.IN_PROGRESS)
        .count()
    )


def _grade(attempt: Attempt) -> None:
    """Score every slot and total the paper (``scoring``); the blocking mark follows."""
    attempt_grade(attempt)
    attempt.blocking = _blocks(attempt)


def _blocks(attempt: Attempt) -> bool:
    """A pre-appointment candidate's second failed sitting records 不得任用 (decided when
    the result is final, not while the paper awaits marking)."""
    if attempt.session.kind != ExamKind.PRE_APPOINTMENT or attempt.passed is not False:
        return False
    return _failed_before(attempt) + 1 >= PRE_APPOINTMENT_ATTEMPTS


def _finish(attempt: Attempt, now: datetime) -> dict:
    """Grade and close: a time-out ends at the deadline plus the grace at the latest."""
    _grade(attempt)
    expired = now > attempt.deadline + grace()
    attempt.finished_at = min(now, attempt.deadline + grace()) if expired else now
    return {
        "score": str(attempt.score),
        "passed": attempt.passed,
        "blocking": attempt.blocking,
        "marking_pending": attempt.marking_pending,
    }


# --- Submit, time out, force-submit ----------------------------------------------------------


@transaction.atomic
def attempt_submit(*, attempt_id: int, user, now: datetime | None = None) -> Attempt:
    """The candidate hands in. Idempotent: submitting again returns the same result."""

    def action(attempt: Attempt, now: datetime) -> str | None:
        if attempt.is_finished:
            return None
        return Action.EXPIRE if now > attempt.deadline + grace() else Action.SUBMIT

    return _apply(
        attempt_id=attempt_id,
        action=action,
        actor=user,
        now=now,
        staff=False,
        candidate=user,
        change=_finish,
    )


@transaction.atomic
def attempt_finalize(*, attempt: Attempt, now: datetime | None = None) -> Attempt:
    """Finalise an attempt whose time ran out, with the answers that were saved."""

    def action(locked: Attempt, now: datetime) -> str | None:
        if locked.is_finished or now <= locked.deadline + grace():
            return None
        return Action.EXPIRE

    return _apply(
        attempt_id=attempt.pk, action=action, actor=None, now=now, staff=False, change=_finish
    )


def attempts_close_overdue(*, now: datetime | None = None) -> int:
    """Finalise every attempt past its deadline and grace; returns how many were finalised."""
    now = now or timezone.now()
    overdue = Attempt.objects.filter(
        status=AttemptStatus.IN_PROGRESS, deadline__lt=now - grace()
    ).values_list("pk", flat=True)
    count = 0
    for pk in list(overdue):
        attempt = attempt_finalize(attempt=Attempt(pk=pk), now=now)
        count += attempt.status == AttemptStatus.EXPIRED
    return count


@transaction.atomic
def attempt_force_submit(
    *, attempt_id: int, actor, reason: str, now: datetime | None = None
) -> Attempt:
    """An administrator hands in a running attempt (a candidate who left, an incident)."""
    return _apply(
        attempt_id=attempt_id,
        action=Action.FORCE_SUBMIT,
        actor=actor,
        now=now,
        staff=True,
        reason=_require(reason, ERR_REASON_REQUIRED),
        change=_finish,
    )


# --- Marking complete ------------------------------------------------------------------------

ERR_NOT_AWAITING_MARKING = _("该答卷不在待阅卷状态。")
ERR_MARKS_MISSING = _("该答卷还有未评定的主观题。")


def attempt_marking_complete(*, attempt_id: int, actor) -> Attempt:
    """The last written answer of a paper has its final mark: total the paper through
    ``scoring.attempt_totals`` (machine and human parts together) and announce the result.

    Call inside the marking transaction; the marker's right was checked by the caller."""

    def change(attempt: Attempt, now: datetime) -> dict:
        if not attempt.marking_pending:
            raise InvalidTransition(ERR_NOT_AWAITING_MARKING)
        slots = list(attempt.slots.select_related("question_version__question__topic"))
        if any(s.hand_marked and (s.mark_round or s.earned is None) for s in slots):
            raise AttemptError(ERR_MARKS_MISSING)
        # A remedy confirmed while the paper waited for its markers (a regrade leaves papers
        # awaiting marking alone) applies to its machine-scored answers now.
        rules = scoring_rules(
            session_id=attempt.session_id,
            question_ids=[s.question_version.question_id for s in slots],
        )
        partial = attempt.session.scoring == ScoringRule.PARTIAL
        rescored = []
        for slot in slots:
            if not slot.hand_marked:
                earned = slot_rescore(slot, partial=partial, rules=rules)
                if earned != slot.earned:
                    slot.earned = earned
                    rescored.append(slot)
        if rescored:
            AttemptSlot.objects.bulk_update(rescored, ["earned"])
        attempt_totals(attempt, slots, list(attempt.session.blueprint.sections.all()), rules=rules)
        attempt.marking_pending = False
        attempt.blocking = _blocks(attempt)
        return {"score": str(attempt.score), "passed": attempt.passed, "blocking": attempt.blocking}

    return _apply(
        attempt_id=attempt_id, action=Action.MARK, actor=actor, now=None, staff=False, change=change
    )


# --- Void and re-open ------------------------------------------------------------------------


@transaction.atomic
def attempt_void(
    *, attempt_id: int, actor, reason: str, legal_basis: str, now: datetime | None = None
) -> Attempt:
    """Cheating voids the score: the attempt keeps its answers and the score it had (for the
    record) but counts as not passed; a voided pre-appointment sitting is a failed sitting."""
    reason = _require(reason, ERR_REASON_REQUIRED)
    legal_basis = _require(legal_basis, ERR_LEGAL_BASIS_REQUIRED)

    def change(attempt: Attempt, now: datetime) -> dict:
        before = {"score": str(attempt.score), "passed": attempt.passed}
        if attempt.status == AttemptStatus.IN_PROGRESS:
            _grade(attempt)
            attempt.finished_at = now
        attempt.marking_pending = False  # voided: the result is final, nothing left to mark
        AttemptSlot.objects.filter(attempt=attempt, mark_round__gt=0).update(mark_round=0)
        attempt.passed = False
        attempt.blocking = _blocks(attempt)
        return {"before_result": before, "score": str(attempt.score), "blocking": attempt.blocking}

    return _apply(
        attempt_id=attempt_id,
        action=Action.VOID,
        actor=actor,
        now=now,
        staff=True,
        reason=reason,
        legal_basis=legal_basis,
        change=change,
    )


def _new_deadline(
    attempt: Attempt, wanted: datetime, *, extend_close: bool, actor, reason: str, now: datetime
) -> datetime:
    """``wanted``, within the session's close unless the administrator also moves the close."""
    session = attempt.session
    if wanted <= session.closes_at:
        return wanted
    if not extend_close:
        if attempt.deadline >= session.closes_at or now >= session.closes_at:
            raise AttemptError(
                ERR_PAST_CLOSE
                % {"close": timezone.localtime(session.closes_at).strftime("%Y-%m-%d %H:%M")}
            )
        return session.closes_at
    _session_close_move(session, wanted, actor=actor, reason=reason)
    return wanted


def _session_close_move(session: ExamSession, until: datetime, *, actor, reason: str) -> None:
    before = session.closes_at
    ExamSession.objects.filter(pk=session.pk).update(closes_at=until)
    session.closes_at = until
    log(
        instance=session,
        action="exams.session.extend_close",
        user=actor,
        data={"before": before.isoformat(), "after": until.isoformat(), "reason": reason},
    )


@transaction.atomic
def attempt_reopen(
    *,
    attempt_id: int,
    actor,
    minutes: int,
    reason: str,
    extend_close: bool = False,
    now: datetime | None = None,
) -> Attempt:
    """After a technical fault: the candidate may go on with the answers saved, for
    ``minutes`` from now. The grade is cleared and made again when the attempt finishes."""
    now = now or timezone.now()
    minutes = _require_minutes(minutes)
    reason = _require(reason, ERR_REASON_REQUIRED)

    def change(attempt: Attempt, now: datetime) -> dict:
        if attempt.passed:
            raise AttemptError(ERR_REOPEN_PASSED)
        if (
            Attempt.objects.filter(
                session=attempt.session, user=attempt.user, status=AttemptStatus.IN_PROGRESS
            )
            .exclude(pk=attempt.pk)
            .exists()
        ):
            raise AttemptError(ERR_REOPEN_BUSY)
        before = {
            "deadline": attempt.deadline.isoformat(),
            "finished_at": attempt.finished_at.isoformat() if attempt.finished_at else None,
            "score": str(attempt.score),
            "passed": attempt.passed,
        }
        attempt.deadline = _new_deadline(
            attempt,
            now + timedelta(minutes=minutes),
            extend_close=extend_close,
            actor=actor,
            reason=reason,
            now=now,
        )
        attempt.finished_at = None
        attempt.score = None
        attempt.passed = None
        attempt.blocking = False
        attempt.breakdown = {}
        attempt.marking_pending = False
        attempt.slots.update(earned=None, mark_round=0)
        # The answers may change again: marks given so far no longer apply (they stay in the
        # audit log with their scores and comments).
        Mark.objects.filter(slot__attempt=attempt).delete()
        return {"before_result": before, "deadline": attempt.deadline.isoformat()}

    return _apply(
        attempt_id=attempt_id,
        action=Action.REOPEN,
        actor=actor,
        now=now,
        staff=True,
        reason=reason,
        change=change,
    )


# --- Extra time ------------------------------------------------------------------------------


@transaction.atomic
def attempt_extend(
    *,
    attempt_id: int,
    actor,
    minutes: int,
    reason: str,
    extend_close: bool = False,
    now: datetime | None = None,
) -> Attempt:
    """Move a running attempt's deadline by ``minutes`` (never past the session's close unless
    ``extend_close``). The page learns the new time from its next save or heartbeat."""
    now = now or timezone.now()
    minutes = _require_minutes(minutes)
    reason = _require(reason, ERR_REASON_REQUIRED)

    def change(attempt: Attempt, now: datetime) -> dict:
        before = attempt.deadline
        attempt.deadline = _new_deadline(
            attempt,
            attempt.deadline + timedelta(minutes=minutes),
            extend_close=extend_close,
            actor=actor,
            reason=reason,
            now=now,
        )
        return {
            "minutes": minutes,
            "deadline_before": before.isoformat(),
            "deadline": attempt.deadline.isoformat(),
        }

    return _apply(
        attempt_id=attempt_id,
        action=Action.EXTEND,
        actor=actor,
        now=now,
        staff=actor is not None,
        reason=reason,
        change=change,
    )


@transaction.atomic
def session_extend(
    *,
    session: ExamSession,
    actor,
    minutes: int,
    reason: str,
    extend_close: bool = False,
    now: datetime | None = None,
) -> int:
    """After an incident: every running attempt of the actor's people in this session gets
    ``minutes`` more (within the close, or with it). Returns how many attempts moved.

    One UPDATE for the deadlines and one INSERT for their events, however many candidates."""
    now = now or timezone.now()
    minutes = _require_minutes(minutes)
    reason = _require(reason, ERR_REASON_REQUIRED)
    if not sessions_visible_to(actor).filter(pk=session.pk).exists():
        raise PermissionDenied(ERR_OUT_OF_SCOPE)
    session = ExamSession.objects.select_for_update().get(pk=session.pk)
    delta = timedelta(minutes=minutes)
    running = Attempt.objects.select_for_update().filter(
        session=session,
        status=AttemptStatus.IN_PROGRESS,
        user__in=people_in_scope(actor).values("pk"),
    )
    rows = list(running.values_list("pk", "deadline"))
    if not rows:
        return 0
    latest = max(deadline for _pk, deadline in rows) + delta
    if extend_close and latest > session.closes_at:
        _session_close_move(session, latest, actor=actor, reason=reason)
    elif all(deadline >= session.closes_at for _pk, deadline in rows):
        raise AttemptError(
            ERR_PAST_CLOSE
            % {"close": timezone.localtime(session.closes_at).strftime("%Y-%m-%d %H:%M")}
        )
    Attempt.objects.filter(pk__in=[pk for pk, _d in rows]).update(
        deadline=Least(F("deadline") + delta, session.closes_at)
    )
    moved = dict(
        Attempt.objects.filter(pk__in=[pk for pk, _d in rows]).values_list("pk", "deadline")
    )
    AttemptEvent.objects.bulk_create(
        AttemptEvent(
            attempt_id=pk,
            action=Action.EXTEND,
            from_status=AttemptStatus.IN_PROGRESS,
            to_status=AttemptStatus.IN_PROGRESS,
            actor=actor,
            reason=reason,
            at=now,
            data={
                "minutes": minutes,
                "deadline_before": before.isoformat(),
                "deadline": moved[pk].isoformat(),
                "session_wide": True,
            },
        )
        for pk, before in rows
    )
    log(
        instance=session,
        action="exams.session.extend",
        user=actor,
        data={"minutes": minutes, "attempts": len(rows), "reason": reason},
    )
    return len(rows)
