"""Item analysis by classical test theory, as Moodle's quiz statistics report computes it.

Pure statistics: no models, no database. The input is the session's responses in long form,
one row per answered slot (an attempt's question), because every candidate draws a different
paper (卷卷不同) and a wide candidate × question matrix would be mostly empty. Everything is
computed with numpy over whole columns (``np.bincount`` by item), so 5,000 candidates × 100
questions take well under a second here.

Definitions (the README's "Item analysis (试题分析)" section says the same for users):

- *score fraction* of a response: earned / points (0 … 1; partial credit in between).
- *facility* (难度/通过率) of an item: the mean score fraction of the candidates who had it.
- *discrimination* (区分度): the corrected point-biserial, Pearson's r between the item's score
  fraction and the candidate's *rest score* (the paper's earned points minus this item's),
  over the candidates who had the item. Moodle calls it the discrimination index.
- *upper/lower index* (高低分组鉴别指数, Kelley's 27 %): among the candidates who had the
  item, ranked by their total earned points (ties: the earlier attempt ranks higher), the mean
  score fraction of the top ``g = floor(0.27 n + 0.5)`` (27 %, halves rounded up) minus that
  of the bottom ``g``.
- *option pick rates*: for every option of the item's version (by option id, whatever letter
  it was shown under), the share of the item's candidates who selected it, including options
  nobody picked (0); ``omitted`` is the share who left the item unanswered.
- *mean time*: the mean of the per-response seconds given (see ``seconds_per_response``).
- session *reliability*: Cronbach's alpha over the paper's positions (as Moodle does for
  random questions: position k of every paper is one "item"), in earned points, with sample
  variances; equal to KR-20 when every response scored 0 or full points. Computed only when
  every attempt has the same positions.
- *SEM* (测量标准误): SD of the scores × sqrt(1 − alpha).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import chain

import numpy as np

UPPER_LOWER_SHARE = 0.27

# Flag codes, in the order they are shown.
TOO_EASY = "too_easy"
TOO_HARD = "too_hard"
NEGATIVE_DISCRIMINATION = "negative_discrimination"
LOW_DISCRIMINATION = "low_discrimination"
WEAK_DISTRACTOR = "weak_distractor"

DEFAULT_FLAG_RULES: dict[str, float] = {
    "min_candidates": 20,
    "facility_max": 0.95,
    "facility_min": 0.20,
    "discrimination_min": 0.15,
    "distractor_min_rate": 0.02,
}


@dataclass(frozen=True)
class Responses:
    """The responses of one session, one row per slot of a graded attempt.

    ``attempt`` and ``item`` are 0-based indexes (into ``scores`` and ``item_options``);
    ``selected`` lists the chosen option ids per row; ``seconds`` is NaN where unknown.
    ``item_options`` gives each item's options as ``(option id, correct)`` in the version's
    own order (empty for questions without options, e.g. case analysis).
    """

    attempt: np.ndarray
    item: np.ndarray
    position: np.ndarray
    earned: np.ndarray
    points: np.ndarray
    selected: Sequence[Sequence[int]]
    seconds: np.ndarray
    scores: np.ndarray
    item_options: Sequence[Sequence[tuple[int, bool]]]


@dataclass
class OptionFigures:
    id: int
    correct: bool
    count: int
    rate: float


@dataclass
class ItemFigures:
    index: int
    candidates: int
    facility: float | None
    discrimination: float | None
    upper_lower: float | None
    mean_seconds: float | None
    omitted: float | None
    options: list[OptionFigures] = field(default_factory=list)
    flags: list[dict] = field(default_factory=list)


@dataclass
class SessionFigures:
    attempts: int
    mean: float | None
    sd: float | None
    reliability: float | None
    reliability_kind: str  # "kr20" or "alpha" ("" when not computed)
    sem: float | None
    positions: int


def _finite(value) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None


def seconds_per_response(attempt: np.ndarray, saved: np.ndarray, started: np.ndarray) -> np.ndarray:
    """Seconds spent on each response, estimated from the save timestamps.

    ``saved`` are the rows' last save times and ``started`` the start time of each row's
    attempt (epoch seconds; NaN: never saved). Within an attempt, responses are ordered by
    save time; a response's time is the gap since the previous save of the same attempt, the
    first one's the gap since the start. Only the last save of each slot is kept, so time
    spent on a question that was changed later counts towards that later save: an estimate
    of where the time went, good for comparing questions, not a stopwatch.
    """
    seconds = np.full(len(attempt), np.nan)
    known = ~np.isnan(saved)
    rows = np.flatnonzero(known)
    if not len(rows):
        return seconds
    order = rows[np.lexsort((saved[rows], attempt[rows]))]
    times = saved[order]
    owners = attempt[order]
    previous = np.empty_like(times)
    previous[1:] = times[:-1]
    first = np.ones(len(order), dtype=bool)
    first[1:] = owners[1:] != owners[:-1]
    previous[first] = started[order][first]
    seconds[order] = np.maximum(times - previous, 0.0)
    return seconds


def _grouped_correlation(group: np.ndarray, x: np.ndarray, y: np.ndarray, size: int):
    """Pearson's r of x and y within each group (NaN where a variance is zero)."""
    n = np.bincount(group, minlength=size).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        mx = np.bincount(group, x, size) / n
        my = np.bincount(group, y, size) / n
        dx = x - mx[group]
        dy = y - my[group]
        sxy = np.bincount(group, dx * dy, size)
        sxx = np.bincount(group, dx * dx, size)
        syy = np.bincount(group, dy * dy, size)
        r = sxy / np.sqrt(sxx * syy)
    # Rounding leaves a variance of 1e-30 instead of 0: treat near-constant as constant.
    r[(sxx < 1e-12) | (syy < 1e-12)] = np.nan
    return r


