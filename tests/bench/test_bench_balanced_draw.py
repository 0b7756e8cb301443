"""Papers of equal difficulty: the spread of expected scores over 1,000 demo papers with and
without balancing, and the draw's time per paper, balanced against plain, on the demo bank and
on a 10,000-question bank with 100,000 graded responses behind its facilities.

Runs on the normal test database (SQLite in memory unless TEST_DATABASE_URL is set).
"""

import random
import statistics
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from cms.people.models import User
from exams.balance import spread
from exams.balance_selectors import (
    blueprint_target,
    paper_pools,
    pool_facilities,
    pool_questions,
    question_facilities,
    session_paper_spread,
    simulated_scores,
)
from exams.models import Attempt, AttemptSlot, AttemptStatus, Blueprint, ExamKind, ExamSession
from exams.services import paper_draw_balanced
from tests.exams.test_balanced_draw import demo_bank_load, demo_blueprint, simulate_sittings
from tests.factories import OrgUnitFactory, UserFactory

from .bank import bank_build, blueprint_build

pytestmark = pytest.mark.django_db

PAPERS = 1_000
BANK = 10_000
GRADED_ATTEMPTS = 1_000


def _line(label: str, s) -> str:
    return (
        f"BENCH {label}: n={s.count} min={s.minimum:.2f} mean={s.mean:.2f} max={s.maximum:.2f} "
        f"range={s.range:.2f} sd={s.sd:.3f} within ±{s.band:g} of {s.target:.2f}: "
        f"{100 * s.within_band:.1f}%"
    )


def _interleaved(blueprint: Blueprint, variants, *, rounds: int = 5, draws: int = 10) -> dict:
    """Median ms per paper of each variant (label, balancing, draw kwargs, cache seconds),
    the variants taking turns so that the machine's load falls on all of them alike."""
    rng = random.Random(2026)
    samples: dict[str, list[float]] = {label: [] for label, *_ in variants}
    for _ in range(rounds):
        for label, balance, kwargs, seconds in variants:
            Blueprint.objects.filter(pk=blueprint.pk).update(balance_papers=balance)
            blueprint.refresh_from_db()
            with override_settings(EXAM_BALANCE_FACILITY_CACHE_SECONDS=seconds):
                if seconds:
                    paper_draw_balanced(blueprint, rng, **kwargs)  # the day's first draw
                start = time.perf_counter()
                for _ in range(draws):
                    paper_draw_balanced(blueprint, rng, **kwargs)
                samples[label].append((time.perf_counter() - start) / draws * 1000)
    medians = {label: statistics.median(values) for label, values in samples.items()}
    for label, ms in medians.items():
        print(f"BENCH paper_draw {label}: {ms:.1f} ms per paper (median of {rounds} x {draws})")
    return medians


def test_spread_over_1000_demo_papers_and_draw_times():
    print(f"\nBENCH balanced draw database: {connection.vendor}")
    demo_bank_load()
    blueprint = demo_blueprint("年度学法考试标准卷")
    simulate_sittings(blueprint, candidates=60, seed=2026)
    pools = paper_pools(blueprint)
    facility = pool_facilities(pools)
    target = blueprint_target(blueprint, pools, facility)
    band = settings.EXAM_BALANCE_BAND
    sizes = [len(p.versions) for p in pools.pools]
    print(f"BENCH demo blueprint: {blueprint.name}, pools {sizes}, target {target:.2f}")

    for balance, label in ((False, "unbalanced"), (True, "balanced  ")):
        start = time.perf_counter()
        scores = simulated_scores(pools, facility, papers=PAPERS, balance=balance, target=target)
        ms = (time.perf_counter() - start) / PAPERS * 1000
        print(_line(f"demo {PAPERS} papers {label}", spread(scores, target=target, band=band)))
        print(f"BENCH demo in-memory pick {label}: {ms:.2f} ms per paper")

    cache.clear()
    _interleaved(
        blueprint,
        [
            ("demo, unbalanced", False, {}, 0),
            ("demo, balanced, facilities cached (exam day)", True, {}, 600),
            ("demo, balanced, facilities read per draw", True, {}, 0),
        ],
    )
    cache.clear()


