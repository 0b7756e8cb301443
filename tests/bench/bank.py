"""Realistic exam data for the benchmarks, built through the services the back office uses."""

from __future__ import annotations

import tempfile
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from django.test import override_settings
from django.utils import timezone

from cms.laws.services import law_library_import
from exams.models import Blueprint, BlueprintSection, ExamKind, ExamSession
from exams.services import questions_import, topic_by_path
from tests.exams.conftest import BANK_LAWS, laws_subset

from .test_bench_question_import import TOPICS, _spreadsheet

# Section kinds in the proportions of the annual exam: 60 % single, 20 % multiple, 20 % T/F.
PAPER_MIX = (
    ("single", Decimal("0.6"), Decimal(1)),
    ("multiple", Decimal("0.2"), Decimal(2)),
    ("true_false", Decimal("0.2"), Decimal(1)),
)


def bank_build(questions: int) -> None:
    """The four bank laws and ``questions`` questions citing them, imported from an xlsx."""
    with tempfile.TemporaryDirectory(prefix="bench-laws.") as tmp:
        law_library_import(directory=laws_subset(Path(tmp), BANK_LAWS))
    data = _spreadsheet(questions)
    with override_settings(UPLOAD_MAX_BYTES=len(data) + 1):
        report = questions_import(data=data, filename="bank.xlsx")
    assert report.imported == questions, report.errors[:3]


def blueprint_build(paper_size: int) -> Blueprint:
    """A paper of ``paper_size`` questions drawn from every topic the bank covers."""
    topics = [topic_by_path(name) for name in set(TOPICS.values())]
    blueprint = Blueprint.objects.create(name=f"{paper_size}题试卷")
    for order, (kind, share, points) in enumerate(PAPER_MIX):
        section = BlueprintSection.objects.create(
            blueprint=blueprint,
            sort_order=order,
            title=kind,
            kind=kind,
            count=int(paper_size * share),
            points=points,
        )
        section.topics.add(*topics)
    return blueprint


def session_build(
    blueprint: Blueprint, eligible_unit, *, duration_minutes: int = 120
) -> ExamSession:
    now = timezone.now()
    return ExamSession.objects.create(
        title="2026年度学法考试（压测）",
        kind=ExamKind.ANNUAL_LAW,
        blueprint=blueprint,
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(hours=6),
        duration_minutes=duration_minutes,
        eligible_unit=eligible_unit,
    )


def sitting_candidates(users: int, timed) -> tuple[list, list[str], dict[int, list]]:
    """A 300-question bank, a city-wide session and ``users`` candidates, each with a started
    attempt (``attempt_start``) and a logged-in database session. Returns the attempts, their
    session keys (same order) and each attempt's slots as ``[position, option count,
    multiple]``. ``timed(label, started)`` reports each step's time."""
    import time

    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from cms.people.models import User
    from exams.models import AttemptSlot
    from exams.services import attempt_start
    from tests.factories import UserFactory, build_org_tree

    t = time.perf_counter()
    bank_build(300)
    timed("laws + 300-question bank", t)
    org = build_org_tree()
    session = session_build(blueprint_build(20), org.city)

    t = time.perf_counter()
    departments = [d for ds in org.departments.values() for d in ds]
    # Nobody logs in with a password (the sessions below are made directly): a cheap hasher
    # keeps the seeding short; the app servers keep their own hashers.
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        User.objects.bulk_create(
            UserFactory.build(org_unit=departments[i % len(departments)]) for i in range(users)
        )
    people = list(User.objects.filter(org_unit__in=departments).order_by("pk"))
    timed(f"{len(people)} candidates (bulk, MD5 passwords)", t)

    t = time.perf_counter()
    attempts = [attempt_start(session=session, user=person) for person in people]
    timed(f"{len(attempts)} attempts (attempt_start per candidate)", t)

    t = time.perf_counter()
    keys = []
    for person in people:
        store = SessionStore()
        store[SESSION_KEY] = str(person.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = person.get_session_auth_hash()
        store.create()
        keys.append(store.session_key)
    timed(f"{len(keys)} logged-in sessions (SessionStore)", t)

    slots: dict[int, list] = {}
    for attempt_id, position, count, multiple in AttemptSlot.objects.filter(
        attempt__in=attempts
    ).values_list("attempt_id", "position", "option_count", "multiple"):
        slots.setdefault(attempt_id, []).append([position, count, multiple])
    return attempts, keys, slots
