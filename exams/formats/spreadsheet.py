"""The question-bank spreadsheet template (xlsx or csv), the format examination offices keep.

Columns: 题型, 题干, 选项A … 选项H, 答案, 解析, 难度, 知识点, 法条, 参考答案, 评分标准. Row numbers in
messages are the ones people see in the spreadsheet (the header is row 1).

Case-analysis (案例分析) and short-answer (简答) rows leave the options and 答案 empty and fill
参考答案 (the model answer) and 评分标准: one criterion a line, written "评分要点|分值", e.g.
"指出行政机关未履行告知义务|4". The points are weights: the question's points in a paper are
shared out in proportion to them.
"""

import io
import string
from collections.abc import Iterable

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from cms import spreadsheets

from .base import (
    MARKED,
    ExportQuestion,
    FormatError,
    ParsedOption,
    ParsedQuestion,
    ParseResult,
    RubricCriterion,
)

OPTION_LETTERS = string.ascii_uppercase[:8]
OPTION_COLUMNS = [f"选项{letter}" for letter in OPTION_LETTERS]
COLUMNS = [
    "题型",
    "题干",
    *OPTION_COLUMNS,
    "答案",
    "解析",
    "难度",
    "知识点",
    "法条",
    "参考答案",
    "评分标准",
]
REQUIRED_COLUMNS = ["题型", "题干", "答案"]

KIND_NAMES = {
    "单选": "single",
    "单选题": "single",
    "单项选择题": "single",
    "多选": "multiple",
    "多选题": "multiple",
    "多项选择题": "multiple",
    "判断": "true_false",
    "判断题": "true_false",
    "案例分析": "case_analysis",
    "案例分析题": "case_analysis",
    "简答": "short_answer",
    "简答题": "short_answer",
}
KIND_LABELS = {
    "single": "单选",
    "multiple": "多选",
    "true_false": "判断",
    "case_analysis": "案例分析",
    "short_answer": "简答",
}
TRUE_WORDS = {"对", "正确", "√", "T", "TRUE", "是"}
FALSE_WORDS = {"错", "错误", "×", "F", "FALSE", "否"}

ERR_UNREADABLE = "无法读取文件：{detail}。请使用平台提供的模板（xlsx 或 UTF-8 编码的 csv）。"
ERR_MISSING_COLUMNS = "缺少必需的列：{columns}。"
ERR_KIND = "题型“{value}”无法识别，应为 单选、多选、判断、案例分析 或 简答。"
ERR_RUBRIC_EMPTY = "案例分析题、简答题须填写评分标准（每行一项：评分要点|分值）。"
ERR_RUBRIC_LINE = "评分标准第 {n} 行“{line}”应写作“评分要点|分值”，分值为大于 0 的数。"
ERR_MARKED_OPTIONS = "案例分析题、简答题不应填写选项和答案。"
ERR_STEM = "题干为空。"
ERR_ANSWER_EMPTY = "答案为空。"
ERR_TF_ANSWER = "判断题的答案应为“对”或“错”，而不是“{value}”。"
ERR_TF_OPTIONS = "判断题不应填写选项。"
ERR_ANSWER_LETTERS = "答案“{value}”应由选项字母 A–H 组成。"
ERR_ANSWER_MISSING_OPTION = "答案包含选项 {letter}，但选项{letter}为空。"
ERR_OPTION_GAP = "选项{letter}为空，但其后还有选项；选项须从 A 开始连续填写。"
ERR_TOO_FEW_OPTIONS = "选择题至少需要 2 个选项。"
ERR_SINGLE_ANSWER = "单选题只能有一个正确答案，而答案为“{value}”。"
ERR_MULTI_ANSWER = "多选题至少需要两个正确答案，而答案为“{value}”。"
ERR_DIFFICULTY = "难度应为 1 到 5 的整数，而不是“{value}”。"


def _cell(row: pd.Series, column: str) -> str:
    value = row.get(column, "")
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    return spreadsheets.unescape_cell(str(value)).strip()


def read_table(data: bytes, filename: str) -> pd.DataFrame:
    """Read an xlsx or csv file as strings; raises ValueError with a plain message.

    The platform's one reader (``cms.spreadsheets``): the upload limits are checked before
    parsing and the sheet is streamed, as for every other import.
    """
    try:
        return spreadsheets.read_table(data, filename)
    except spreadsheets.UploadLimitExceeded as exc:
        raise ValueError(str(exc)) from exc
    except spreadsheets.SpreadsheetFileError as exc:
        cause = exc.__cause__
        if isinstance(cause, UnicodeDecodeError):
            raise ValueError(ERR_UNREADABLE.format(detail="csv 文件不是 UTF-8 编码")) from exc
        detail = type(cause).__name__ if cause is not None else "BadZipFile"
        raise ValueError(ERR_UNREADABLE.format(detail=detail)) from exc