def _upper_lower(item: np.ndarray, fraction: np.ndarray, total: np.ndarray, attempt, size):
    """Kelley's index per item: mean fraction of the top 27 % minus the bottom 27 %."""
    index = np.full(size, np.nan)
    # Rows sorted by item, then total descending, then attempt ascending (ties).
    order = np.lexsort((attempt, -total, item))
    sorted_items = item[order]
    bounds = np.searchsorted(sorted_items, np.arange(size + 1))
    sorted_fraction = fraction[order]
    for j in range(size):
        start, end = bounds[j], bounds[j + 1]
        n = end - start
        if n < 2:
            continue
        g = max(1, int(math.floor(UPPER_LOWER_SHARE * n + 0.5)))
        g = min(g, n // 2)
        block = sorted_fraction[start:end]
        index[j] = block[:g].mean() - block[-g:].mean()
    return index


def _reliability(responses: Responses, fraction_full: np.ndarray):
    """Cronbach's alpha over positions, when every attempt has the same positions."""
    attempts = len(responses.scores)
    positions, position_index = np.unique(responses.position, return_inverse=True)
    k = len(positions)
    if attempts < 2 or k < 2 or len(responses.attempt) != attempts * k:
        return None, "", k
    matrix = np.zeros((attempts, k))
    filled = np.zeros((attempts, k), dtype=bool)
    matrix[responses.attempt, position_index] = responses.earned
    filled[responses.attempt, position_index] = True
    if not filled.all():
        return None, "", k
    total_variance = matrix.sum(axis=1).var(ddof=1)
    if total_variance <= 1e-12:
        return None, "", k
    alpha = k / (k - 1) * (1 - matrix.var(axis=0, ddof=1).sum() / total_variance)
    kind = "kr20" if fraction_full.all() else "alpha"
    return _finite(alpha), kind, k


def analyse(responses: Responses) -> tuple[SessionFigures, list[ItemFigures]]:
    """The session's figures and every item's, from the responses."""
    attempts = len(responses.scores)
    size = len(responses.item_options)
    item = np.asarray(responses.item, dtype=np.int64)
    attempt = np.asarray(responses.attempt, dtype=np.int64)
    earned = np.asarray(responses.earned, dtype=float)
    points = np.asarray(responses.points, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        fraction = np.where(points > 0, earned / points, 0.0)
    total = np.bincount(attempt, earned, attempts)
    rest = total[attempt] - earned

    n = np.bincount(item, minlength=size)
    with np.errstate(invalid="ignore", divide="ignore"):
        facility = np.bincount(item, fraction, size) / n
        timed = ~np.isnan(responses.seconds)
        seconds = np.bincount(item[timed], responses.seconds[timed], size) / np.bincount(
            item[timed], minlength=size
        )
    discrimination = _grouped_correlation(item, fraction, rest, size)
    upper_lower = _upper_lower(item, fraction, total[attempt], attempt, size)

    # Option picks: one (item, option id) key per selected option, counted at once.
    lengths = np.fromiter((len(s) for s in responses.selected), dtype=np.int64, count=len(item))
    chosen = np.fromiter(chain.from_iterable(responses.selected), dtype=np.int64)
    omitted = np.bincount(item[lengths == 0], minlength=size)
    span = int(chosen.max()) + 1 if len(chosen) else 1
    keys, counts = np.unique(np.repeat(item, lengths) * span + chosen, return_counts=True)
    picks = dict(zip(keys.tolist(), counts.tolist(), strict=True))

    figures = []
    for j in range(size):
        count = int(n[j])
        options = []
        for option_id, correct in responses.item_options[j]:
            picked = picks.get(j * span + option_id, 0) if option_id < span else 0
            options.append(
                OptionFigures(
                    id=option_id,
                    correct=bool(correct),
                    count=picked,
                    rate=picked / count if count else 0.0,
                )
            )
        figures.append(
            ItemFigures(
                index=j,
                candidates=count,
                facility=_finite(facility[j]) if count else None,
                discrimination=_finite(discrimination[j]),
                upper_lower=_finite(upper_lower[j]),
                mean_seconds=_finite(seconds[j]),
                omitted=(int(omitted[j]) / count) if count and options else None,
                options=options,
            )
        )

    scores = np.asarray(responses.scores, dtype=float)
    full = (np.abs(earned) < 1e-9) | (np.abs(earned - points) < 1e-9)
    reliability, kind, k = _reliability(responses, full)
    sd = _finite(scores.std(ddof=1)) if attempts > 1 else None
    sem = (
        _finite(sd * math.sqrt(1 - reliability))
        if sd is not None and reliability is not None and reliability <= 1
        else None
    )
    session = SessionFigures(
        attempts=attempts,
        mean=_finite(scores.mean()) if attempts else None,
        sd=sd,
        reliability=reliability,
        reliability_kind=kind,
        sem=sem,
        positions=k,
    )
    return session, figures


def item_flags(figures: ItemFigures, rules: Mapping[str, float] | None = None) -> list[dict]:
    """The flags an item earns under ``rules`` (``DEFAULT_FLAG_RULES`` for missing keys).

    Items answered by fewer than ``min_candidates`` are not judged. Each flag is a dict with
    its ``code``, the item's ``value`` and the rule's ``limit`` (a weak distractor's also
    names the option ids), so that the reason is worded when shown, in the reader's language.
    """
    rules = {**DEFAULT_FLAG_RULES, **(rules or {})}
    if figures.candidates < rules["min_candidates"]:
        return []
    flags = []
    facility = figures.facility
    if facility is not None and facility > rules["facility_max"]:
        flags.append({"code": TOO_EASY, "value": facility, "limit": rules["facility_max"]})
    if facility is not None and facility < rules["facility_min"]:
        flags.append({"code": TOO_HARD, "value": facility, "limit": rules["facility_min"]})
    r = figures.discrimination
    if r is not None and r < 0:
        flags.append({"code": NEGATIVE_DISCRIMINATION, "value": r, "limit": 0})
    elif r is not None and r < rules["discrimination_min"]:
        flags.append({"code": LOW_DISCRIMINATION, "value": r, "limit": rules["discrimination_min"]})
    weak = [o for o in figures.options if not o.correct and o.rate < rules["distractor_min_rate"]]
    if weak:
        flags.append(
            {
                "code": WEAK_DISTRACTOR,
                "value": min(o.rate for o in weak),
                "limit": rules["distractor_min_rate"],
                "options": [o.id for o in weak],
            }
        )
    return flags
