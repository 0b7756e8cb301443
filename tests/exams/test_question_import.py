"""Importing the spreadsheet template: validation first, all or nothing, citations, duplicates."""

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from openpyxl import Workbook

from exams.formats.spreadsheet import COLUMNS, template_workbook
from exams.models import Question, QuestionStatus, QuestionVersion
from exams.selectors import question_bank_export
from exams.services import questions_import, topic_by_path

pytestmark = pytest.mark.django_db

GOOD_ROWS = [
    {
        "题型": "单选",
        "题干": "行政机关作出准予行政许可的决定，需要颁发行政许可证件的，应当自作出决定之日起几日内向申请人颁发、送达？",
        "选项A": "五日",
        "选项B": "十日",
        "选项C": "十五日",
        "选项D": "二十日",
        "答案": "B",
        "解析": "《行政许可法》第四十四条规定为十日。",
        "难度": "2",
        "知识点": "行政许可",
        "法条": "行政许可法第四十四条",
    },
    {
        "题型": "多选",
        "题干": "下列属于行政处罚种类的有：",
        "选项A": "警告、通报批评",
        "选项B": "罚款、没收违法所得",
        "选项C": "行政拘留",
        "选项D": "记大过",
        "答案": "ABC",
        "解析": "《行政处罚法》第九条列举了处罚种类，记大过属于处分。",
        "难度": "3",
        "知识点": "行政处罚",
        "法条": "行政处罚法第9条",
    },
    {
        "题型": "判断",
        "题干": "中华人民共和国的一切权力属于人民。",
        "答案": "对",
        "解析": "《宪法》第二条第一款。",
        "难度": "1",
        "知识点": "宪法",
        "法条": "宪法第二条",
    },
]


def xlsx_bytes(rows: list[dict], columns: list[str] = COLUMNS) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(columns)
    for row in rows:
        sheet.append([row.get(c, "") for c in columns])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.mark.postgres
def test_good_file_imports_every_question_with_keys_and_citations(law_library):
    report = questions_import(data=xlsx_bytes(GOOD_ROWS), filename="bank.xlsx")
    assert report.errors == [], report.errors
    assert report.summary == "imported 3, skipped 0, errors 0"
    single = QuestionVersion.objects.get(stem_text__startswith="行政机关作出准予")
    assert [o["text"] for o in single.options if o["correct"]] == ["十日"]
    assert [str(a) for a in single.articles.all()] == ["行政许可法第四十四条"]
    multiple = QuestionVersion.objects.get(kind="multiple")
    assert [o["text"] for o in multiple.options if o["correct"]] == [
        "警告、通报批评",
        "罚款、没收违法所得",
        "行政拘留",
    ]
    assert multiple.articles.get().label == "第九条"
    tf = QuestionVersion.objects.get(kind="true_false")
    assert [o["text"] for o in tf.options if o["correct"]] == ["对"]
    assert Question.objects.filter(status=QuestionStatus.ACTIVE).count() == 3
    assert single.question.topic == topic_by_path("行政许可")


@pytest.mark.postgres
def test_a_bad_row_writes_nothing_and_names_the_row(law_library):
    rows = [*GOOD_ROWS, {**GOOD_ROWS[0], "题干": "另一道题", "答案": "E"}]
    report = questions_import(data=xlsx_bytes(rows), filename="bank.xlsx")
    assert report.imported == 0
    assert [(e.position, e.message) for e in report.errors] == [
        ("第 5 行", "答案包含选项 E，但选项E为空。")
    ]
    assert Question.objects.count() == 0


def test_unresolved_citation_makes_a_draft_naming_the_row_and_the_reason(law_library):
    rows = [GOOD_ROWS[0], {**GOOD_ROWS[1], "法条": "行政处罚法第九百条"}]
    report = questions_import(data=xlsx_bytes(rows), filename="bank.xlsx")
    assert report.errors == [] and report.imported == 2 and report.drafts == 1
    assert [(d.position, d.message) for d in report.draft_reasons] == [
        ("第 3 行", "法条引用无法解析，导入为草稿（待补充法条）：行政处罚法没有第九百条")
    ]
    statuses = dict(Question.objects.values_list("current_version__kind", "status"))
    assert statuses == {"single": QuestionStatus.ACTIVE, "multiple": QuestionStatus.DRAFT}


def test_missing_columns_are_named(law_library):
    report = questions_import(data=xlsx_bytes([], ["题干", "选项A"]), filename="bank.xlsx")
    assert [e.message for e in report.errors] == ["缺少必需的列：题型、答案。"]


