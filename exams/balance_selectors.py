"""Reads for papers of equal difficulty: question facilities, a blueprint's pools, the spread
of expected scores across a session's papers (the arithmetic is in ``exams.balance``).

A question's observed facility counts the graded slots of *finished sittings*: attempts that
were submitted or timed out (not voided, not running) in sessions whose window has closed,
mock exams left out (candidates repeat them with the answers in front of them). Sittings still
open do not count, so every paper of a running session is balanced against the same figures.
The observed share is blended with the author's difficulty as a prior (``facility_blend``).

Public surface for other pages (the item analysis reports the spread after the sitting):
``question_facilities``, ``papers_expected_scores`` and ``session_paper_spread``.
"""

from __future__ import annotations

import functools
import operator
import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from .balance import (
    SectionPool,
    Spread,
    expected_score,
    facility_blend,
    paper_pick,
    pools_target,
    prior_facility,
    spread,
)
from .models import (
    FINISHED_STATUSES,
    Attempt,
    AttemptEvent,
    AttemptSlot,
    Blueprint,
    BlueprintSection,
    ExamKind,
    ExamSession,
    Question,
    QuestionStatus,
    QuestionVersion,
)

CACHE_KEY = "exams:balance:observed:{blueprint}"


# --- Facilities ------------------------------------------------------------------------------


def _observed(
    questions: Iterable[int] | QuerySet | None, now: datetime
) -> dict[int, tuple[int, float]]:
    """question id -> (graded responses, mean share of the points earned), in one query;
    ``questions`` None: every question (cheaper than a large pool as a subquery)."""
    slots = AttemptSlot.objects.all()
    if questions is not None:
        slots = slots.filter(question_version__question_id__in=questions)
    rows = (
        slots.filter(
            attempt__status__in=FINISHED_STATUSES,
            attempt__session__closes_at__lte=now,
            earned__isnull=False,
            points__gt=0,
        )
        .exclude(attempt__session__kind=ExamKind.MOCK)
        .values("question_version__question_id")
        .annotate(n=Count("pk"), earned=Sum("earned"), points=Sum("points"))
        .order_by()
    )
    return {
        row["question_version__question_id"]: (row["n"], float(row["earned"] / row["points"]))
        for row in rows
    }


def _blend(observed: tuple[int, float] | None, difficulty: int | None) -> float:
    prior = prior_facility(difficulty, settings.EXAM_BALANCE_PRIOR_FACILITY)
    if observed is None:
        return prior
    responses, share = observed
    return facility_blend(
        responses=responses,
        share=share,
        prior=prior,
        weight=settings.EXAM_BALANCE_PRIOR_WEIGHT,
    )


def question_facilities(
    question_ids: Iterable[int] | QuerySet, *, now: datetime | None = None
) -> dict[int, float]:
    """Each question's expected score fraction (0–1): what candidates of finished sittings
    earned on it, shrunk toward its current version's difficulty prior (module docstring).

    Two queries whatever the number of questions: one aggregate over the slots, one for the
    difficulties. ``question_ids`` may be a queryset of ids (a whole pool as a subquery).
    """
    if not isinstance(question_ids, QuerySet):
        question_ids = list(question_ids)
    observed = _observed(question_ids, now or timezone.now())
    difficulties = Question.objects.filter(pk__in=question_ids).values_list(
        "pk", "current_version__difficulty"
    )
    return {pk: _blend(observed.get(pk), difficulty) for pk, difficulty in difficulties}


# --- A blueprint's pools ---------------------------------------------------------------------


def section_filter(section: BlueprintSection) -> Q:
    """Active questions of the section's kind, topics (with their subtopics) and difficulty."""
    topic_q = Q()
    for topic in section.topics.all():
        topic_q |= Q(topic__path__startswith=topic.path)
    return topic_q & Q(
        status=QuestionStatus.ACTIVE,
        current_version__kind=section.kind,
        current_version__difficulty__gte=section.difficulty_min,
        current_version__difficulty__lte=section.difficulty_max,
    )


def section_pool(section: BlueprintSection) -> QuerySet[Question]:
    return Question.objects.filter(section_filter(section))


@dataclass(frozen=True)
class PaperPools:
    """A blueprint's sections with the current versions each may draw (primary-key order)."""

    blueprint: Blueprint
    sections: list[BlueprintSection]
    pools: list[SectionPool]

    @property
    def versions(self) -> set[int]:
        return {v for pool in self.pools for v in pool.versions}


