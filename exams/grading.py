"""Scoring rules, as pure functions so that the table of cases is easy to test and to read."""

from decimal import ROUND_HALF_UP, Decimal

HALF = Decimal("0.5")
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
