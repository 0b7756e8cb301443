"""Scoring a whole paper: each slot by the pure rules of ``grading``, then the totals.

Two steps, so that every way of (re)scoring goes through the same totals: grading at the
finish scores every slot then totals; a regrade rescoring some slots, or a marker's mark on a
case-analysis answer, changes ``earned`` on those slots and totals again.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from ..grading import percentage, slot_score
from ..models import Attempt, AttemptSlot, ScoringRule


def slot_rescore(slot: AttemptSlot, *, partial: bool) -> Decimal:
    """Points the slot's answer earns against its question version's key."""
    return slot_score(
        selected=slot.selected,
        correct=slot.question_version.correct_ids,
        multiple=slot.multiple,
        partial=partial,
        points=slot.points,
    )


def attempt_totals(attempt: Attempt, slots: Sequence[AttemptSlot], sections: Sequence) -> None:
    """Set the attempt's score, pass and breakdown from its slots' ``earned`` (not saved).

    ``slots`` carry ``question_version__question__topic``; ``sections`` are the blueprint's
    sections in order (a section's ``min_score`` gates the pass).
    """
    session = attempt.session
    earned_total = possible_total = Decimal("0")
    topics: dict[str, dict[str, Decimal]] = {}
    by_section: dict[int, dict[str, Decimal]] = {}
    for slot in slots:
        earned = slot.earned or Decimal("0")
        earned_total += earned
        possible_total += slot.points
        topic = topics.setdefault(
            slot.question_version.question.topic.name,
            {"earned": Decimal(0), "possible": Decimal(0)},
        )
        topic["earned"] += earned
        topic["possible"] += slot.points
        section = by_section.setdefault(
            slot.section, {"earned": Decimal(0), "possible": Decimal(0)}
        )
        section["earned"] += earned
        section["possible"] += slot.points
    attempt.score = percentage(earned_total, possible_total)
    sections_passed = all(
        sections[i].min_score is None or totals["earned"] >= sections[i].min_score
        for i, totals in by_section.items()
        if i < len(sections)
    )
    attempt.passed = attempt.score >= session.pass_mark and sections_passed
    attempt.breakdown = {
        "earned": str(earned_total),
        "possible": str(possible_total),
        "topics": {name: {k: str(v) for k, v in t.items()} for name, t in topics.items()},
        "sections": [
            {
                "title": sections[i].title if i < len(sections) else str(i),
                "earned": str(t["earned"]),
                "possible": str(t["possible"]),
                "min_score": str(sections[i].min_score)
                if i < len(sections) and sections[i].min_score is not None
                else None,
            }
            for i, t in sorted(by_section.items())
        ],
    }


def attempt_grade(attempt: Attempt) -> list[AttemptSlot]:
    """Score every machine-scored slot against its key, store ``earned``, and total the
    attempt (not saved).

    Slots marked by people keep ``earned`` empty and wait for their first marking round; the
    attempt is then ``marking_pending`` with no score and no pass until the last final mark
    totals it again (``transitions.attempt_marking_complete``)."""
    partial = attempt.session.scoring == ScoringRule.PARTIAL
    slots = list(attempt.slots.select_related("question_version__question__topic"))
    for slot in slots:
        if slot.hand_marked:
            slot.earned = None
            slot.mark_round = 1
        else:
            slot.earned = slot_rescore(slot, partial=partial)
    AttemptSlot.objects.bulk_update(slots, ["earned", "mark_round"])
    attempt_totals(attempt, slots, list(attempt.session.blueprint.sections.all()))
    attempt.marking_pending = any(slot.hand_marked for slot in slots)
    if attempt.marking_pending:
        attempt.score = None
        attempt.passed = None
    return slots
