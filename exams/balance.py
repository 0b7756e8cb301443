"""Papers of equal difficulty: the arithmetic, without the database.

Every candidate draws a different paper (卷卷不同); so that no candidate faces a harder paper
than another, the draw balances each paper's *expected score*: the sum over its questions of
the question's facility (the expected share of its points a candidate earns) times its points,
scaled to 100. ``paper_pick`` draws as the plain draw always has (per section, ``count``
distinct questions of the section's pool, with the same random numbers), then, when the
paper's expected score lies outside the band around the target, swaps a drawn question for
an undrawn one of the same section's pool (same kind, topics, difficulty range and points)
that brings the expected score closest to the target, until it is within the band or the
swaps run out. Every choice comes from the seeded ``rng`` in a fixed order, so the same seed,
bank and facilities give the same paper.

Facilities (``facility_blend``) mix what candidates scored on a question in earlier sittings
with a prior from its author's difficulty (1–5), by the shrinkage

    facility = (n · p + k · prior) / (n + k)

where ``n`` is the number of graded responses, ``p`` their mean share of the points earned,
``prior`` the difficulty's facility (``EXAM_BALANCE_PRIOR_FACILITY``) and ``k`` the weight of
the prior in responses (``EXAM_BALANCE_PRIOR_WEIGHT``): a question answered by few candidates
leans on its author's estimate, one answered by many on what happened.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

# How many undrawn questions one swap looks at (a sample of the section's pool, so a swap
# costs the same on a bank of 300 or 30,000).
SWAP_CANDIDATES = 24


def facility_blend(*, responses: int, share: float, prior: float, weight: float) -> float:
    """(n·p + k·prior) / (n + k); the prior alone when nobody has answered yet."""
    if responses <= 0 or weight < 0:
        return prior
    return (responses * share + weight * prior) / (responses + weight)


def prior_facility(difficulty: int | None, mapping: Mapping) -> float:
    """The author's difficulty as a facility (the mapping's keys may be ints or strings)."""
    value = mapping.get(difficulty, mapping.get(str(difficulty)))
    if value is None:  # an unexpected difficulty: the middle one's value
        value = mapping.get(3, mapping.get("3", 0.65))
    return float(value)


@dataclass(frozen=True)
class SectionPool:
    """One blueprint section and the current versions it may draw, in primary-key order."""

    title: str
    count: int
    points: Decimal
    versions: Sequence[int]


@dataclass
class PaperPick:
    """The drawn versions per section, and how the balancing went.

    ``expected`` and ``target`` are on the 100-point scale; both are None when no facilities
    were given. ``within_band`` is False when the pool could not bring the paper into the band
    (the closest paper found is drawn all the same).
    """

    chosen: list[list[int]] = field(default_factory=list)
    shortfalls: list[tuple[str, int, int]] = field(default_factory=list)
    expected: float | None = None
    target: float | None = None
    within_band: bool | None = None
    balanced: bool = False
    swaps: int = 0


def total_points(pools: Sequence[SectionPool]) -> float:
    return float(sum(pool.count * pool.points for pool in pools))


def pools_target(pools: Sequence[SectionPool], facility: Mapping[int, float]) -> float | None:
    """The default target: the mean expected score of the pool's papers (each section's count
    × points × the mean facility of its pool), on the 100-point scale."""
    total = total_points(pools)
    if not total:
        return None
    raw = 0.0
    for pool in pools:
        if pool.versions:
            mean = math.fsum(map(facility.__getitem__, pool.versions)) / len(pool.versions)
            raw += pool.count * float(pool.points) * mean
    return 100 * raw / total


def expected_score(
    chosen: Sequence[Sequence[int]], pools: Sequence[SectionPool], facility: Mapping[int, float]
) -> float:
    """A drawn paper's expected score on the 100-point scale."""
    total = total_points(pools)
    raw = math.fsum(
        float(pool.points) * facility[v]
        for pool, ids in zip(pools, chosen, strict=True)
        for v in ids
    )
    return 100 * raw / total if total else 0.0


