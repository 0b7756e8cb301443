"""Import a 10,000-question spreadsheet into the bank (target: under 30 s on a 2-core machine).

Two files: the template as the platform exports it, and the same bank as an office keeps it
(a cover sheet, the header on row 3 of the second sheet under its own names, typed cells),
which the reader must find and map (``cms.spreadsheets``) before the rows are read.
"""

import io
import random

import pytest
from openpyxl import Workbook, load_workbook

from cms.laws.models import Article
from exams.formats.spreadsheet import COLUMNS
from exams.models import Question
from exams.services import questions_import
from tests.exams.conftest import BANK_LAWS, laws_subset

from .conftest import stopwatch

pytestmark = pytest.mark.django_db

TOPICS = {
    "行政许可法": "行政许可",
    "行政处罚法": "行政处罚",
    "宪法": "宪法",
    "行政复议法": "行政复议",
}


OFFICE_NAMES = {"题型": "试题类型", "题干": "试题内容", "答案": "正确答案", "解析": "答案解析",
                "难度": "难易程度", "知识点": "章节", "法条": "法律依据"}  # fmt: skip


def _spreadsheet(n: int, *, office: bool = False) -> bytes:
    articles = list(
        Article.objects.filter(
            version__is_current=True, version__law__short_title__in=TOPICS
        ).select_related("version__law")
    )
    rng = random.Random(7)
    workbook = Workbook(write_only=True)
    if office:
        workbook.create_sheet("说明").append(["本题库由某区司法局整理"])
    sheet = workbook.create_sheet("试题")
    if office:
        sheet.append(["2026年度学法考试题库"])
        sheet.append([])
    sheet.append([OFFICE_NAMES.get(c, c) for c in COLUMNS] if office else COLUMNS)
    for i in range(n):
        article = rng.choice(articles)
        law = article.version.law.short_title
        kind = ("单选", "多选", "判断")[i % 3]
        row = dict.fromkeys(COLUMNS, "")
        row.update(
            {
                "题型": kind,
                "题干": f"第{i}题：关于《{law}》{article.label}的规定，下列说法正确的是？",
                "解析": f"见《{law}》{article.label}：{article.text[:60]}",
                "难度": i % 5 + 1 if office else str(i % 5 + 1),
                "知识点": TOPICS[law],
                "法条": f"{law}{article.label}",
            }
        )
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


@pytest.mark.parametrize("office", [False, True], ids=["template", "office-headers"])
def test_import_10000_questions(tmp_path, settings, office):
    from cms.laws.services import law_library_import

    law_library_import(directory=laws_subset(tmp_path / "laws", BANK_LAWS))
    data = _spreadsheet(10_000, office=office)
    settings.UPLOAD_MAX_BYTES = len(data) + 1
    results: dict[str, float] = {}
    kind = "office" if office else "template"
    with stopwatch(f"reference: openpyxl reads every cell of the {kind} xlsx", results):
        workbook = load_workbook(io.BytesIO(data), read_only=True)
        cells = sum(len(row) for sheet in workbook for row in sheet.iter_rows(values_only=True))
        workbook.close()
    assert cells >= 10_000 * len(COLUMNS)
    with stopwatch(f"validate 10,000-question {kind} xlsx (dry run)", results):
        report = questions_import(data=data, filename="bank.xlsx", dry_run=True)
    assert report.errors == [], report.errors[:3]
    with stopwatch(f"import 10,000-question {kind} xlsx", results):
        report = questions_import(data=data, filename="bank.xlsx")
    assert report.imported == 10_000
    assert Question.objects.count() == 10_000
    print(f"BENCH file size: {len(data) / 1024:.0f} KB")
