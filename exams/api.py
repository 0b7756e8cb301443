"""The exam app's public surface: what other apps (certification above all) may ask of it.

Every function answers with the plain dataclasses of ``exams.data``, never a model instance
or a queryset, so that callers cannot reach into the exam app's tables: results and sittings
of people, who passed what, the sessions of a kind, kind labels and grade bands. Lists are
read in one query whatever their length (batch reads; callers never loop over queries).

Voided attempts (a cheating verdict) and attempts still in progress are never results.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from .data import ExamKind, PersonExam, PersonResult, PracticeSummary, SessionInfo, Sitting
from .grading import grade_band

__all__ = [
    "ExamKind",
    "PersonExam",
    "PersonResult",
    "PracticeSummary",
    "SessionInfo",
    "Sitting",
    "demo_sit",
    "exam_kind_label",
    "grade_band",
    "open_exams_of",
    "people_who_passed",
    "practice_summary",
    "results_by_person",
    "session",
    "sessions",
    "sitting",
    "sitting_of",
    "sittings",
]


def exam_kind_label(kind: str) -> str:
    """The kind's name in the current language (任前法律知识考试 …); the value if unknown."""
    from .models import ExamKind as ExamKindChoices

    try:
        return str(ExamKindChoices(kind).label)
    except ValueError:
        return str(kind)


# --- sittings ----------------------------------------------------------------------------------


def _sitting(attempt) -> Sitting:
    from .models import AttemptStatus

    session = attempt.session
    return Sitting(
        attempt_id=attempt.pk,
        user_id=attempt.user_id,
        session_id=attempt.session_id,
        session_title=session.title,
        session_kind=session.kind,
        number=attempt.number,
        finished_at=attempt.finished_at,
        score=attempt.score,
        passed=attempt.passed,
        band=grade_band(attempt.score),
        blocking=attempt.blocking,
        eligible_unit_id=session.eligible_unit_id,
        voided=attempt.status == AttemptStatus.VOIDED,
    )


def sitting_of(attempt) -> Sitting:
    """The sitting of an ``Attempt`` handed over by ``exams.signals.attempt_graded`` (no query
    when its session is loaded). Unlike the lists below, it may be a voided attempt."""
    return _sitting(attempt)


def sitting(attempt_id: int) -> Sitting | None:
    """One graded (or voided) attempt by id; None if there is none or it is unfinished."""
    from .models import Attempt, AttemptStatus

    attempt = (
        Attempt.objects.select_related("session")
        .exclude(status=AttemptStatus.IN_PROGRESS)
        .filter(pk=attempt_id)
        .first()
    )
    return _sitting(attempt) if attempt is not None else None


def _finished(
    *,
    user_ids: Iterable[int] | None,
    kinds: Iterable[str] | None = None,
    exclude_kinds: Iterable[str] | None = None,
    since: datetime.datetime | None = None,
    until: datetime.datetime | None = None,
    passed: bool | None = None,
    session_id: int | None = None,
    attempt_ids: Iterable[int] | None = None,
):
    from .models import Attempt, AttemptStatus

    attempts = Attempt.objects.exclude(status__in=[AttemptStatus.IN_PROGRESS, AttemptStatus.VOIDED])
    if user_ids is not None:
        attempts = attempts.filter(user_id__in=list(user_ids))
    if attempt_ids is not None:
        attempts = attempts.filter(pk__in=list(attempt_ids))
    if kinds is not None:
        attempts = attempts.filter(session__kind__in=[str(k) for k in kinds])
    if exclude_kinds is not None:
        attempts = attempts.exclude(session__kind__in=[str(k) for k in exclude_kinds])
    if since is not None:
        attempts = attempts.filter(finished_at__gte=since)
    if until is not None:
        attempts = attempts.filter(finished_at__lt=until)
    if passed is not None:
        attempts = attempts.filter(passed=passed)
    if session_id is not None:
        attempts = attempts.filter(session_id=session_id)
    return attempts


def sittings(
    *,
    user_ids: Iterable[int] | None,
    kinds: Iterable[str] | None = None,
    exclude_kinds: Iterable[str] | None = None,
    since: datetime.datetime | None = None,
    until: datetime.datetime | None = None,
    passed: bool | None = None,
    session_id: int | None = None,
    attempt_ids: Iterable[int] | None = None,
) -> list[Sitting]:
    """Graded attempts of these people (``None``: of everybody), oldest first, in one query.

    ``since``/``until`` bound ``finished_at`` (``until`` exclusive); ``kinds`` and
    ``exclude_kinds`` are ``ExamKind`` values; ``passed`` keeps passes (True) or failures.
    """
    attempts = _finished(
        user_ids=user_ids,
        kinds=kinds,
        exclude_kinds=exclude_kinds,
        since=since,
        until=until,
        passed=passed,
        session_id=session_id,
        attempt_ids=attempt_ids,
    )
    return [_sitting(a) for a in attempts.select_related("session").order_by("finished_at", "pk")]


def people_who_passed(
    *,
    user_ids: Iterable[int] | None,
    kinds: Iterable[str] | None = None,
    since: datetime.datetime | None = None,
    until: datetime.datetime | None = None,
    session_id: int | None = None,
) -> set[int]:
    """The ids of those (of ``user_ids``) with a passed sitting matching the filters. One query."""
    attempts = _finished(
        user_ids=user_ids,
        kinds=kinds,
        since=since,
        until=until,
        passed=True,
        session_id=session_id,
    )
    return set(attempts.values_list("user_id", flat=True).distinct().order_by())


