"""Import a 10,000-question spreadsheet into the bank (target: under 30 s on a 2-core machine)."""

import io
import random

import pytest
from openpyxl import Workbook

from cms.laws.models import Article
from exams.formats.spreadsheet import COLUMNS
from exams.models import Question
from exams.services import questions_import
from tests.exams.conftest import BANK_LAWS, laws_subset

from .conftest import stopwatch

pytestmark = pytest.mark.django_db

TOPICS = {"行政许可法": "行政许可", "行政处罚法": "行政处罚", "宪法": "宪法", "行政复议法": "行政复议"}


def _spreadsheet(n: int) -> bytes:
    articles = list(
        Article.objects.filter(version__is_current=True, version__law__short_title__in=TOPICS)
        .select_related("version__law")
    )
    rng = random.Random(7)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("试题")
    sheet.append(COLUMNS)
    for i in range(n):
        article = rng.choice(articles)
        law = article.version.law.short_title
        kind = ("单选", "多选", "判断")[i % 3]
        row = dict.fromkeys(COLUMNS, "")
        row.update({"题型": kind, "题干": f"第{i}题：关于《{law}》{article.label}的规定，下列说法正确的是？",
                    "解析": f"见《{law}》{article.label}：{article.text[:60]}", "难度": str(i % 5 + 1),
                    "知识点": TOPICS[law], "法条": f"{law}{article.label}"})
        if kind == "判断":
            row["答案"] = "对" if i % 2 else "错"
        else:
            for letter in "ABCD":
                row[f"选项{letter}"] = f"选项{letter}{i}"
            row["答案"] = "B" if kind == "单选" else "ACD"
        sheet.append([row[c] for c in COLUMNS])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_import_10000_questions(tmp_path, settings):
    from cms.laws.services import law_library_import

    law_library_import(directory=laws_subset(tmp_path / "laws", BANK_LAWS))
    data = _spreadsheet(10_000)
    settings.UPLOAD_MAX_BYTES = len(data) + 1
    results: dict[str, float] = {}
    with stopwatch("validate 10,000-question xlsx (dry run)", results):
        report = questions_import(data=data, filename="bank.xlsx", dry_run=True)
    assert report.errors == [], report.errors[:3]
    with stopwatch("import 10,000-question xlsx", results):
        report = questions_import(data=data, filename="bank.xlsx")
    assert report.imported == 10_000
    assert Question.objects.count() == 10_000
    print(f"BENCH file size: {len(data) / 1024:.0f} KB")
