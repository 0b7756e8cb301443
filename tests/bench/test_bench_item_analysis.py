"""Item analysis of a session of 5,000 candidates × 100 questions (target under 10 s), against
a plain SELECT of the same slot rows measured in the same run. Run with ``make bench``.

The session is seeded in bulk (not measured): a 300-question bank, 20 papers of 100 drawn from
it (so about 300 items, each answered by about 1,700 candidates), 5,000 graded attempts whose
answers follow a 2-parameter logistic model, save times a minute apart. Runs on the normal
test database (SQLite in memory unless TEST_DATABASE_URL is set).
"""

import json
import math
import random
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from cms.people.models import User
from exams.models import Attempt, AttemptSlot, AttemptStatus, ItemAnalysis, QuestionVersion
from exams.services import paper_draw
from exams.services.analysis import item_analysis_request
from tests.factories import UserFactory, build_org_tree

from .bank import bank_build, blueprint_build, session_build
from .conftest import stopwatch

pytestmark = pytest.mark.django_db

ATTEMPTS = 5_000
PAPER = 100
PAPERS = 20
TARGET_SECONDS = 10.0


def _seed():
    bank_build(300)
    org = build_org_tree()
    departments = [d for ds in org.departments.values() for d in ds]
    session = session_build(blueprint_build(PAPER), org.city, duration_minutes=120)
    rng = random.Random(12)
    papers = [paper_draw(session.blueprint, rng) for _ in range(PAPERS)]
    versions = {
        v.pk: v
        for v in QuestionVersion.objects.filter(
            pk__in={s.version_id for p in papers for s in p}
        ).only("pk", "options")
    }
    difficulty = {pk: rng.gauss(-0.5, 1.0) for pk in versions}
    slope = {pk: rng.uniform(-0.3, 2.0) for pk in versions}
    User.objects.bulk_create(
        UserFactory.build(org_unit=departments[i % len(departments)]) for i in range(ATTEMPTS)
    )
    users = list(User.objects.order_by("pk"))[-ATTEMPTS:]
    started = timezone.now() - timedelta(hours=3)
    attempts = Attempt.objects.bulk_create(
        Attempt(
            session=session,
            user=u,
            number=1,
            seed=i,
            status=AttemptStatus.SUBMITTED,
            started_at=started,
            deadline=started + timedelta(minutes=120),
            finished_at=started + timedelta(minutes=100),
            score=Decimal(0),
        )
        for i, u in enumerate(users)
    )
    # Slots go in with executemany (prepared values, no model instances): seeding 500,000
    # rows this way takes a fraction of ``bulk_create``'s time.
    ops = connection.ops
    table = AttemptSlot._meta.db_table
    columns = (
        "attempt_id, position, section, question_version_id, option_order, option_count, "
        "multiple, points, selected, seq, writer, saved_at, flagged, earned, hand_marked, "
        "text, mark_round"
    )
    insert = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * 17)})"
    orders = {s.version_id: json.dumps(s.option_order) for p in papers for s in p}
    rows = []
    scores = []
    for i, attempt in enumerate(attempts):
        ability = rng.gauss(0, 1)
        earned_total = possible = Decimal(0)
        for position, drawn in enumerate(papers[i % PAPERS], start=1):
            version = versions[drawn.version_id]
            correct = [o["id"] for o in version.options if o["correct"]]
            wrong = [o["id"] for o in version.options if not o["correct"]]
            z = slope[drawn.version_id] * (ability - difficulty[drawn.version_id])
            right = rng.random() < 1 / (1 + math.exp(-z)) or not wrong
            selected = sorted(correct) if right else [rng.choice(wrong)]
            earned = drawn.points if right else Decimal(0)
            earned_total += earned
            possible += drawn.points
            saved = started + timedelta(seconds=60 * position + rng.randint(0, 30))
            rows.append(
                (
                    attempt.pk,
                    position,
                    drawn.section,
                    drawn.version_id,
                    orders[drawn.version_id],
                    drawn.option_count,
                    drawn.multiple,
                    ops.adapt_decimalfield_value(drawn.points, 5, 2),
                    json.dumps(selected),
                    1,
                    0,
                    ops.adapt_datetimefield_value(saved),
                    False,
                    ops.adapt_decimalfield_value(earned, 5, 2),
                    False,
                    "",
                    0,
                )
            )
        scores.append((earned_total * 100 / possible).quantize(Decimal("0.01")))
        if len(rows) >= 50_000:
            with connection.cursor() as cursor:
                cursor.executemany(insert, rows)
            rows = []
    if rows:
        with connection.cursor() as cursor:
            cursor.executemany(insert, rows)
    for attempt, score in zip(attempts, scores, strict=True):
        attempt.score = score
    Attempt.objects.bulk_update(attempts, ["score"], batch_size=5_000)
    return session


def test_item_analysis_of_5000_candidates_by_100_questions():
    results: dict[str, float] = {}
    print(f"\nBENCH item analysis database: {connection.vendor}")
    with stopwatch(f"seed {ATTEMPTS:,} graded attempts x {PAPER} slots (bulk)", results):
        session = _seed()
    rows = ATTEMPTS * PAPER
    assert AttemptSlot.objects.filter(attempt__session=session).count() == rows

    table = AttemptSlot._meta.db_table
    attempt_table = Attempt._meta.db_table
    sql = (
        f"SELECT s.attempt_id, s.position, s.question_version_id, s.selected, s.earned, "
        f"s.points, s.saved_at FROM {table} s JOIN {attempt_table} a ON a.id = s.attempt_id "
        f"WHERE a.session_id = %s AND a.status IN ('submitted', 'expired') "
        f"AND a.score IS NOT NULL"
    )
    label_select = f"reference: plain SELECT of the {rows:,} slot rows (cursor.fetchall)"
    with stopwatch(label_select, results):
        with connection.cursor() as cursor:
            cursor.execute(sql, [session.pk])
            fetched = cursor.fetchall()
    assert len(fetched) == rows
    del fetched

    label = f"item analysis of {ATTEMPTS:,} candidates x {PAPER} questions (read, compute, store)"
    start = time.perf_counter()
    with stopwatch(label, results):
        analysis = item_analysis_request(session=session)
    elapsed = time.perf_counter() - start
    assert analysis.status == ItemAnalysis.Status.DONE
    figures = analysis.results["session"]
    print(
        f"BENCH item analysis: {elapsed:.2f} s = {elapsed / results[label_select]:.1f}x the plain "
        f"SELECT ({results[label_select]:.2f} s); target < {TARGET_SECONDS:.0f} s"
    )
    print(
        f"BENCH item analysis figures: {figures['attempts']:,} attempts, {figures['items']} items,"
        f" {figures['flagged']} flagged, {figures['reliability_kind']} = "
        f"{figures['reliability']}, SEM = {figures['sem']}"
    )
    assert figures["attempts"] == ATTEMPTS
    assert elapsed < TARGET_SECONDS, (
        f"item analysis took {elapsed:.1f} s (target {TARGET_SECONDS} s)"
    )
