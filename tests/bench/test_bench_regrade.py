"""Regrading after one key correction: 5,000 graded attempts of 100 questions, every one of
which holds the corrected question (the worst case), through ``key_correction_confirm`` and the
regrade task it runs (rescoring, per-attempt audit, the signal, the candidates' mails).

Printed against a reference measured in the same run on the same rows: a plain bulk UPDATE of
the affected slots and attempts, i.e. what the database alone needs to touch them once. Fails
when the regrade misses its target (30 s). Runs on the normal test database (SQLite in memory
unless TEST_DATABASE_URL is set). ``BENCH_REGRADE_ATTEMPTS`` runs it on fewer attempts.
"""

from __future__ import annotations

import os
import random
import time
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.db import connection
from django.db.models import F
from django.utils import timezone

from cms.people.models import User
from exams.formats.base import ParsedOption
from exams.grading import slot_score
from exams.models import (
    Attempt,
    AttemptEvent,
    AttemptSlot,
    AttemptStatus,
    QuestionVersion,
    Regrade,
    RegradeChange,
)
from exams.services import paper_draw
from exams.services.regrades import key_correction_confirm, regrade_plan
from exams.services.scoring import NO_RULES, SlotFacts, totals_from_facts
from tests.factories import UserFactory, build_org_tree

from .bank import bank_build, blueprint_build, session_build
from .conftest import stopwatch

pytestmark = pytest.mark.django_db

BANK = 2_000
PAPER = 100
ATTEMPTS = int(os.environ.get("BENCH_REGRADE_ATTEMPTS", "5000"))
PAPERS = 20
TARGET_SECONDS = 30.0


def _seed(session, papers, question_version, departments) -> list[Attempt]:
    """5,000 graded attempts in bulk, scored as grading would have scored them."""
    now = timezone.now()
    User.objects.bulk_create(
        UserFactory.build(org_unit=departments[i % len(departments)]) for i in range(ATTEMPTS)
    )
    users = list(User.objects.order_by("-pk")[:ATTEMPTS])
    versions = {
        pk: (question_id, topic, correct)
        for pk, question_id, topic, correct in (
            (v.pk, v.question_id, v.question.topic.name, v.correct_ids)
            for v in QuestionVersion.objects.filter(
                pk__in={d.version_id for p in papers for d in p}
            ).select_related("question__topic")
        )
    }
    sections = list(session.blueprint.sections.all())
    rng = random.Random(11)
    attempts, slots_of = [], defaultdict(list)
    for i, user in enumerate(users):
        attempt = Attempt(
            session=session,
            user=user,
            number=1,
            seed=i,
            started_at=now - timedelta(minutes=50),
            deadline=now + timedelta(minutes=10),
            finished_at=now - timedelta(minutes=5),
            status=AttemptStatus.SUBMITTED,
        )
        facts = []
        for position, drawn in enumerate(papers[i % PAPERS], start=1):
            question_id, topic, correct = versions[drawn.version_id]
            if rng.random() < 0.7:
                selected = sorted(correct)
            else:
                wrong = [o for o in drawn.option_order if o not in correct]
                selected = [rng.choice(wrong)]
            earned = slot_score(
                selected=selected,
                correct=correct,
                multiple=drawn.multiple,
                partial=False,
                points=drawn.points,
            )
            slots_of[i].append(
                AttemptSlot(
                    position=position,
                    section=drawn.section,
                    question_version_id=drawn.version_id,
                    option_order=drawn.option_order,
                    option_count=drawn.option_count,
                    multiple=drawn.multiple,
                    points=drawn.points,
                    selected=selected,
                    seq=1,
                    saved_at=now,
                    earned=earned,
                )
            )
            facts.append(SlotFacts(question_id, topic, drawn.section, drawn.points, earned))
        totals_from_facts(attempt, facts, sections, rules=NO_RULES)
        attempts.append(attempt)
    attempts = Attempt.objects.bulk_create(attempts, batch_size=2_000)
    slots = []
    for i, attempt in enumerate(attempts):
        for slot in slots_of[i]:
            slot.attempt = attempt
            slots.append(slot)
    AttemptSlot.objects.bulk_create(slots, batch_size=5_000)
    QuestionVersion.objects.filter(pk__in={d.version_id for p in papers for d in p}).update(
        locked=True
    )
    return attempts