def paper_pools(blueprint: Blueprint) -> PaperPools:
    """The sections with their topics (two queries) and one query per section for its pool:
    the version ids alone, as the plain draw always read them."""
    sections = list(blueprint.sections.prefetch_related("topics"))
    pools = [
        SectionPool(
            section.title,
            section.count,
            section.points,
            list(section_pool(section).order_by("pk").values_list("current_version_id", flat=True)),
        )
        for section in sections
    ]
    return PaperPools(blueprint, sections, pools)


def pool_questions(pools: PaperPools) -> dict[int, tuple[int, int]]:
    """Version id -> (question id, difficulty) for every version of the pools: one query."""
    if not pools.sections:
        return {}
    union = functools.reduce(operator.or_, (section_filter(s) for s in pools.sections))
    rows = Question.objects.filter(union).values_list(
        "current_version_id", "pk", "current_version__difficulty"
    )
    return {version: (question, difficulty) for version, question, difficulty in rows}


def facilities_by_version(pools: PaperPools, by_question: Mapping[int, float]) -> dict[int, float]:
    """Facilities given per question (e.g. ``question_facilities`` computed once for an exam
    day) as the draw uses them, per version; the prior for questions missing from them."""
    prior = settings.EXAM_BALANCE_PRIOR_FACILITY
    return {
        v: float(by_question[q]) if q in by_question else prior_facility(d, prior)
        for v, (q, d) in pool_questions(pools).items()
    }


def pool_facilities(pools: PaperPools, *, now: datetime | None = None) -> dict[int, float]:
    """Version id -> facility for every version the blueprint may draw.

    Computed once (the pool's questions, and one aggregate over the graded slots) and kept
    in the cache per blueprint for ``EXAM_BALANCE_FACILITY_CACHE_SECONDS``, so that an exam
    day's draws share it: the observed part changes only when a sitting closes or is
    regraded. Versions that joined the pool since (a new or edited question) are added with
    two small queries.
    """
    seconds = settings.EXAM_BALANCE_FACILITY_CACHE_SECONDS
    key = CACHE_KEY.format(blueprint=pools.blueprint.pk)
    facility = (cache.get(key) if seconds else None) or {}
    versions = pools.versions
    missing = versions - facility.keys()
    if not missing:
        return facility
    now = now or timezone.now()
    if len(missing) == len(versions):
        # The first draw: every question's observed figures in one aggregate (no pool
        # subquery to evaluate), and the pool's questions.
        questions = pool_questions(pools)
        observed = _observed(None, now)
    else:
        questions = {
            v: (q, d)
            for v, q, d in QuestionVersion.objects.filter(pk__in=missing).values_list(
                "pk", "question_id", "difficulty"
            )
        }
        observed = _observed([q for q, _d in questions.values()], now)
    facility = {**facility, **{v: _blend(observed.get(q), d) for v, (q, d) in questions.items()}}
    for v in versions - facility.keys():  # left the bank between two queries: never drawn
        facility[v] = _blend(None, None)
    if seconds:
        cache.set(key, facility, seconds)
    return facility


def blueprint_target(blueprint: Blueprint, pools: PaperPools, facility: Mapping[int, float]):
    """The blueprint's target expected score: as the administrator set it, else the mean
    expected score of the pool's papers."""
    if blueprint.target_expected_score is not None:
        return float(blueprint.target_expected_score)
    return pools_target(pools.pools, facility)


# --- Spreads ---------------------------------------------------------------------------------


def papers_expected_scores(session: ExamSession, *, people: QuerySet | None = None) -> list[float]:
    """The expected score (0–100) of every paper drawn at the session, voided ones included
    (a paper is drawn whatever became of it), ordered by attempt id.

    Each attempt keeps the expected score its draw computed (``Attempt.expected_score``);
    papers drawn before that was kept are scored with today's facilities. ``people``: only
    these people's papers (a queryset of users, for scoped pages). A fixed number of queries.
    """
    attempts = Attempt.objects.filter(session=session)
    if people is not None:
        attempts = attempts.filter(user__in=people.values("pk"))
    rows = list(attempts.order_by("pk").values_list("pk", "expected_score"))
    missing = [pk for pk, score in rows if score is None]
    computed: dict[int, float] = {}
    if missing:
        computed = _expected_from_slots(missing)
    return [
        float(score) if score is not None else computed[pk]
        for pk, score in rows
        if score is not None or pk in computed
    ]


