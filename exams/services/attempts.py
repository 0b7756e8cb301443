"""Sitting an exam: start (draw the paper), save answers, submit, finalise overdue attempts.

Time is the server's: the deadline is fixed when the attempt starts and never moves past the
session's close. Every state change of an attempt runs in a transaction and is audited.
"""

import random
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from wagtail.log_actions import log

from ..grading import percentage, slot_score
from ..models import (
    Attempt,
    AttemptSlot,
    AttemptStatus,
    Blueprint,
    Candidate,
    ExamKind,
    ExamSession,
    QuestionKind,
    QuestionStatus,
    QuestionVersion,
    ScoringRule,
)
from ..signals import attempt_graded
from ..tokens import AttemptToken

ERR_NOT_OPEN = "考试尚未开始。"
ERR_CLOSED = "考试已经结束。"
ERR_NOT_ELIGIBLE = "您不在本场考试的考生范围内。"
ERR_NO_ATTEMPTS_LEFT = "您的考试次数已用完。"
ERR_ALREADY_PASSED = "您已通过本场考试，无需再考。"
ERR_BLOCKED = "任前考试补考仍不合格，已记录为不得任用，不能再次参加本场考试。"
ERR_SHORTFALL = "题库中符合条件的试题不足，无法组卷：{details}。"
ERR_FINISHED = "本次考试已交卷，不能再修改答案。"
ERR_BAD_OPTIONS = "所选选项不属于这道题。"
ERR_NO_SLOT = "没有这道题。"

# A pre-appointment nomination allows one sitting and one re-sit (DESIGN §3).
PRE_APPOINTMENT_ATTEMPTS = 2


class AttemptError(Exception):
    """A candidate action that the rules refuse; the message is shown as it is."""


@dataclass(frozen=True)
class SectionSupply:
    title: str
    needed: int
    available: int

    @property
    def shortfall(self) -> int:
        return max(0, self.needed - self.available)


def _section_pool(section):
    topic_q = Q()
    for topic in section.topics.all():
        topic_q |= Q(topic__path__startswith=topic.path)
    from ..models import Question

    return Question.objects.filter(
        topic_q,
        status=QuestionStatus.ACTIVE,
        current_version__kind=section.kind,
        current_version__difficulty__gte=section.difficulty_min,
        current_version__difficulty__lte=section.difficulty_max,
    )


def blueprint_supply(blueprint: Blueprint) -> list[SectionSupply]:
    """For each section: how many active questions match, against how many are needed."""
    return [
        SectionSupply(s.title, s.count, _section_pool(s).count())
        for s in blueprint.sections.prefetch_related("topics")
    ]


@dataclass(frozen=True)
class DrawnSlot:
    section: int
    version_id: int
    option_order: list[int]
    option_count: int
    multiple: bool
    points: Decimal


def paper_draw(blueprint: Blueprint, rng: random.Random) -> list[DrawnSlot]:
    """Draw one paper: per section, ``count`` distinct active questions, options shuffled."""
    used: set[int] = set()
    picked: list[tuple[int, int, Decimal]] = []  # (section, version id, points)
    shortfalls = []
    for index, section in enumerate(blueprint.sections.prefetch_related("topics")):
        pool = [
            v
            for v in _section_pool(section)
            .order_by("pk")
            .values_list("current_version_id", flat=True)
            if v not in used
        ]
        if len(pool) < section.count:
            shortfalls.append(f"{section.title} 需要 {section.count} 道、只有 {len(pool)} 道")
            continue
        chosen = rng.sample(pool, section.count)
        used.update(chosen)
        picked.extend((index, v, section.points) for v in chosen)
    if shortfalls:
        raise AttemptError(ERR_SHORTFALL.format(details="；".join(shortfalls)))
    versions = {
        v.pk: v
        for v in QuestionVersion.objects.filter(pk__in=[p[1] for p in picked]).only(
            "pk", "kind", "options"
        )
    }
    slots = []
    for section, version_id, points in picked:
        version = versions[version_id]
        order = [o["id"] for o in version.options]
        if version.kind != QuestionKind.TRUE_FALSE:
            rng.shuffle(order)
        slots.append(
            DrawnSlot(
                section,
                version_id,
                order,
                len(order),
                version.kind == QuestionKind.MULTIPLE,
                points,
            )
        )
    return slots


