"""Sitting an exam: who may start, drawing the paper, saving answers, the page's heartbeat.

Time is the server's: the deadline is set when the attempt starts, moves only by extra time
an administrator gives (never past the session's close unless they move the close too), and
is checked by the save statement itself. The attempt's transitions (start, submit, time-out,
void, re-open, extend) are in ``transitions``.
"""

import logging
import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from ..balance import paper_pick
from ..balance_selectors import (
    blueprint_target,
    facilities_by_version,
    paper_pools,
    pool_facilities,
    section_pool,
)
from ..models import (
    MARKED_KINDS,
    Attempt,
    AttemptSlot,
    AttemptStatus,
    Blueprint,
    Candidate,
    ExamKind,
    ExamSession,
    QuestionKind,
    QuestionVersion,
    RefusedChange,
)
from ..tokens import AttemptToken

logger = logging.getLogger(__name__)

ERR_NOT_OPEN = _("考试尚未开始。")
ERR_CLOSED = _("考试已经结束。")
ERR_NOT_ELIGIBLE = _("您不在本场考试的考生范围内。")
ERR_NO_ATTEMPTS_LEFT = _("您的考试次数已用完。")
ERR_ALREADY_PASSED = _("您已通过本场考试，无需再考。")
ERR_BLOCKED = _("任前考试补考仍不合格，已记录为不得任用，不能再次参加本场考试。")
ERR_SHORTFALL = _("题库中符合条件的试题不足，无法组卷：%(details)s。")
SHORTFALL_SECTION = _("%(title)s 需要 %(needed)s 道、只有 %(available)s 道")
LIST_SEPARATOR = _("；")
ERR_FINISHED = _("本次考试已交卷，不能再修改答案。")
ERR_BAD_OPTIONS = _("所选选项不属于这道题。")
ERR_NO_SLOT = _("没有这道题。")
ERR_LATE = _("考试时间已到，这条修改在截止时间之后送达，未被接受。")
ERR_TEXT_TOO_LONG = _("答案过长：每题最多 10000 字，请删减后再保存。")
ERR_NOT_WRITTEN = _("这道题不是文字作答题。")

# A written answer's length limit, in characters (a case analysis runs to a page or two).
TEXT_MAX_LENGTH = 10_000

# A pre-appointment nomination allows one sitting and one re-sit (DESIGN §3).
PRE_APPOINTMENT_ATTEMPTS = 2


class AttemptError(Exception):
    """A candidate action that the rules refuse; the message is shown as it is."""


class AttemptClosed(AttemptError):
    """The attempt is no longer in progress, or its time (with the grace) is over."""


@dataclass(frozen=True)
class SectionSupply:
    title: str
    needed: int
    available: int

    @property
    def shortfall(self) -> int:
        return max(0, self.needed - self.available)


def _section_pool(section):
    return section_pool(section)


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
    hand_marked: bool = False


@dataclass(frozen=True)
class DrawnPaper:
    """A drawn paper and its balancing: expected score and target out of 100, whether it is
    within the band (False: the pool could not reach it; the closest paper was drawn)."""

    slots: list[DrawnSlot]
    expected_score: float | None
    target: float | None
    within_band: bool | None
    balanced: bool
    swaps: int


def paper_draw(
    blueprint: Blueprint, rng: random.Random, *, facilities: Mapping[int, float] | None = None
) -> list[DrawnSlot]:
    """Draw one paper: per section, ``count`` distinct active questions, options shuffled,
    balanced to the blueprint's target expected score (``paper_draw_balanced``)."""
    return paper_draw_balanced(blueprint, rng, facilities=facilities).slots


def paper_draw_balanced(
    blueprint: Blueprint, rng: random.Random, *, facilities: Mapping[int, float] | None = None
) -> DrawnPaper:
    """Draw one paper and say how balanced it is.

    With the blueprint's balancing on, ``facilities`` (question id -> facility, e.g.
    ``question_facilities`` computed once for an exam day) are used as given, the author's
    prior for questions missing from them; without them the pool's facilities come from
    ``pool_facilities`` (read once, then shared through the cache). With balancing off the
    paper is drawn as it always was, and its expected score is left to the papers page. The
    same seed, bank and facilities give the same paper: the random numbers are used in a fixed
    order, the questions per section, then the swaps (``exams.balance.paper_pick``), then each
    question's option order.
    """
    pools = paper_pools(blueprint)
    facility = None
    if blueprint.balance_papers:
        facility = (
            facilities_by_version(pools, facilities)
            if facilities is not None
            else pool_facilities(pools)
        )
    pick = paper_pick(
        pools.pools,
        rng,
        facility=facility,
        target=blueprint_target(blueprint, pools, facility) if facility is not None else None,
        band=float(settings.EXAM_BALANCE_BAND),
        max_swaps=settings.EXAM_BALANCE_MAX_SWAPS,
    )
    if pick.shortfalls:
        details = str(LIST_SEPARATOR).join(
            SHORTFALL_SECTION % {"title": title, "needed": needed, "available": available}
            for title, needed, available in pick.shortfalls
        )
        raise AttemptError(ERR_SHORTFALL % {"details": details})
    if pick.balanced and not pick.within_band:
        logger.warning(
            "blueprint %s: the pool cannot bring the paper within ±%s of %.2f (drew %.2f)",
            blueprint.pk,
            settings.EXAM_BALANCE_BAND,
            pick.target,
            pick.expected,
        )
    picked = [
        (index, v, pool.points)
        for index, (pool, chosen) in enumerate(zip(pools.pools, pick.chosen, strict=True))
        for v in chosen
    ]
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
                version.kind in MARKED_KINDS,
            )
        )
    return DrawnPaper(
        slots, pick.expected, pick.target, pick.within_band, pick.balanced, pick.swaps
    )


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