def _graded_sittings(blueprint: Blueprint) -> None:
    """A closed session with ``GRADED_ATTEMPTS`` graded papers of the blueprint (bulk)."""
    now = timezone.now()
    session = ExamSession.objects.create(
        title="上期学法考试（压测）",
        kind=ExamKind.ANNUAL_LAW,
        blueprint=blueprint,
        opens_at=now - timedelta(days=60),
        closes_at=now - timedelta(days=30),
        duration_minutes=60,
    )
    unit = OrgUnitFactory()
    User.objects.bulk_create(UserFactory.build(org_unit=unit) for _ in range(GRADED_ATTEMPTS))
    users = list(User.objects.filter(org_unit=unit))
    started = session.opens_at + timedelta(days=1)
    attempts = Attempt.objects.bulk_create(
        Attempt(
            session=session,
            user=u,
            number=1,
            seed=i,
            status=AttemptStatus.SUBMITTED,
            started_at=started,
            deadline=started + timedelta(hours=1),
            finished_at=started + timedelta(minutes=40),
        )
        for i, u in enumerate(users)
    )
    pools = paper_pools(blueprint)
    rng = random.Random(1)
    truth = {v: rng.uniform(0.3, 0.95) for v in pools.versions}
    slots = []
    for attempt in attempts:
        position = 0
        for pool in pools.pools:
            for v in rng.sample(list(pool.versions), pool.count):
                position += 1
                right = rng.random() < truth[v]
                slots.append(
                    AttemptSlot(
                        attempt=attempt,
                        position=position,
                        question_version_id=v,
                        option_count=4,
                        points=pool.points,
                        earned=pool.points if right else Decimal(0),
                    )
                )
    AttemptSlot.objects.bulk_create(slots, batch_size=5_000)


def test_draw_times_on_a_10000_question_bank():
    bank_build(BANK)
    blueprint = blueprint_build(100)
    start = time.perf_counter()
    _graded_sittings(blueprint)
    print(
        f"\nBENCH seeded {GRADED_ATTEMPTS:,} graded papers x 100 slots: "
        f"{time.perf_counter() - start:.1f} s"
    )
    pools = paper_pools(blueprint)
    start = time.perf_counter()
    facilities = question_facilities([q for q, _d in pool_questions(pools).values()])
    print(
        f"BENCH question_facilities for {len(facilities):,} questions "
        f"({GRADED_ATTEMPTS * 100:,} graded slots): {(time.perf_counter() - start) * 1000:.0f} ms"
    )
    cache.clear()
    times = _interleaved(
        blueprint,
        [
            ("10k bank, unbalanced", False, {}, 0),
            ("10k bank, balanced, facilities cached (exam day)", True, {}, 600),
            ("10k bank, balanced, facilities passed in", True, {"facilities": facilities}, 0),
            ("10k bank, balanced, facilities read per draw", True, {}, 0),
        ],
    )
    cache.clear()
    plain = times["10k bank, unbalanced"]
    print(
        "BENCH 10k bank balanced/unbalanced: "
        + ", ".join(f"{label.split(', ')[-1]} {ms / plain:.2f}x" for label, ms in times.items())
    )
    facility = pool_facilities(pools)
    target = blueprint_target(blueprint, pools, facility)
    for balance, label in ((False, "unbalanced"), (True, "balanced  ")):
        scores = simulated_scores(pools, facility, papers=200, balance=balance, target=target)
        print(_line(f"10k bank 200 papers {label}", spread(scores, target=target, band=2.0)))
    now = timezone.now()
    upcoming = ExamSession.objects.create(
        title="下期学法考试（压测）",
        kind=ExamKind.ANNUAL_LAW,
        blueprint=blueprint,
        opens_at=now + timedelta(days=1),
        closes_at=now + timedelta(days=2),
        duration_minutes=60,
    )
    past = ExamSession.objects.get(title="上期学法考试（压测）")
    with override_settings(EXAM_BALANCE_FACILITY_CACHE_SECONDS=600):
        cache.clear()
        session_paper_spread(upcoming, simulate=0)  # the facilities, as a draw leaves them
        for label, session, simulate in (
            (
                f"before the sitting: 2 x {settings.EXAM_BALANCE_SIMULATED_PAPERS} simulated",
                upcoming,
                None,
            ),
            (f"{GRADED_ATTEMPTS:,} papers drawn before expected scores were kept", past, 0),
        ):
            start = time.perf_counter()
            session_paper_spread(session, simulate=simulate)
            ms = (time.perf_counter() - start) * 1000
            print(f"BENCH papers page figures, 10k bank, {label}: {ms:.0f} ms")
        cache.clear()