# --- Eligibility -----------------------------------------------------------------------------


def candidate_for(session: ExamSession, user) -> Candidate | None:
    return Candidate.objects.filter(session=session, user=user).first()


def is_eligible(session: ExamSession, user, candidate: Candidate | None = None) -> bool:
    """On the candidate list, or matching the session's rule (unit subtree × flags)."""
    if not user.is_active:
        return False
    if candidate is not None and candidate.listed:
        return True
    unit = session.eligible_unit
    if unit is None or user.org_unit is None or not user.org_unit.path.startswith(unit.path):
        return False
    if session.only_leading_cadres and not user.is_leading_cadre:
        return False
    if session.only_enforcement_officers and not user.is_enforcement_officer:
        return False
    return True


def attempts_allowed(session: ExamSession, candidate: Candidate | None) -> int:
    extra = candidate.extra_attempts if candidate else 0
    if session.kind == ExamKind.PRE_APPOINTMENT:
        return PRE_APPOINTMENT_ATTEMPTS + extra
    return session.attempts_allowed + extra


def attempt_refusal(session: ExamSession, user, *, now: datetime) -> str | None:
    """Why this person may not start an attempt now (None: they may)."""
    finished = list(
        Attempt.objects.filter(session=session, user=user)
        .exclude(status=AttemptStatus.IN_PROGRESS)
        .only("passed", "blocking")
    )
    return refusal_for(
        session, user, candidate=candidate_for(session, user), finished=finished, now=now
    )


def refusal_for(
    session: ExamSession,
    user,
    *,
    candidate: Candidate | None,
    finished: list[Attempt],
    now: datetime,
) -> str | None:
    """The start rules, from rows the caller already has (lists of many sessions use it too)."""
    if now < session.opens_at:
        return ERR_NOT_OPEN
    if now >= session.closes_at:
        return ERR_CLOSED
    if not is_eligible(session, user, candidate):
        return ERR_NOT_ELIGIBLE
    if any(a.blocking for a in finished):
        return ERR_BLOCKED
    if session.kind != ExamKind.MOCK and any(a.passed for a in finished):
        return ERR_ALREADY_PASSED
    if len(finished) >= attempts_allowed(session, candidate):
        return ERR_NO_ATTEMPTS_LEFT
    return None


# --- Start -----------------------------------------------------------------------------------


def _grace() -> timedelta:
    return timedelta(seconds=settings.EXAM_NETWORK_GRACE_SECONDS)


def attempt_start(*, session: ExamSession, user, now: datetime | None = None) -> Attempt:
    """Start (or resume) the candidate's attempt. At most one is ever in progress: a second,
    simultaneous start meets the database constraint and returns the first one."""
    now = now or timezone.now()
    current = Attempt.objects.filter(
        session=session, user=user, status=AttemptStatus.IN_PROGRESS
    ).first()
    if current is not None:
        if current.deadline + _grace() > now:
            return current
        attempt_finalize(attempt=current, now=now)
    refusal = attempt_refusal(session, user, now=now)
    if refusal:
        raise AttemptError(refusal)
    candidate = candidate_for(session, user)
    extra = timedelta(minutes=candidate.extra_minutes if candidate else 0)
    deadline = min(now + timedelta(minutes=session.duration_minutes) + extra, session.closes_at)
    seed = secrets.randbits(62)
    slots = paper_draw(session.blueprint, random.Random(seed))
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
                )
                for i, s in enumerate(slots, start=1)
            )
            QuestionVersion.objects.filter(
                pk__in=[s.version_id for s in slots], locked=False
            ).update(locked=True)
            log(
                instance=attempt,
                action="exams.attempt.start",
                user=user,
                data={"deadline": deadline.isoformat(), "questions": len(slots), "seed": seed},
            )
    except IntegrityError:
        # Another request of the same candidate started an attempt at the same moment.
        return Attempt.objects.get(session=session, user=user, status=AttemptStatus.IN_PROGRESS)
    return attempt


# --- Save ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SaveResult:
    position: int
    seq: int
    stale: bool
    remaining_seconds: int


