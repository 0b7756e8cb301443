"""Plain data other apps (certification: appraisal, HR reports) read from ``learning``.

Standard library only, so that importing it never pulls in models.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

ZERO = Decimal("0")


@dataclass(frozen=True)
class YearSummary:
    """A person's study hours in one calendar year (Asia/Shanghai) against the requirement.

    ``earned_by_kind`` holds every kind earned; ``counted`` only the kinds that count toward
    the person's requirement category (``counted_kinds``).
    """

    user_id: int
    year: int
    category: str
    required: Decimal
    counted_kinds: tuple[str, ...]
    earned_by_kind: dict[str, Decimal] = field(default_factory=dict)

    @property
    def earned(self) -> Decimal:
        return sum(self.earned_by_kind.values(), ZERO)

    @property
    def counted(self) -> Decimal:
        return sum((self.earned_by_kind.get(k, ZERO) for k in self.counted_kinds), ZERO)

    @property
    def missing(self) -> Decimal:
        return max(self.required - self.counted, ZERO)

    @property
    def is_met(self) -> bool:
        return self.counted >= self.required

    @property
    def percent(self) -> int:
        """Progress toward the requirement, 0–100, for progress bars."""
        if self.required <= 0:
            return 100
        return min(100, int(self.counted * 100 / self.required))


@dataclass(frozen=True)
class CategoryProgress:
    """A person's hours of a year against one requirement category that applies to them
    (全体公务员 40, 行政执法人员 60 counting rotation training, …); ``applies`` marks the
    strictest, the one their appraisal uses. ``label`` is already translated."""

    category: str
    label: str
    required: Decimal
    counted: Decimal
    counted_kinds: tuple[str, ...]
    applies: bool = False

    @property
    def is_met(self) -> bool:
        return self.counted >= self.required

    @property
    def missing(self) -> Decimal:
        return max(self.required - self.counted, ZERO)

    @property
    def percent(self) -> int:
        if self.required <= 0:
            return 100
        return min(100, int(self.counted * 100 / self.required))
