"""The question-bank spreadsheet as offices keep it, read by the one reader (cms.spreadsheets):
headers anywhere in the first rows of any sheet, merged two-row headers, synonyms, a person's
mapping, typed cells read as typed, plain text kept as text, prefixes/answers/types read as
exams.formats.text reads them, every error in one pass; and the export read back."""

from __future__ import annotations

import datetime
import io

import pytest
from openpyxl import Workbook, load_workbook

from cms import spreadsheets
from exams.formats.base import ExportQuestion, ParsedOption, RubricCriterion
from exams.formats.spreadsheet import (
    COLUMNS,
    ERR_DIFFICULTY,
    ERR_MULTI_ANSWER,
    ERR_STEM,
    ERR_TF_ANSWER,
    QUESTION_COLUMNS,
    export_spreadsheet,
    parse_spreadsheet,
)


def _save(book: Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def office_workbook() -> bytes:
    """What an exam office sends: a cover sheet, then a sheet with a title line, a blank row,
    a two-row header (选项 merged over A–D, 题型/题干 merged down), its own column names and
    typed cells."""
    book = Workbook()
    cover = book.active
    cover.title = "说明"
    cover.append(["本题库由某区司法局整理"])
    sheet = book.create_sheet("题库")
    sheet.append(["2026年度学法考试题库"])
    sheet.append([])
    sheet.append(["试题类型", "试题内容", "选项", None, None, None, "正确答案", "答案解析",
                  "法律依据", "章节", "难易程度", "题目名称"])  # fmt: skip
    sheet.append([None, None, "A", "B", "C", "D"])
    sheet.merge_cells("C3:F3")
    sheet.merge_cells("A3:A4")
    sheet.merge_cells("B3:B4")
    sheet.append(["单选题", "行政许可证件应当自作出决定之日起几日内颁发？", "A、五日", "B．十日",
                  "C:十五日", "(D) 二十日", "正确答案：B", "见第四十四条。", "行政许可法第四十四条",
                  "行政许可", 2, "许可期限"])  # fmt: skip
    sheet.append(["不定项选择题", "日期与比例：", datetime.datetime(2026, 3, 15), 0.5, 3.0, "A级",
                  "A、B", "", "行政处罚法第九条", "行政处罚", 3.0, ""])  # fmt: skip
    sheet["C6"].number_format = "yyyy-mm-dd"
    sheet["D6"].number_format = "0%"
    sheet.append(["判断", '<html class="cool"> & <b>粗体</b>', None, None, None, None, "√", "",
                  "宪法第二条", "宪法", "", ""])  # fmt: skip
    sheet.append(["判断题", "<script>alert(1)</script>", None, None, None, None, "✗", "",
                  "宪法第二条", "宪法", "", ""])  # fmt: skip
    return _save(book)


def test_an_office_workbook_is_read_from_its_own_header():
    result = parse_spreadsheet(office_workbook(), "bank.xlsx")
    assert result.errors == []
    single, indefinite, true, false = result.questions
    # Rows are the sheet's own: the header is rows 3–4 of the second sheet.
    assert [q.position for q in result.questions] == ["第 5 行", "第 6 行", "第 7 行", "第 8 行"]
    assert single.kind == "single" and single.name == "许可期限"
    assert [o.text for o in single.options] == ["五日", "十日", "十五日", "二十日"]
    assert [o.correct for o in single.options] == [False, True, False, False]
    assert (single.explanation, single.citations, single.topic, single.difficulty) == (
        "见第四十四条。",
        "行政许可法第四十四条",
        "行政许可",
        2,
    )
    # Typed cells as typed: a date by its number format, a percentage, a whole number.
    assert [o.text for o in indefinite.options] == ["2026-03-15", "50%", "3", "A级"]
    assert indefinite.kind == "multiple" and indefinite.indefinite
    assert [o.correct for o in indefinite.options] == [True, True, False, False]
    assert indefinite.difficulty == 3
    # Plain text stays text (the service escapes it): nothing is sanitised away.
    assert true.stem == '<html class="cool"> & <b>粗体</b>' and true.answer_true is True
    assert false.stem == "<script>alert(1)</script>" and false.answer_true is False
    assert {q.text_format for q in result.questions} == {"text"}


@pytest.mark.parametrize(
    "header",
    [
        ["题型", "题干", "选项 A", "选项 B", "答案"],
        ["题型", "题干", "选项Ａ", "选项Ｂ", "答案"],
        ["题目类型", "题目", "A", "B", "标准答案"],
        ["类型", "题干", "A选项", "B选项", "答案"],
    ],
)
def test_option_and_synonym_headers_are_found(header):
    book = Workbook()
    book.active.append(header)
    book.active.append(["单选", "题目", "甲", "乙", "A"])
    result = parse_spreadsheet(_save(book), "q.xlsx")
    assert result.errors == []
    assert [o.text for o in result.questions[0].options] == ["甲", "乙"]


@pytest.mark.parametrize(
    ("kind", "answer", "correct"),
    [
        ("多选", "正确答案：ABCD", [0, 1, 2, 3]),
        ("多选", "A、B、C", [0, 1, 2]),
        ("多项选择题", "a, c", [0, 2]),
        ("不定项", "D", [3]),
        ("单项选择题", "答案：Ｃ", [2]),
    ],
)
def test_answer_forms(kind, answer, correct):
    book = Workbook()
    book.active.append(["题型", "题干", "选项A", "选项B", "选项C", "选项D", "答案"])
    book.active.append([kind, "题目", "甲", "乙", "丙", "丁", answer])
    result = parse_spreadsheet(_save(book), "q.xlsx")
    assert result.errors == []
    assert [i for i, o in enumerate(result.questions[0].options) if o.correct] == correct


@pytest.mark.parametrize(
    ("mark", "value"), [("√", True), ("×", False), ("✓", True), ("✗", False), ("X", False)]
)
def test_true_false_marks(mark, value):
    book = Workbook()
    book.active.append(["题型", "题干", "答案"])
    book.active.append(["判断", "题目", mark])
    result = parse_spreadsheet(_save(book), "q.xlsx")
    assert result.errors == [] and result.questions[0].answer_true is value


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gbk", "gb18030", "utf-16"])
def test_csv_in_the_encodings_excel_writes(encoding):
    text = "题型,题干,选项A,选项B,答案\r\n单选,宪法是国家的根本法吗,是,否,A\r\n"
    result = parse_spreadsheet(text.encode(encoding), "q.csv")
    assert result.errors == []
    assert result.questions[0].stem == "宪法是国家的根本法吗"


def test_every_error_is_found_in_one_pass_and_names_its_row():
    book = Workbook()
    book.active.append(["题型", "题干", "选项A", "选项B", "答案", "难度"])
    book.active.append(["单选", "好题", "甲", "乙", "A", 3])
    book.active.append(["单选", "难度小数", "甲", "乙", "A", 3.5])
    book.active.append(["多选", "", "甲", "乙", "A", 6])
    book.active.append(["判断", "判断", "", "", "也许", 0])
    result = parse_spreadsheet(_save(book), "q.xlsx")
    assert [(e.position, e.message) for e in result.errors] == [
        ("第 3 行", ERR_DIFFICULTY % {"value": "3.5"}),
        ("第 4 行", ERR_STEM),
        ("第 4 行", ERR_DIFFICULTY % {"value": "6"}),
        ("第 4 行", ERR_MULTI_ANSWER % {"value": "A"}),
        ("第 5 行", ERR_DIFFICULTY % {"value": "0"}),
        ("第 5 行", ERR_TF_ANSWER % {"value": "也许"}),
    ]
    assert len(result.questions) == 1


def test_unknown_headers_are_read_with_a_mapping():
    book = Workbook()
    book.active.append(["题型", "题目描述", "选项A", "选项B", "标答"])
    book.active.append(["单选", "题目", "甲", "乙", "B"])
    data = _save(book)
    missing = parse_spreadsheet(data, "q.xlsx")
    assert [e.message for e in missing.errors] == ["缺少必需的列：题干、答案。"]
    header = spreadsheets.locate_header(data, "q.xlsx", QUESTION_COLUMNS)
    assert header.missing == ["题干", "答案"]
    assert [text for _i, text in header.unmapped] == ["题目描述", "标答"]

    mapped = parse_spreadsheet(data, "q.xlsx", {"题目描述": "题干", " 标答 ": "答案"})
    assert mapped.errors == []
    assert mapped.questions[0].stem == "题目" and mapped.questions[0].options[1].correct


def _export_questions() -> list[ExportQuestion]:
    return [
        ExportQuestion(
            kind="single",
            stem="行政许可证件几日内颁发？",
            options=[
                ParsedOption("五日", False, 0.0, "太短"),
                ParsedOption("十日", True, 1.0, "正确：第四十四条"),
                ParsedOption("=SUM(A1)", False, 0.0, ""),
            ],
            answer_true=None,
            explanation="《行政许可法》第四十四条。",
            difficulty=2,
            topic="行政法/行政许可",
            citations="行政许可法第四十四条",
            name="许可期限",
        ),
        ExportQuestion(
            kind="multiple",
            stem="不定项：下列属于行政处罚的有",
            options=[ParsedOption("警告", True, 1.0), ParsedOption("记过", False, 0.0)],
            answer_true=None,
            explanation="",
            difficulty=3,
            topic="行政处罚",
            citations="行政处罚法第九条",
            name="处罚种类",
            indefinite=True,
        ),
        ExportQuestion(
            kind="true_false",
            stem="<p>一切权力属于人民 &amp; 人民代表大会</p>",
            options=[],
            answer_true=True,
            explanation="",
            difficulty=1,
            topic="宪法",
            citations="宪法第二条",
        ),
        ExportQuestion(
            kind="case_analysis",
            stem="某局逾期未作决定，分析之。",
            options=[],
            answer_true=None,
            explanation="",
            difficulty=4,
            topic="行政许可",
            citations="行政许可法第四十二条",
            model_answer="违反第四十二条。",
            rubric=[RubricCriterion("指出期限", "3"), RubricCriterion("结论", "2.5")],
        ),
    ]


def _fields(q) -> tuple:
    return (
        q.kind,
        q.indefinite,
        q.stem,
        [(o.text, o.correct, o.feedback) for o in q.options],
        q.answer_true,
        q.explanation,
        q.difficulty,
        q.topic,
        q.citations,
        q.name,
        q.model_answer,
        [(c.criterion, c.points) for c in q.rubric],
    )


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_the_export_reads_back_every_kept_field(fmt):
    questions = _export_questions()
    data = export_spreadsheet(questions, fmt=fmt)
    parsed = parse_spreadsheet(data, f"bank.{fmt}")
    assert parsed.errors == []
    expected = [_fields(q) for q in questions]
    expected[2] = (*expected[2][:2], "一切权力属于人民 & 人民代表大会", *expected[2][3:])
    assert [_fields(q) for q in parsed.questions] == expected


def test_the_export_is_written_by_the_shared_writer():
    data = export_spreadsheet(_export_questions(), fmt="xlsx")
    sheet = load_workbook(io.BytesIO(data)).active
    assert [c.value for c in sheet[1]] == COLUMNS
    assert sheet.freeze_panes == "A2" and sheet["A1"].font.bold
    assert sheet["C2"].value == "五日" and sheet["E2"].value == "'=SUM(A1)"  # escaped