def test_truncated_xlsx_gives_a_clear_error(law_library):
    data = xlsx_bytes(GOOD_ROWS)
    report = questions_import(data=data[: len(data) // 2], filename="bank.xlsx")
    assert report.imported == 0
    assert report.errors[0].message.startswith("无法读取文件")
    assert Question.objects.count() == 0


def test_file_over_the_size_limit_is_refused(law_library, settings):
    settings.UPLOAD_MAX_BYTES = 1000
    report = questions_import(data=xlsx_bytes(GOOD_ROWS), filename="bank.xlsx")
    assert report.errors[0].message.startswith("文件过大")
    assert Question.objects.count() == 0


@pytest.mark.postgres
def test_same_stem_options_and_key_is_a_warning_naming_the_existing_question(law_library):
    questions_import(data=xlsx_bytes(GOOD_ROWS[:1]), filename="bank.xlsx")
    first = Question.objects.get()
    again = {**GOOD_ROWS[0], "题干": GOOD_ROWS[0]["题干"].rstrip("？") + " ？"}
    report = questions_import(data=xlsx_bytes([again]), filename="bank.xlsx")
    assert report.errors == [] and report.imported == 1
    assert [(w.position, w.message) for w in report.warnings] == [
        ("第 2 行", f"可能重复：与题库中第 {first.pk} 号试题的题干、选项和答案相同。")
    ]
    assert Question.objects.count() == 2


def test_csv_with_bom_and_topic_option(law_library):
    rows = [{**r, "知识点": ""} for r in GOOD_ROWS[:1]]
    header = ",".join(COLUMNS)
    line = ",".join(f'"{rows[0].get(c, "")}"' for c in COLUMNS)
    data = ("\ufeff" + header + "\n" + line + "\n").encode("utf-8")
    report = questions_import(data=data, filename="bank.csv", topic=topic_by_path("行政许可"))
    assert report.imported == 1, report.errors


def test_dry_run_writes_nothing(law_library):
    report = questions_import(data=xlsx_bytes(GOOD_ROWS), filename="bank.xlsx", dry_run=True)
    assert report.imported == 3 and not report.errors
    assert Question.objects.count() == 0


def test_round_trip_through_every_export_format(law_library):
    questions_import(data=xlsx_bytes(GOOD_ROWS), filename="bank.xlsx")
    before = _bank()
    for fmt, name in (
        ("xlsx", "export.xlsx"),
        ("csv", "export.csv"),
        ("gift", "export.gift"),
        ("xml", "export.xml"),
    ):
        exported = question_bank_export(questions=Question.objects.all(), fmt=fmt)
        Question.objects.all().delete()
        report = questions_import(data=exported, filename=name)
        assert report.errors == [], report.errors
        assert _bank() == before


def _bank() -> list[tuple]:
    return sorted(
        (
            v.kind,
            v.stem,
            tuple((o["text"], o["correct"]) for o in v.options),
            v.explanation,
            v.difficulty,
            v.question.topic.name,
            tuple(str(a) for a in v.articles.all()),
        )
        for v in QuestionVersion.objects.select_related("question__topic")
    )


def test_template_download_is_a_valid_import(law_library):
    report = questions_import(data=template_workbook(), filename="template.xlsx", dry_run=True)
    # A single-choice example and a case-analysis example (with its rubric).
    assert report.errors == [] and report.imported == 2
    assert [row["kind"] for row in report.preview] == ["single", "case_analysis"]


def test_command_prints_summary_and_fails_on_errors(law_library, tmp_path: Path, capsys):
    good = tmp_path / "good.xlsx"
    good.write_bytes(xlsx_bytes(GOOD_ROWS))
    call_command("import_questions", str(good), "--dry-run")
    assert "imported 3, skipped 0, errors 0" in capsys.readouterr().out
    assert Question.objects.count() == 0
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(xlsx_bytes([{**GOOD_ROWS[0], "答案": ""}]))
    with pytest.raises(SystemExit) as exit_info:
        call_command("import_questions", str(bad))
    assert exit_info.value.code == 1
    out = capsys.readouterr().out
    assert "imported 0, skipped 0, errors 1" in out
    assert "error 第 2 行: 答案为空。" in out


DATA = Path(__file__).parent / "formats" / "data"


@pytest.mark.parametrize(
    "filename, expected",
    [
        ("unclosed.gift", "{"),
        ("bomb.xml", "不安全的 XML 实体"),
        ("xxe.xml", "不安全的 XML 实体"),
    ],
)
def test_broken_moodle_files_write_nothing(law_library, filename, expected):
    report = questions_import(data=(DATA / filename).read_bytes(), filename=filename)
    assert report.errors and report.imported == 0
    assert any(expected in e.message for e in report.errors), report.errors
    assert Question.objects.count() == 0


def test_unsupported_moodle_types_are_listed_as_skipped_with_their_position(law_library):
    gift = """// 题库
$CATEGORY: $course$/top/行政法/行政许可

// [tag:法条:行政许可法第十一条]
::Q1:: 行政许可的设定应当遵循的原则是？ {=经济和社会发展规律 ~行政机关的便利}

::Q2:: 将下列期限与事项对应 {=受理->五日 =决定->二十日}

::Q3:: 行政许可法何年施行？ {#2004}
"""
    report = questions_import(data=gift.encode(), filename="bank.gift")
    assert report.errors == [] and report.imported == 1
    assert [line.position for line in report.skipped] == ["第 7 行", "第 9 行"]
    assert "匹配" in report.skipped[0].message and "数值" in report.skipped[1].message
