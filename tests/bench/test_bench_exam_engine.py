"""The exam engine on a full-size bank: draw 100-question papers from 10,000 questions, and
grade 5,000 attempts of 100 questions at the session's close (``attempts_close_overdue``).

Runs on the normal test database (SQLite in memory unless TEST_DATABASE_URL is set).
"""

import random
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from cms.people.models import User
from exams.models import Attempt, AttemptSlot, AttemptStatus, QuestionVersion
from exams.services import attempt_start, attempt_submit, attempts_close_overdue, paper_draw
from tests.factories import UserFactory, build_org_tree

from .bank import bank_build, blueprint_build, session_build
from .conftest import stopwatch

pytestmark = pytest.mark.django_db

BANK = 10_000
PAPER = 100
ATTEMPTS = 5_000
DRAWS = 20


def _answers(slot, correct: list[int], rng: random.Random) -> list[int]:
    """About three answers in four right; the rest a wrong or (multiple choice) partial one."""
    if rng.random() < 0.75:
        return sorted(correct)
    if slot.multiple and len(correct) > 1 and rng.random() < 0.5:
        return sorted(rng.sample(correct, len(correct) - 1))
    wrong = [o for o in slot.option_order if o not in correct]
    return [rng.choice(wrong)] if wrong else []


def test_draw_and_grade_on_a_10000_question_bank():
    results: dict[str, float] = {}
    print(f"\nBENCH engine database: {connection.vendor}")
    with stopwatch(f"build the {BANK:,}-question bank (laws + xlsx import)", results):
        bank_build(BANK)
    org = build_org_tree()
    departments = [d for ds in org.departments.values() for d in ds]
    session = session_build(blueprint_build(PAPER), org.city, duration_minutes=60)
    blueprint = session.blueprint

    rng = random.Random(2026)
    with stopwatch(f"paper_draw x{DRAWS} ({PAPER} of {BANK:,})", results):
        papers = [paper_draw(blueprint, rng) for _ in range(DRAWS)]
    assert all(len(p) == PAPER for p in papers)
    print(
        f"BENCH paper_draw: {results[f'paper_draw x{DRAWS} ({PAPER} of {BANK:,})'] / DRAWS * 1000:.0f} ms per paper"
    )
    starters = [UserFactory(org_unit=departments[0]) for _ in range(DRAWS)]
    with stopwatch(f"attempt_start x{DRAWS} (draw + {PAPER} slots + audit)", results):
        started = [attempt_start(session=session, user=user) for user in starters]
    print(
        f"BENCH attempt_start: {results[f'attempt_start x{DRAWS} (draw + {PAPER} slots + audit)'] / DRAWS * 1000:.0f} ms per attempt"
    )

    with stopwatch(f"attempt_submit x{DRAWS} (grade + audit)", results):
        for attempt in started:
            attempt_submit(attempt_id=attempt.pk, user=attempt.user)

    # 5,000 in-progress attempts with answers saved, built in bulk (not what is measured).
    with stopwatch(f"seed {ATTEMPTS:,} attempts x {PAPER} answered slots (bulk)", results):
        User.objects.bulk_create(
            UserFactory.build(org_unit=departments[i % len(departments)]) for i in range(ATTEMPTS)
        )
        users = list(User.objects.exclude(pk__in=[u.pk for u in starters]).order_by("pk"))
        users = users[-ATTEMPTS:]
        now = timezone.now()
        attempts = Attempt.objects.bulk_create(
            Attempt(
                session=session,
                user=u,
                number=1,
                seed=i,
                started_at=now,
                deadline=now + timedelta(minutes=60),
            )
            for i, u in enumerate(users)
        )
        correct = {
            v.pk: v.correct_ids
            for v in QuestionVersion.objects.filter(
                pk__in={s.version_id for p in papers for s in p}
            ).only("pk", "options")
        }
        answers_rng = random.Random(7)
        slots = []
        for i, attempt in enumerate(attempts):
            for position, drawn in enumerate(papers[i % DRAWS], start=1):
                slot = AttemptSlot(
                    attempt=attempt,
                    position=position,
                    section=drawn.section,
                    question_version_id=drawn.version_id,
                    option_order=drawn.option_order,
                    option_count=drawn.option_count,
                    multiple=drawn.multiple,
                    points=drawn.points,
                    seq=1,
                    saved_at=now,
                )
                slot.selected = _answers(slot, correct[drawn.version_id], answers_rng)
                slots.append(slot)
        AttemptSlot.objects.bulk_create(slots, batch_size=5_000)
    assert AttemptSlot.objects.filter(attempt__in=attempts).count() == ATTEMPTS * PAPER

    label = f"grade {ATTEMPTS:,} attempts x {PAPER} questions (attempts_close_overdue)"
    with stopwatch(label, results):
        finalised = attempts_close_overdue(now=now + timedelta(hours=2))
    assert finalised == ATTEMPTS
    print(
        f"BENCH grading: {results[label] / ATTEMPTS * 1000:.1f} ms per attempt, "
        f"{ATTEMPTS / results[label]:.0f} attempts/s"
    )
    graded = Attempt.objects.filter(pk__in=[a.pk for a in attempts[:200]])
    assert all(a.status == AttemptStatus.EXPIRED and a.score is not None for a in graded)
    passed = Attempt.objects.filter(pk__in=[a.pk for a in attempts], passed=True).count()
    print(f"BENCH graded: {passed:,} of {ATTEMPTS:,} passed")