def paper_pick(
    pools: Sequence[SectionPool],
    rng: random.Random,
    *,
    facility: Mapping[int, float] | None = None,
    target: float | None = None,
    band: float = 2.0,
    max_swaps: int = 300,
    balance: bool = True,
) -> PaperPick:
    """Draw one paper's questions (see the module docstring).

    ``facility`` maps every pool version to its facility; without it (or with ``balance``
    False) the paper is drawn as it always was. ``target`` None: ``pools_target``.
    """
    pick = PaperPick()
    used: set[int] = set()
    available: list[list[int]] = []
    for pool in pools:
        versions = pool.versions
        # Sections of different kinds never share a question: no copy of a large pool then.
        candidates = (
            versions if used.isdisjoint(versions) else [v for v in versions if v not in used]
        )
        if len(candidates) < pool.count:
            pick.shortfalls.append((pool.title, pool.count, len(candidates)))
            pick.chosen.append([])
            available.append([])
            continue
        chosen = rng.sample(candidates, pool.count)
        used.update(chosen)
        pick.chosen.append(chosen)
        available.append(candidates)
    if pick.shortfalls or facility is None:
        return pick
    total = total_points(pools)
    if not total:
        return pick
    pick.target = pools_target(pools, facility) if target is None else float(target)
    scale = 100 / total
    raw = math.fsum(
        float(pool.points) * facility[v]
        for pool, ids in zip(pools, pick.chosen, strict=True)
        for v in ids
    )
    goal, tolerance = pick.target / scale, band / scale
    if balance:
        pick.balanced = True
        raw, pick.swaps = _swap_toward(
            pools, pick.chosen, available, used, facility, rng, raw, goal, tolerance, max_swaps
        )
    pick.expected = raw * scale
    # A hair of slack for the floating-point sum: a paper exactly on the band's edge is in it.
    pick.within_band = abs(raw - goal) <= tolerance + 1e-9
    return pick


def _swap_toward(pools, chosen, available, used, facility, rng, raw, goal, tolerance, max_swaps):
    """Seeded swap-improvement; changes ``chosen`` and ``used`` in place.

    Each round picks a drawn question at random (positions in a fixed order), samples undrawn
    questions of its section's pool and takes the one that brings the paper closest to the
    target, if any brings it closer. Rounds stop at the band or after ``max_swaps`` rounds.
    """
    positions = [(s, i) for s, ids in enumerate(chosen) for i in range(len(ids))]
    swaps = 0
    if not positions:
        return raw, swaps
    for _round in range(max_swaps):
        gap = goal - raw
        if abs(gap) <= tolerance:
            break
        s, i = positions[rng.randrange(len(positions))]
        pool, old = available[s], chosen[s][i]
        if len(pool) <= pools[s].count:
            continue  # the section drew its whole pool: nothing to swap with
        points = float(pools[s].points)
        old_f = facility[old]
        best, best_gap = None, abs(gap)
        for _ in range(SWAP_CANDIDATES):
            candidate = pool[rng.randrange(len(pool))]
            if candidate in used:
                continue
            new_gap = abs(gap - points * (facility[candidate] - old_f))
            if new_gap < best_gap:
                best, best_gap = candidate, new_gap
        if best is None:
            continue
        raw += points * (facility[best] - old_f)
        used.discard(old)
        used.add(best)
        chosen[s][i] = best
        swaps += 1
    return raw, swaps


@dataclass(frozen=True)
class Spread:
    """Expected scores of many papers: how far apart candidates' papers are."""

    count: int
    minimum: float | None
    mean: float | None
    maximum: float | None
    sd: float | None
    within_band: float | None  # share (0–1) of papers within the band around ``target``
    target: float | None
    band: float

    @property
    def within_band_percent(self) -> float | None:
        return None if self.within_band is None else round(100 * self.within_band, 1)

    @property
    def range(self) -> float | None:
        return None if self.count == 0 else self.maximum - self.minimum


def spread(scores: Sequence[float], *, target: float | None, band: float) -> Spread:
    """Min, mean, max, population SD and the share within ``target ± band``."""
    n = len(scores)
    if not n:
        return Spread(0, None, None, None, None, None, target, band)
    mean = math.fsum(scores) / n
    sd = math.sqrt(math.fsum((x - mean) ** 2 for x in scores) / n)
    within = None
    if target is not None:
        within = sum(abs(x - target) <= band + 1e-9 for x in scores) / n
    return Spread(n, min(scores), mean, max(scores), sd, within, target, band)