def _slot_update(
    *, token: AttemptToken, position: int, choice: list[int], seq: int, saved_at: datetime
) -> int:
    """The save's one UPDATE, written out: on the hottest path, building the same statement
    with the ORM (the join to the attempt turned into ``id IN (subquery)``) cost more CPU than
    the database spent running it. Values go through the fields' own conversion, so it runs
    on PostgreSQL and SQLite alike. Returns the number of rows written (0 or 1)."""
    q = connection.ops.quote_name
    slot, attempt = AttemptSlot._meta, Attempt._meta
    col = {
        name: q(slot.get_field(name).column)
        for name in (
            "selected",
            "seq",
            "saved_at",
            "attempt",
            "position",
            "option_count",
            "multiple",
        )
    }
    sql = (
        f"UPDATE {q(slot.db_table)} SET {col['selected']} = %s, {col['seq']} = %s, "
        f"{col['saved_at']} = %s WHERE {col['attempt']} = %s AND {col['position']} = %s "
        f"AND {col['seq']} < %s AND {col['option_count']} >= %s"
    )
    params = [
        slot.get_field("selected").get_db_prep_save(choice, connection),
        seq,
        slot.get_field("saved_at").get_db_prep_save(saved_at, connection),
        token.attempt_id,
        position,
        seq,
        choice[-1] if choice else 0,
    ]
    if len(choice) > 1:
        sql += f" AND {col['multiple']} = %s"
        params.append(True)
    sql += (
        f" AND EXISTS (SELECT 1 FROM {q(attempt.db_table)} WHERE {q(attempt.pk.column)} = %s"
        f" AND {q(attempt.get_field('status').column)} = %s"
        f" AND {q(attempt.get_field('user').column)} = %s)"
    )
    params += [token.attempt_id, AttemptStatus.IN_PROGRESS.value, token.user_id]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def answer_save(
    *, token: AttemptToken, position: int, selected: list[int], seq: int, now: float
) -> SaveResult:
    """Save one answer, trusting the signed token for who and until when.

    One UPDATE does the checks and the write: the slot must belong to the token's attempt and
    candidate, the attempt must be in progress, the options must exist in the slot, and the
    sequence number must be newer than the saved one (a late, older request never overwrites a
    newer answer). Only when nothing was updated does a second query find out why.
    """
    choice = sorted(set(selected))
    if any(not isinstance(i, int) or isinstance(i, bool) or i < 1 for i in choice):
        raise AttemptError(ERR_BAD_OPTIONS)
    saved_at = datetime.fromtimestamp(now, tz=timezone.get_current_timezone())
    if _slot_update(token=token, position=position, choice=choice, seq=seq, saved_at=saved_at):
        return SaveResult(position, seq, False, token.remaining_seconds(now))
    row = (
        AttemptSlot.objects.filter(
            attempt_id=token.attempt_id, position=position, attempt__user_id=token.user_id
        )
        .values("seq", "option_count", "multiple", "attempt__status")
        .first()
    )
    if row is None:
        raise AttemptError(ERR_NO_SLOT)
    if row["attempt__status"] != AttemptStatus.IN_PROGRESS:
        raise AttemptError(ERR_FINISHED)
    if row["seq"] >= seq:
        return SaveResult(position, row["seq"], True, token.remaining_seconds(now))
    raise AttemptError(ERR_BAD_OPTIONS)


@transaction.atomic
def slot_flag(*, attempt: Attempt, position: int, flagged: bool) -> None:
    """Mark a question for later (the palette shows it); not part of the answer."""
    AttemptSlot.objects.filter(
        attempt=attempt, position=position, attempt__status=AttemptStatus.IN_PROGRESS
    ).update(flagged=flagged)


# --- Submit and grade ------------------------------------------------------------------------


