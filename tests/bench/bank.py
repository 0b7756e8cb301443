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
