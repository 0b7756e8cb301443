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