def parse_spreadsheet(data: bytes, filename: str) -> ParseResult:
    result = ParseResult()
    try:
        frame = read_table(data, filename)
    except ValueError as exc:
        result.errors.append(FormatError("文件", str(exc)))
        return result
    frame.columns = [str(c).strip() for c in frame.columns]
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        result.errors.append(
            FormatError("第 1 行", ERR_MISSING_COLUMNS.format(columns="、".join(missing)))
        )
        return result
    for index, row in frame.iterrows():
        position = f"第 {index + 2} 行"
        if not any(_cell(row, c) for c in COLUMNS):
            continue  # blank rows in the middle of a sheet are common and harmless
        question, errors = _parse_row(row, position)
        result.errors.extend(FormatError(position, e) for e in errors)
        if question and not errors:
            result.questions.append(question)
    return result


def _parse_row(row: pd.Series, position: str) -> tuple[ParsedQuestion | None, list[str]]:
    errors: list[str] = []
    kind_value = _cell(row, "题型")
    kind = KIND_NAMES.get(kind_value)
    if kind is None:
        errors.append(ERR_KIND.format(value=kind_value))
    stem = _cell(row, "题干")
    if not stem:
        errors.append(ERR_STEM)
    answer = (
        _cell(row, "答案")
        .upper()
        .replace(" ", "")
        .replace(",", "")
        .replace("，", "")
        .replace("、", "")
    )
    if not answer and kind not in MARKED:
        errors.append(ERR_ANSWER_EMPTY)
    option_texts = [_cell(row, c) for c in OPTION_COLUMNS]
    difficulty = None
    if _cell(row, "难度"):
        try:
            difficulty = int(float(_cell(row, "难度")))
        except ValueError:
            difficulty = -1
        if not 1 <= difficulty <= 5:
            errors.append(ERR_DIFFICULTY.format(value=_cell(row, "难度")))
    question = ParsedQuestion(
        position=position,
        kind=kind or "single",
        stem=stem,
        explanation=_cell(row, "解析"),
        difficulty=difficulty,
        topic=_cell(row, "知识点"),
        citations=_cell(row, "法条"),
    )
    if kind in MARKED:
        if any(option_texts) or answer:
            errors.append(ERR_MARKED_OPTIONS)
        question.model_answer = _cell(row, "参考答案")
        question.rubric, rubric_errors = parse_rubric(_cell(row, "评分标准"))
        errors.extend(rubric_errors)
    elif kind == "true_false":
        if any(option_texts):
            errors.append(ERR_TF_OPTIONS)
        if answer and answer not in TRUE_WORDS | FALSE_WORDS:
            errors.append(ERR_TF_ANSWER.format(value=_cell(row, "答案")))
        question.answer_true = answer in TRUE_WORDS
    elif kind in ("single", "multiple"):
        last = max((i for i, t in enumerate(option_texts) if t), default=-1)
        for i in range(last):
            if not option_texts[i]:
                errors.append(ERR_OPTION_GAP.format(letter=OPTION_LETTERS[i]))
        if last < 1:
            errors.append(ERR_TOO_FEW_OPTIONS)
        if answer and not set(answer) <= set(OPTION_LETTERS):
            errors.append(ERR_ANSWER_LETTERS.format(value=_cell(row, "答案")))
        else:
            for letter in sorted(set(answer)):
                if not option_texts[OPTION_LETTERS.index(letter)]:
                    errors.append(ERR_ANSWER_MISSING_OPTION.format(letter=letter))
        if kind == "single" and len(set(answer)) > 1:
            errors.append(ERR_SINGLE_ANSWER.format(value=answer))
        if kind == "multiple" and answer and len(set(answer)) < 2:
            errors.append(ERR_MULTI_ANSWER.format(value=answer))
        question.options = [
            ParsedOption(
                text=text,
                correct=OPTION_LETTERS[i] in answer,
                fraction=1.0 if OPTION_LETTERS[i] in answer else 0.0,
            )
            for i, text in enumerate(option_texts[: last + 1])
        ]
    return question, errors