def _grade(attempt: Attempt) -> None:
    session = attempt.session
    partial = session.scoring == ScoringRule.PARTIAL
    slots = list(attempt.slots.select_related("question_version__question__topic"))
    sections = list(session.blueprint.sections.all())
    earned_total = possible_total = Decimal("0")
    topics: dict[str, dict[str, Decimal]] = {}
    by_section: dict[int, dict[str, Decimal]] = {}
    for slot in slots:
        version = slot.question_version
        slot.earned = slot_score(
            selected=slot.selected,
            correct=version.correct_ids,
            multiple=slot.multiple,
            partial=partial,
            points=slot.points,
        )
        earned_total += slot.earned
        possible_total += slot.points
        topic = topics.setdefault(
            version.question.topic.name, {"earned": Decimal(0), "possible": Decimal(0)}
        )
        topic["earned"] += slot.earned
        topic["possible"] += slot.points
        section = by_section.setdefault(
            slot.section, {"earned": Decimal(0), "possible": Decimal(0)}
        )
        section["earned"] += slot.earned
        section["possible"] += slot.points
    AttemptSlot.objects.bulk_update(slots, ["earned"])
    attempt.score = percentage(earned_total, possible_total)
    sections_passed = all(
        sections[i].min_score is None or totals["earned"] >= sections[i].min_score
        for i, totals in by_section.items()
        if i < len(sections)
    )
    attempt.passed = attempt.score >= session.pass_mark and sections_passed
    attempt.breakdown = {
        "earned": str(earned_total),
        "possible": str(possible_total),
        "topics": {name: {k: str(v) for k, v in t.items()} for name, t in topics.items()},
        "sections": [
            {
                "title": sections[i].title if i < len(sections) else str(i),
                "earned": str(t["earned"]),
                "possible": str(t["possible"]),
                "min_score": str(sections[i].min_score)
                if i < len(sections) and sections[i].min_score is not None
                else None,
            }
            for i, t in sorted(by_section.items())
        ],
    }
    if session.kind == ExamKind.PRE_APPOINTMENT and not attempt.passed:
        failures = (
            Attempt.objects.filter(session=session, user=attempt.user, passed=False)
            .exclude(pk=attempt.pk)
            .count()
        )
        attempt.blocking = failures + 1 >= PRE_APPOINTMENT_ATTEMPTS


def _finish(attempt: Attempt, *, status: str, now: datetime, actor) -> Attempt:
    _grade(attempt)
    attempt.status = status
    attempt.finished_at = (
        min(now, attempt.deadline + _grace()) if status == AttemptStatus.EXPIRED else now
    )
    # The foreign keys come from the locked row itself and the constraints are the database's:
    # checking them again would cost four queries per submit.
    attempt.full_clean(exclude=["session", "user"], validate_constraints=False)
    attempt.save()
    log(
        instance=attempt,
        action="exams.attempt.submit"
        if status == AttemptStatus.SUBMITTED
        else "exams.attempt.expire",
        user=actor,
        data={
            "before": AttemptStatus.IN_PROGRESS,
            "after": status,
            "score": str(attempt.score),
            "passed": attempt.passed,
            "blocking": attempt.blocking,
        },
    )
    transaction.on_commit(lambda: attempt_graded.send(sender=Attempt, attempt=attempt))
    return attempt


@transaction.atomic
def attempt_submit(*, attempt_id: int, user, now: datetime | None = None) -> Attempt:
    """Hand in the attempt. Idempotent: submitting again returns the same result."""
    now = now or timezone.now()
    attempt = (
        Attempt.objects.select_for_update()
        .select_related("session__blueprint")
        .get(pk=attempt_id, user=user)
    )
    if attempt.is_finished:
        return attempt
    status = AttemptStatus.EXPIRED if now > attempt.deadline + _grace() else AttemptStatus.SUBMITTED
    return _finish(attempt, status=status, now=now, actor=user)


@transaction.atomic
def attempt_finalize(*, attempt: Attempt, now: datetime | None = None) -> Attempt:
    """Finalise an attempt whose time ran out, with the answers that were saved."""
    now = now or timezone.now()
    attempt = (
        Attempt.objects.select_for_update().select_related("session__blueprint").get(pk=attempt.pk)
    )
    if attempt.is_finished or now <= attempt.deadline + _grace():
        return attempt
    return _finish(attempt, status=AttemptStatus.EXPIRED, now=now, actor=None)


def attempts_close_overdue(*, now: datetime | None = None) -> int:
    """Finalise every attempt past its deadline and grace; returns how many were finalised."""
    now = now or timezone.now()
    overdue = Attempt.objects.filter(
        status=AttemptStatus.IN_PROGRESS, deadline__lt=now - _grace()
    ).values_list("pk", flat=True)
    count = 0
    for pk in list(overdue):
        attempt = attempt_finalize(attempt=Attempt(pk=pk), now=now)
        count += attempt.status == AttemptStatus.EXPIRED
    return count
