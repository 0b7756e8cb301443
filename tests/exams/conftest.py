"""Fixtures for the exam app: a law library made of a chosen subset of the real texts."""

import csv
import shutil
from pathlib import Path

import pytest

from cms.laws.services import law_library_import
from tests.conftest import LAWS_DIR

BANK_LAWS = [
    "constitution",
    "administrative-licensing-law",
    "administrative-penalty-law",
    "administrative-reconsideration-law",
]


def laws_subset(target: Path, keys: list[str], *, exclude_files: tuple[str, ...] = ()) -> Path:
    """Copy the manifest rows (and files) of the given laws into ``target``."""
    target.mkdir(parents=True, exist_ok=True)
    with open(LAWS_DIR / "manifest.csv", encoding="utf-8") as source:
        reader = csv.DictReader(source)
        rows = [r for r in reader if r["law"] in keys and r["file"] not in exclude_files]
        fieldnames = reader.fieldnames
    with open(target / "manifest.csv", "w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=fieldnames)
        writer.writeheader()
        writer.writerows(rows)
    for row in rows:
        shutil.copy(LAWS_DIR / row["file"], target / row["file"])
    return target


@pytest.fixture
def law_library(tmp_path, db):
    """宪法, 行政许可法, 行政处罚法 and both versions of 行政复议法 (2023 current)."""
    law_library_import(directory=laws_subset(tmp_path / "laws", BANK_LAWS))


@pytest.fixture
def exam_bank(law_library):
    """40 active questions under 宪法 (20 single, 10 multiple, 10 true/false) citing it."""
    from cms.laws.models import Article
    from exams.formats.base import ParsedOption
    from exams.services import question_create, topic_by_path

    topic = topic_by_path("宪法")
    article = Article.objects.get(version__law__key="constitution", number=2)
    for i in range(20):
        question_create(
            topic=topic,
            kind="single",
            stem=f"单选题{i}",
            articles=[article],
            options=[
                ParsedOption(f"甲{i}", True),
                ParsedOption(f"乙{i}", False),
                ParsedOption(f"丙{i}", False),
                ParsedOption(f"丁{i}", False),
            ],
        )
    for i in range(10):
        question_create(
            topic=topic,
            kind="multiple",
            stem=f"多选题{i}",
            articles=[article],
            options=[
                ParsedOption("A", True),
                ParsedOption("B", True),
                ParsedOption("C", False),
                ParsedOption("D", True),
            ],
        )
        question_create(
            topic=topic,
            kind="true_false",
            stem=f"判断题{i}",
            answer_true=i % 2 == 0,
            articles=[article],
        )
    return topic


@pytest.fixture
def blueprint(exam_bank):
    from decimal import Decimal

    from exams.models import Blueprint, BlueprintSection

    bp = Blueprint.objects.create(name="测试卷")
    for order, (kind, count, points) in enumerate(
        [("single", 10, Decimal(4)), ("multiple", 5, Decimal(6)), ("true_false", 5, Decimal(6))]
    ):
        section = BlueprintSection.objects.create(
            blueprint=bp, sort_order=order, title=kind, kind=kind, count=count, points=points
        )
        section.topics.add(exam_bank)
    return bp


@pytest.fixture
def org(db):
    from tests.factories import build_org_tree

    return build_org_tree()


@pytest.fixture
def open_session(blueprint, org):
    from datetime import timedelta

    from django.utils import timezone

    from exams.models import ExamKind, ExamSession

    now = timezone.now()
    return ExamSession.objects.create(
        title="2026年度学法考试",
        kind=ExamKind.ANNUAL_LAW,
        blueprint=blueprint,
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(hours=3),
        duration_minutes=60,
        eligible_unit=org.city,
    )