def test_regrade_5000_attempts_after_one_key_correction(django_capture_on_commit_callbacks):
    results: dict[str, float] = {}
    print(f"\nBENCH regrade database: {connection.vendor}")
    with stopwatch(f"build the {BANK:,}-question bank", results):
        bank_build(BANK)
    org = build_org_tree()
    departments = [d for ds in org.departments.values() for d in ds]
    session = session_build(blueprint_build(PAPER), org.city, duration_minutes=60)
    rng = random.Random(2026)
    papers = [paper_draw(session.blueprint, rng) for _ in range(PAPERS)]
    # the corrected question sits in every paper: the first single-choice slot of paper 0
    target = next(d for d in papers[0] if not d.multiple and d.option_count == 4)
    for paper in papers[1:]:
        if all(d.version_id != target.version_id for d in paper):
            index = next(i for i, d in enumerate(paper) if d.section == target.section)
            paper[index] = target
    version = QuestionVersion.objects.select_related("question").get(pk=target.version_id)
    question = version.question
    with stopwatch(f"seed {ATTEMPTS:,} graded attempts x {PAPER} slots (bulk)", results):
        attempts = _seed(session, papers, version, departments)
    ids = [a.pk for a in attempts]
    assert AttemptSlot.objects.filter(question_version=version).count() == ATTEMPTS

    affected_slots = AttemptSlot.objects.filter(question_version__question=question)
    reference = "reference: plain bulk UPDATE of the same slots and attempts"
    with stopwatch(reference, results):
        affected_slots.update(earned=F("earned"))
        Attempt.objects.filter(pk__in=affected_slots.values("attempt_id")).update(
            score=F("score"), passed=F("passed"), breakdown=F("breakdown")
        )

    new_key = [3]  # C instead of B
    options = [ParsedOption(o["text"], o["id"] in new_key) for o in version.options]
    with stopwatch("dry run (regrade_plan)", results):
        plan = regrade_plan(question=question, action="key", key=new_key, actor=None)
    assert len(plan.changes) == ATTEMPTS
    changed = sum(c.score_changed for c in plan.changes)

    before = dict(Attempt.objects.filter(pk__in=ids[:50]).values_list("pk", "score"))
    label = f"key correction + regrade of {ATTEMPTS:,} attempts (task, audit, signal, mail)"
    started = time.perf_counter()
    with django_capture_on_commit_callbacks(execute=True):
        regrade = key_correction_confirm(
            question=question,
            reason="压测：答案更正",
            actor=None,
            kind=version.kind,
            stem=version.stem,
            options=options,
            explanation=version.explanation,
            difficulty=version.difficulty,
            articles=list(version.articles.all()),
        )
    results[label] = time.perf_counter() - started
    print(f"BENCH {label}: {results[label]:.2f} s")

    regrade.refresh_from_db()
    assert regrade.status == Regrade.Status.DONE and regrade.done == ATTEMPTS
    assert RegradeChange.objects.filter(regrade=regrade).count() == changed
    assert AttemptEvent.objects.filter(action=AttemptEvent.Action.REGRADE).count() == changed
    after = dict(Attempt.objects.filter(pk__in=ids[:50]).values_list("pk", "score"))
    planned = {c.attempt_id: c.new_score for c in plan.changes}
    assert all(after[pk] == planned[pk] for pk in after)
    assert any(after[pk] != before[pk] for pk in after)
    assert len(mail.outbox) == changed
    ratio = results[label] / max(results[reference], 1e-6)
    print(
        f"BENCH regrade: {changed:,} of {ATTEMPTS:,} results changed, "
        f"{results[label] / ATTEMPTS * 1000:.2f} ms per attempt, "
        f"{ratio:.0f}x the plain UPDATE ({results[reference]:.2f} s); target < {TARGET_SECONDS:.0f} s"
    )
    assert Decimal(str(results[label])) < Decimal(str(TARGET_SECONDS)), "regrade missed its target"
