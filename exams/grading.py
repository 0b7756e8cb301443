"""Scoring rules, as pure functions so that the table of cases is easy to test and to read."""

from decimal import ROUND_HALF_UP, Decimal

HALF = Decimal("0.5")

# The question kinds scored by the machine against a key (``QuestionKind`` values). Only these
# are rescored by a key correction, a dropped question or full marks; kinds marked by people
# (case analysis, short answer) keep the marks their markers gave.
MACHINE_SCORED_KINDS = frozenset({"single", "multiple", "true_false"})
CENT = Decimal("0.01")


def slot_score(
    *, selected: list[int], correct: list[int], multiple: bool, partial: bool, points: Decimal
) -> Decimal:
    """Points earned for one question.

    Single choice and true/false: the one right option. Multiple choice: all-or-nothing, or
    with partial credit: some but not all right options and no wrong one scores half; any
    wrong option scores zero.
    """
    chosen, right = set(selected), set(correct)
    if chosen == right and chosen:
        return points
    if multiple and partial and chosen and chosen < right:
        return (points * HALF).quantize(CENT, rounding=ROUND_HALF_UP)
    return Decimal("0")


def percentage(earned: Decimal, possible: Decimal) -> Decimal:
    """A score out of 100, whatever the paper's total."""
    if not possible:
        return Decimal("0")
    return (earned * 100 / possible).quantize(CENT, rounding=ROUND_HALF_UP)


def grade_band(score: Decimal | None, bands=None) -> str:
    """优秀 / 良好 / 合格 / 不合格 by ``settings.GRADE_BANDS`` (floors, highest first); "" without
    a score."""
    if score is None:
        return ""
    if bands is None:
        from django.conf import settings

        bands = settings.GRADE_BANDS
    for floor, label in bands:
        if score >= floor:
            return str(label)
    return ""


# The kinds scored by the machine against their key; every other kind is marked by people.
# (Plain strings, the ``QuestionKind`` values, so that this module stays free of models.)
MACHINE_SCORED_KINDS = frozenset({"single", "multiple", "true_false"})


def rubric_total(rubric: list[dict]) -> Decimal:
    """The sum of a rubric's criterion points."""
    return sum((Decimal(str(c["points"])) for c in rubric), Decimal("0"))


def rubric_earned(mark: Decimal, *, rubric_points: Decimal, points: Decimal) -> Decimal:
    """A mark in rubric points as the slot's points: the rubric is a set of weights, scaled
    to whatever the blueprint's section gives the question (a 20-point rubric in a 10-point
    slot: 15 rubric points earn 7.5)."""
    if not rubric_points:
        return Decimal("0")
    return (points * mark / rubric_points).quantize(CENT, rounding=ROUND_HALF_UP)


def marking_outcome(
    totals: list[Decimal], *, double: bool, tolerance: Decimal
) -> tuple[int, Decimal | None]:
    """Given the marks so far (in round order), the round still needed (0: none) and the
    final mark (None until there is one).

    Single marking: the first mark is final. Double marking: two independent marks; if they
    differ by at most ``tolerance`` the final mark is their mean (to the cent, half up),
    otherwise a third marker marks and that mark is final.
    """
    if not totals:
        return 1, None
    if not double:
        return 0, totals[0]
    if len(totals) == 1:
        return 2, None
    first, second = totals[0], totals[1]
    if abs(first - second) <= tolerance:
        return 0, ((first + second) / 2).quantize(CENT, rounding=ROUND_HALF_UP)
    if len(totals) == 2:
        return 3, None
    return 0, totals[2]