def grace() -> timedelta:
    """The network grace: requests already in flight at the deadline still land."""
    return timedelta(seconds=settings.EXAM_NETWORK_GRACE_SECONDS)


# --- Save ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SaveResult:
    position: int
    seq: int
    stale: bool
    remaining_seconds: int
    deadline: datetime | None = None  # the attempt's deadline as the database has it now
    selected: list[int] | None = None  # stale only: the answer the server has kept
    text: str | None = None  # stale only, for a written answer: the text the server has kept


def _as_datetime(value) -> datetime | None:
    """A datetime read back by a raw statement: SQLite gives naive UTC (as text or, through
    its declared type, a datetime), PostgreSQL an aware datetime."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if value is not None and timezone.is_naive(value):
        value = timezone.make_aware(value, UTC)
    return value


def _slot_update(
    *,
    token: AttemptToken,
    position: int,
    choice: list[int],
    seq: int,
    saved_at: datetime,
    not_before: datetime,
    text: str | None = None,
) -> datetime | None:
    """The save's one statement, written out: on the hottest path, building the same statement
    with the ORM (the join to the attempt turned into ``id IN (subquery)``) cost more CPU than
    the database spent running it. Values go through the fields' own conversion, so it runs
    on PostgreSQL and SQLite alike.

    It writes only when the attempt is in progress and its deadline (plus the grace) has not
    passed by the database's record — extra time counts at once — and, on PostgreSQL, takes a
    share lock on the attempt row that conflicts with the lock submit holds while grading: a
    save either lands before the grading reads the slots, or waits and finds the attempt
    finished. (SQLite runs write transactions one at a time: ``transaction_mode`` IMMEDIATE.)
    A change from the same page load must carry a newer sequence number; one from another
    page load (another device) wins by arrival. A written answer (``text`` given) is the same
    statement setting the text column instead, and only on a slot marked by people. Returns
    the attempt's deadline when the row was written, None when nothing was.
    """
    q = connection.ops.quote_name
    slot, attempt = AttemptSlot._meta, Attempt._meta
    col = {
        name: q(slot.get_field(name).column)
        for name in (
            "selected",
            "seq",
            "writer",
            "saved_at",
            "attempt",
            "position",
            "option_count",
            "multiple",
            "text",
            "hand_marked",
        )
    }
    a_table, a_pk = q(attempt.db_table), q(attempt.pk.column)
    a_deadline = q(attempt.get_field("deadline").column)
    answer_col = col["selected"] if text is None else col["text"]
    sql = (
        f"UPDATE {q(slot.db_table)} SET {answer_col} = %s, {col['seq']} = %s, "
        f"{col['writer']} = %s, {col['saved_at']} = %s "
        f"WHERE {col['attempt']} = %s AND {col['position']} = %s "
        f"AND ({col['seq']} < %s OR {col['writer']} <> %s) AND {col['option_count']} >= %s"
    )
    answer = (
        slot.get_field("selected").get_db_prep_save(choice, connection)
        if text is None
        else slot.get_field("text").get_db_prep_save(text, connection)
    )
    params = [
        answer,
        seq,
        token.writer,
        slot.get_field("saved_at").get_db_prep_save(saved_at, connection),
        token.attempt_id,
        position,
        seq,
        token.writer,
        choice[-1] if choice else 0,
    ]
    if len(choice) > 1:
        sql += f" AND {col['multiple']} = %s"
        params.append(True)
    if text is not None:
        sql += f" AND {col['hand_marked']} = %s"
        params.append(True)
    lock = " FOR KEY SHARE" if connection.vendor == "postgresql" else ""
    sql += (
        f" AND EXISTS (SELECT 1 FROM {a_table} WHERE {a_pk} = %s"
        f" AND {q(attempt.get_field('status').column)} = %s"
        f" AND {q(attempt.get_field('user').column)} = %s AND {a_deadline} >= %s{lock})"
        f" RETURNING (SELECT {a_deadline} FROM {a_table} WHERE {a_pk} = %s)"
    )
    params += [
        token.attempt_id,
        AttemptStatus.IN_PROGRESS.value,
        token.user_id,
        attempt.get_field("deadline").get_db_prep_save(not_before, connection),
        token.attempt_id,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return _as_datetime(row[0]) if row else None


def _remaining(deadline: datetime, now: float) -> int:
    return max(0, int(deadline.timestamp() - now))


def answer_save(
    *,
    token: AttemptToken,
    position: int,
    selected: list[int],
    seq: int,
    now: float,
    text: str | None = None,
) -> SaveResult:
    """Save one answer, trusting the signed token for who and from which page.

    ``text`` (instead of ``selected``) is the answer to a question marked by people; it goes
    by the same rules: per-slot sequence and writer, the deadline in the statement.

    One statement does the checks and the write (see ``_slot_update``). Only when nothing was
    written does a second query find out why; a change refused because the attempt had
    closed is kept as a ``RefusedChange`` so that the candidate and the staff see which
    questions' last changes did not count.
    """
    choice = [] if text is not None else sorted(set(selected))
    if any(not isinstance(i, int) or isinstance(i, bool) or i < 1 for i in choice):
        raise AttemptError(ERR_BAD_OPTIONS)
    if text is not None and len(text) > TEXT_MAX_LENGTH:
        raise AttemptError(ERR_TEXT_TOO_LONG)
    saved_at = datetime.fromtimestamp(now, tz=UTC)
    deadline = _slot_update(
        token=token,
        position=position,
        choice=choice,
        seq=seq,
        saved_at=saved_at,
        not_before=saved_at - grace(),
        text=text,
    )
    if deadline is not None:
        return SaveResult(position, seq, False, _remaining(deadline, now), deadline)
    row = (
        AttemptSlot.objects.filter(
            attempt_id=token.attempt_id, position=position, attempt__user_id=token.user_id
        )
        .values(
            "seq",
            "writer",
            "selected",
            "text",
            "hand_marked",
            "option_count",
            "attempt__status",
            "attempt__deadline",
        )
        .first()
    )
    if row is None:
        raise AttemptError(ERR_NO_SLOT)
    closed = row["attempt__status"] != AttemptStatus.IN_PROGRESS
    held = row["seq"] >= seq and row["writer"] == token.writer  # this change or a newer one
    if closed or row["attempt__deadline"] + grace() < saved_at:
        if not held:  # a resend of a change the server stored loses nothing
            _refused_keep(token, position, choice, seq, saved_at, finished=closed, text=text)
        raise AttemptClosed(ERR_FINISHED if closed else ERR_LATE)
    if held:
        return SaveResult(
            position,
            row["seq"],
            True,
            _remaining(row["attempt__deadline"], now),
            row["attempt__deadline"],
            row["selected"],
            row["text"] if row["hand_marked"] else None,
        )
    if text is not None and not row["hand_marked"]:
        raise AttemptError(ERR_NOT_WRITTEN)
    raise AttemptError(ERR_BAD_OPTIONS)


def _refused_keep(token, position, choice, seq, at, *, finished: bool, text=None) -> None:
    """Keep a refused change once (a page resending it does not add rows)."""
    RefusedChange.objects.get_or_create(
        attempt_id=token.attempt_id,
        position=position,
        writer=token.writer,
        seq=seq,
        defaults={
            "selected": choice,
            "text": text or "",
            "why": RefusedChange.Why.FINISHED if finished else RefusedChange.Why.LATE,
            "received_at": at,
        },
    )


@dataclass(frozen=True)
class Heartbeat:
    in_progress: bool
    deadline: datetime | None
    remaining_seconds: int = 0


def attempt_heartbeat(*, token: AttemptToken, now: float) -> Heartbeat:
    """The page says it is there (every half minute, and at its 00:00): one UPDATE records
    the contact for the live monitor and reads back the deadline, which extra time moves."""
    seen = datetime.fromtimestamp(now, tz=UTC)
    updated = Attempt.objects.filter(
        pk=token.attempt_id, user_id=token.user_id, status=AttemptStatus.IN_PROGRESS
    ).update(last_seen_at=seen)
    if not updated:
        return Heartbeat(False, None)
    deadline = Attempt.objects.values_list("deadline", flat=True).get(pk=token.attempt_id)
    return Heartbeat(True, deadline, _remaining(deadline, now))


@transaction.atomic
def slot_flag(*, attempt: Attempt, position: int, flagged: bool) -> None:
    """Mark a question for later (the palette shows it); not part of the answer."""
    AttemptSlot.objects.filter(
        attempt=attempt, position=position, attempt__status=AttemptStatus.IN_PROGRESS
    ).update(flagged=flagged)
