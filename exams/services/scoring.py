"""Scoring a whole paper: each slot by the pure rules of ``grading``, then the totals.

Two steps, so that every way of (re)scoring goes through the same totals: grading at the
finish scores every slot then totals; a regrade rescoring some slots, or a marker's mark on a
case-analysis answer, changes ``earned`` on those slots and totals again.

Both steps honour the remedies confirmed for faulty questions (``exams.models.Regrade``): a
corrected key replaces the key of every earlier version of the question, a dropped question
counts neither in the earned nor in the possible points of the session's papers, and a
full-marks question earns its points whatever was answered. ``ScoringRules`` carries them, read
once per attempt (or once per regrade), so that an attempt graded after a remedy was confirmed
is scored exactly as the regrade rescored the ones before it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q

from ..grading import MACHINE_SCORED_KINDS, percentage, slot_score
from ..models import Attempt, AttemptSlot, Regrade, ScoringRule


@dataclass(frozen=True)
class ScoringRules:
    """The confirmed remedies that apply to one session's papers."""

    # question id -> (number of the corrected version, corrected key): versions numbered
    # below it are scored against the corrected key.
    corrections: dict[int, tuple[int, tuple[int, ...]]] = field(default_factory=dict)
    dropped: frozenset[int] = frozenset()
    full_marks: frozenset[int] = frozenset()

    def key(self, question_id: int, version_number: int, key: Sequence[int]) -> list[int]:
        correction = self.corrections.get(question_id)
        if correction is not None and version_number < correction[0]:
            return list(correction[1])
        return list(key)

    def counts(self, question_id: int) -> bool:
        return question_id not in self.dropped

    def with_remedy(
        self,
        *,
        action: str,
        question_id: int,
        key: Sequence[int] = (),
        new_number: int = 0,
    ) -> ScoringRules:
        """These rules plus one more remedy (what a dry run scores against)."""
        if action == Regrade.Action.KEY:
            corrections = {**self.corrections, question_id: (new_number, tuple(key))}
            return ScoringRules(corrections, self.dropped, self.full_marks)
        if action == Regrade.Action.DROP:
            return ScoringRules(self.corrections, self.dropped | {question_id}, self.full_marks)
        return ScoringRules(self.corrections, self.dropped, self.full_marks | {question_id})


NO_RULES = ScoringRules()


def scoring_rules(*, session_id: int, question_ids: Iterable[int] | None = None) -> ScoringRules:
    """The remedies confirmed for these questions (None: all) in this session (one query)."""
    rows = Regrade.objects.all()
    if question_ids is not None:
        question_ids = list(set(question_ids))
        if not question_ids:
            return NO_RULES
        rows = rows.filter(question_id__in=question_ids)
    corrections: dict[int, tuple[int, tuple[int, ...]]] = {}
    dropped: set[int] = set()
    full: set[int] = set()
    rows = (
        rows.filter(Q(action=Regrade.Action.KEY) | Q(session_id=session_id))
        .order_by("pk")
        .values_list("action", "question_id", "key", "new_version__number")
    )
    for action, question_id, key, number in rows:
        if action == Regrade.Action.KEY:
            corrections[question_id] = (number or 0, tuple(key))  # the latest one wins
        elif action == Regrade.Action.DROP:
            dropped.add(question_id)
        else:
            full.add(question_id)
    return ScoringRules(corrections, frozenset(dropped), frozenset(full))


@dataclass(slots=True)
class SlotFacts:
    """What the totals read of a slot (a regrade builds these straight from rows)."""

    question_id: int
    topic: str
    section: int
    points: Decimal
    earned: Decimal | None


def score_answer(
    *,
    question_id: int,
    version_number: int,
    kind: str,
    selected: list[int],
    key: list[int],
    multiple: bool,
    partial: bool,
    points: Decimal,
    rules: ScoringRules,
    earned: Decimal | None = None,
) -> Decimal | None:
    """Points a machine-scored answer earns under the rules; other kinds keep ``earned``."""
    if kind not in MACHINE_SCORED_KINDS:
        return earned
    if question_id in rules.full_marks:
        return points
    return slot_score(
        selected=selected,
        correct=rules.key(question_id, version_number, key),
        multiple=multiple,
        partial=partial,
        points=points,
    )


def slot_rescore(slot: AttemptSlot, *, partial: bool, rules: ScoringRules | None = None) -> Decimal:
    """Points the slot's answer earns against its question version's key (as corrected)."""
    version = slot.question_version
    if rules is None:
        rules = scoring_rules(
            session_id=slot.attempt.session_id, question_ids=[version.question_id]
        )
    return score_answer(
        question_id=version.question_id,
        version_number=version.number,
        kind=version.kind,
        selected=slot.selected,
        key=version.correct_ids,
        multiple=slot.multiple,
        partial=partial,
        points=slot.points,
        rules=rules,
        earned=slot.earned,
    )


def _facts(slot: AttemptSlot) -> SlotFacts:
    version = slot.question_version
    return SlotFacts(
        question_id=version.question_id,
        topic=version.question.topic.name,
        section=slot.section,
        points=slot.points,
        earned=slot.earned,
    )


def attempt_totals(
    attempt: Attempt,
    slots: Sequence[AttemptSlot],
    sections: Sequence,
    *,
    rules: ScoringRules | None = None,
) -> None:
    """Set the attempt's score, pass and breakdown from its slots' ``earned`` (not saved).

    ``slots`` carry ``question_version__question__topic``; ``sections`` are the blueprint's
    sections in order (a section's ``min_score`` gates the pass). Dropped questions count in
    neither the earned nor the possible points.
    """
    facts = [_facts(slot) for slot in slots]
    if rules is None:
        rules = scoring_rules(
            session_id=attempt.session_id, question_ids=[f.question_id for f in facts]
        )
    totals_from_facts(attempt, facts, sections, rules=rules)


def totals_from_facts(
    attempt: Attempt, facts: Iterable[SlotFacts], sections: Sequence, *, rules: ScoringRules
) -> None:
    """The totals of ``attempt_totals``, from ``SlotFacts`` (not saved)."""
    session = attempt.session
    earned_total = possible_total = Decimal("0")
    topics: dict[str, dict[str, Decimal]] = {}
    by_section: dict[int, dict[str, Decimal]] = {}
    for slot in facts:
        if not rules.counts(slot.question_id):
            continue
        earned = slot.earned or Decimal("0")
        earned_total += earned
        possible_total += slot.points
        topic = topics.setdefault(slot.topic, {"earned": Decimal(0), "possible": Decimal(0)})
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
    rules = scoring_rules(
        session_id=attempt.session_id,
        question_ids=[slot.question_version.question_id for slot in slots],
    )
    for slot in slots:
        if slot.hand_marked:
            slot.earned = None
            slot.mark_round = 1
        else:
            slot.earned = slot_rescore(slot, partial=partial, rules=rules)
    AttemptSlot.objects.bulk_update(slots, ["earned", "mark_round"])
    attempt_totals(attempt, slots, list(attempt.session.blueprint.sections.all()), rules=rules)
    attempt.marking_pending = any(slot.hand_marked for slot in slots)
    if attempt.marking_pending:
        attempt.score = None
        attempt.passed = None
    return slots