def parse_rubric(text: str) -> tuple[list[RubricCriterion], list[str]]:
    """ "评分要点|分值" lines (a full-width ｜ too) as criteria, with the errors found."""
    criteria: list[RubricCriterion] = []
    errors: list[str] = []
    lines = [line.strip() for line in text.replace("\r", "").split("\n") if line.strip()]
    if not lines:
        return criteria, [ERR_RUBRIC_EMPTY]
    for n, line in enumerate(lines, start=1):
        criterion, bar, points = line.replace("｜", "|").rpartition("|")
        try:
            value = float(points.strip())
        except ValueError:
            value = 0
        if not bar or not criterion.strip() or not value > 0 or value > 1000:
            errors.append(ERR_RUBRIC_LINE.format(n=n, line=line))
            continue
        criteria.append(RubricCriterion(criterion.strip(), points.strip()))
    return criteria, errors


def rubric_text(rubric: Iterable[RubricCriterion]) -> str:
    return "\n".join(f"{c.criterion}|{c.points}" for c in rubric)


def export_spreadsheet(questions: Iterable[ExportQuestion], *, fmt: str = "xlsx") -> bytes:
    rows = []
    for q in questions:
        row = dict.fromkeys(COLUMNS, "")
        row["题型"] = KIND_LABELS[q.kind]
        row["题干"] = q.stem
        if q.kind == "true_false":
            row["答案"] = "对" if q.answer_true else "错"
        elif q.kind in MARKED:
            row["参考答案"] = q.model_answer
            row["评分标准"] = rubric_text(q.rubric)
        else:
            for i, option in enumerate(q.options):
                row[OPTION_COLUMNS[i]] = option.text
            row["答案"] = "".join(OPTION_LETTERS[i] for i, o in enumerate(q.options) if o.correct)
        row["解析"] = q.explanation
        row["难度"] = str(q.difficulty)
        row["知识点"] = q.topic
        row["法条"] = q.citations
        rows.append(row)
    if fmt == "csv":
        return spreadsheets.csv_bytes(COLUMNS, ([row[c] for c in COLUMNS] for row in rows))
    return _xlsx(rows)


def template_workbook() -> bytes:
    """The empty template with one worked example row, offered for download in the admin."""
    example = dict.fromkeys(COLUMNS, "")
    example.update(
        {
            "题型": "单选",
            "题干": "行政机关作出准予行政许可的决定，需要颁发行政许可证件的，应当自作出决定之日起多少日内颁发、送达？",
            "选项A": "五日",
            "选项B": "十日",
            "选项C": "十五日",
            "选项D": "二十日",
            "答案": "B",
            "解析": "根据《行政许可法》第四十四条，应当自作出决定之日起十日内向申请人颁发、送达行政许可证件。",
            "难度": "2",
            "知识点": "行政许可",
            "法条": "行政许可法第四十四条",
        }
    )
    case = dict.fromkeys(COLUMNS, "")
    case.update(
        {
            "题型": "案例分析",
            "题干": "某区市场监管局受理一家企业的食品经营许可申请后，既未在法定期限内作出决定，"
            "也未告知延期理由。请结合《行政许可法》分析该局的做法。",
            "解析": "考查行政许可的审查期限。",
            "难度": "3",
            "知识点": "行政许可",
            "法条": "行政许可法第四十二条",
            "参考答案": "行政机关应当自受理申请之日起二十日内作出决定；二十日内不能作出决定的，"
            "经本机关负责人批准可以延长十日，并应当将延长期限的理由告知申请人。该局既未按期"
            "决定又未告知延期理由，违反了上述规定。",
            "评分标准": "指出二十日的审查期限|3\n指出延长十日须经负责人批准并告知理由|4\n"
            "结论：该局做法违法|3",
        }
    )
    return _xlsx([example, case])


def _xlsx(rows: list[dict[str, str]]) -> bytes:
    workbook = Workbook(write_only=False)
    sheet = workbook.active
    sheet.title = "试题"
    sheet.append(COLUMNS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        # Escaped as every export is (cms.spreadsheets.safe_cell), and stored as text.
        sheet.append([spreadsheets.safe_cell(row[c]) for c in COLUMNS])
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"
    sheet.freeze_panes = "A2"
    widths = {
        "题型": 8,
        "题干": 50,
        "答案": 8,
        "解析": 50,
        "难度": 6,
        "知识点": 14,
        "法条": 28,
        "参考答案": 50,
        "评分标准": 36,
    }
    for index, column in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = widths.get(column, 18)
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