def results_by_person(
    *,
    user_ids: Iterable[int],
    kinds: Iterable[str] | None = None,
    since: datetime.datetime | None = None,
    until: datetime.datetime | None = None,
    session_id: int | None = None,
) -> dict[int, PersonResult]:
    """Per person with at least one sitting: how many, the best score, whether any passed.
    One query (plain values, no model instances)."""
    attempts = _finished(
        user_ids=user_ids, kinds=kinds, since=since, until=until, session_id=session_id
    )
    counts: dict[int, list] = {}
    for user_id, score, passed in attempts.values_list("user_id", "score", "passed").order_by():
        entry = counts.setdefault(user_id, [0, None, False])
        entry[0] += 1
        if score is not None and (entry[1] is None or score > entry[1]):
            entry[1] = score
        entry[2] = entry[2] or bool(passed)
    return {
        user_id: PersonResult(user_id=user_id, attempts=n, best_score=best, passed=any_pass)
        for user_id, (n, best, any_pass) in counts.items()
    }


# --- sessions ----------------------------------------------------------------------------------


def _session_info(session) -> SessionInfo:
    return SessionInfo(
        id=session.pk,
        title=session.title,
        kind=session.kind,
        opens_at=session.opens_at,
        closes_at=session.closes_at,
        eligible_unit_id=session.eligible_unit_id,
    )


def sessions(
    *,
    kinds: Iterable[str] | None = None,
    exclude_kinds: Iterable[str] | None = None,
    opens_before: datetime.datetime | None = None,
    closes_after: datetime.datetime | None = None,
    newest_first: bool = False,
) -> list[SessionInfo]:
    """Exam sessions of these kinds whose window overlaps [closes_after, opens_before), in
    one query: oldest first (``newest_first`` for pickers)."""
    from .models import ExamSession

    rows = ExamSession.objects.all()
    if kinds is not None:
        rows = rows.filter(kind__in=[str(k) for k in kinds])
    if exclude_kinds is not None:
        rows = rows.exclude(kind__in=[str(k) for k in exclude_kinds])
    if opens_before is not None:
        rows = rows.filter(opens_at__lt=opens_before)
    if closes_after is not None:
        rows = rows.filter(closes_at__gte=closes_after)
    order = ["-opens_at", "-pk"] if newest_first else ["opens_at", "pk"]
    return [_session_info(s) for s in rows.order_by(*order)]


def session(session_id: int) -> SessionInfo | None:
    from .models import ExamSession

    found = ExamSession.objects.filter(pk=session_id).first()
    return _session_info(found) if found is not None else None


# --- the demo ----------------------------------------------------------------------------------


def demo_sit(*, user_id: int, kind: str, skill: float) -> Sitting | None:
    """For other apps' demo loaders: the person sits the latest opened session of ``kind`` the
    way a candidate does (through the attempt services), answering about ``skill`` of the
    questions right. None when there is no such session or the person has sat it already."""
    from django.utils import timezone

    from cms.people.models import User

    from .demo import _finished_attempt
    from .models import Attempt, ExamSession

    user = User.objects.filter(pk=user_id).first()
    found = (
        ExamSession.objects.filter(kind=str(kind), opens_at__lte=timezone.now())
        .order_by("-opens_at")
        .first()
    )
    if user is None or found is None or Attempt.objects.filter(session=found, user=user).exists():
        return None
    started = min(
        found.opens_at + datetime.timedelta(days=1, hours=10),
        timezone.now() - datetime.timedelta(hours=3),
    )
    attempt = _finished_attempt(found, user, started, skill)
    attempt.refresh_from_db()
    return _sitting(attempt)


def practice_summary(user_id: int, year: int) -> PracticeSummary:
    """One person's practice figures for a year (练习, 每日一练, the wrong-answer book)."""
    from .selectors_practice import practice_summary as summary

    return summary(user_id, year)


# --- a person's exams ------------------------------------------------------------------------


def open_exams_of(user, *, now: datetime.datetime | None = None) -> list[PersonExam]:
    """The sessions on the person's list ("我的考试") whose window has not closed: open ones
    first (closing soonest first), then upcoming ones (opening soonest first). A fixed number
    of queries whatever the number of sessions and attempts (``exams.selectors.my_exams``)."""
    from django.utils import timezone

    from .selectors import my_exams

    now = now or timezone.now()
    found = my_exams(user, now=now)
    still_open = [row for row in found.finished if row.session.closes_at > now]
    rows = [(row, "open") for row in found.open] + [(row, "done") for row in still_open]
    rows.sort(key=lambda pair: (pair[0].session.closes_at, pair[0].session.pk))
    rows += [(row, "upcoming") for row in found.upcoming]
    result = []
    for row, state in rows:
        visible = row.score_visible and row.latest is not None
        result.append(
            PersonExam(
                session_id=row.session.pk,
                title=row.session.title,
                kind=row.session.kind,
                opens_at=row.session.opens_at,
                closes_at=row.session.closes_at,
                state=state,
                attempts_allowed=row.allowed,
                attempts_used=row.used,
                in_progress=row.in_progress is not None,
                can_start=row.can_start,
                result_visible=visible,
                score=row.latest.score if visible else None,
                passed=row.latest.passed if visible else None,
            )
        )
    return result