def _expected_from_slots(attempt_ids: list[int]) -> dict[int, float]:
    slots = list(
        AttemptSlot.objects.filter(attempt_id__in=attempt_ids).values_list(
            "attempt_id", "question_version__question_id", "points"
        )
    )
    facility = question_facilities({q for _a, q, _p in slots})
    raw: dict[int, list[float]] = {}
    for attempt_id, question, points in slots:
        totals = raw.setdefault(attempt_id, [0.0, 0.0])
        totals[0] += float(points) * facility.get(question, 0.0)
        totals[1] += float(points)
    return {a: 100 * e / t for a, (e, t) in raw.items() if t}


@dataclass(frozen=True)
class PaperSpread:
    """What the session's papers page shows."""

    balancing: bool
    target: float | None
    band: float
    drawn: Spread
    drawn_scores: list[float]
    simulated: Spread | None
    simulated_scores: list[float]
    unbalanced: Spread | None
    unbalanced_scores: list[float]
    simulated_within_pool: bool  # False: the bank cannot fill the blueprint


def simulated_scores(
    pools: PaperPools, facility: Mapping[int, float], *, papers: int, balance: bool, target
) -> list[float]:
    """Expected scores of ``papers`` papers drawn in memory with fixed seeds (0, 1, …), so the
    page shows the same figures each time it is opened."""
    scores = []
    for seed in range(papers):
        pick = paper_pick(
            pools.pools,
            random.Random(seed),
            facility=facility,
            target=target,
            band=settings.EXAM_BALANCE_BAND,
            max_swaps=settings.EXAM_BALANCE_MAX_SWAPS,
            balance=balance,
        )
        if pick.shortfalls:
            return []
        scores.append(expected_score(pick.chosen, pools.pools, facility))
    return scores


def session_paper_spread(
    session: ExamSession, *, people: QuerySet | None = None, simulate: int | None = None
) -> PaperSpread:
    """The drawn papers' spread (of ``people``'s attempts) and, over ``simulate`` papers
    (default ``EXAM_BALANCE_SIMULATED_PAPERS``; 0: none), the spread the draw gives with
    and without balancing."""
    blueprint = session.blueprint
    band = float(settings.EXAM_BALANCE_BAND)
    pools = paper_pools(blueprint)
    facility = pool_facilities(pools)
    target = blueprint_target(blueprint, pools, facility)
    drawn = papers_expected_scores(session, people=people)
    papers = settings.EXAM_BALANCE_SIMULATED_PAPERS if simulate is None else simulate
    balanced_scores = unbalanced_scores = []
    if papers:
        balanced_scores = simulated_scores(
            pools, facility, papers=papers, balance=blueprint.balance_papers, target=target
        )
        unbalanced_scores = simulated_scores(
            pools, facility, papers=papers, balance=False, target=target
        )
    fillable = bool(balanced_scores) or not papers
    return PaperSpread(
        balancing=blueprint.balance_papers,
        target=target,
        band=band,
        drawn=spread(drawn, target=target, band=band),
        drawn_scores=drawn,
        simulated=spread(balanced_scores, target=target, band=band) if balanced_scores else None,
        simulated_scores=balanced_scores,
        unbalanced=(
            spread(unbalanced_scores, target=target, band=band) if unbalanced_scores else None
        ),
        unbalanced_scores=unbalanced_scores,
        simulated_within_pool=fillable,
    )


def graded_papers_spread(session: ExamSession) -> Spread:
    """The spread of the expected scores of the session's graded papers, against the target
    their draw aimed at (kept in each start event), for the item analysis after the sitting.
    Two queries; papers drawn before expected scores were kept are left out."""
    graded = Attempt.objects.filter(
        session=session,
        status__in=FINISHED_STATUSES,
        marking_pending=False,
        expected_score__isnull=False,
    )
    scores = [float(s) for s in graded.values_list("expected_score", flat=True)]
    target = (
        AttemptEvent.objects.filter(
            attempt__in=graded, action=AttemptEvent.Action.START, data__paper__target__isnull=False
        )
        .order_by("pk")
        .values_list("data__paper__target", flat=True)
        .first()
    )
    return spread(
        scores,
        target=float(target) if target is not None else None,
        band=float(settings.EXAM_BALANCE_BAND),
    )
