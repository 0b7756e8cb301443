"""The question-bank spreadsheet (xlsx or csv), the format examination offices keep.

Template columns: 题型, 题干, 选项A … 选项H, 答案, 解析, 难度, 知识点, 法条, 参考答案, 评分标准,
名称 and 选项A反馈 … 选项H反馈 (per-option feedback). Offices' own files are read too: the
sheet is read by the platform's one reader (``cms.spreadsheets``): the header may be in the
first rows of any sheet, two rows merged (``选项`` over ``A B C D``), written ``选项 A`` or
``选项Ａ``, or under another name (``试题内容``, ``正确答案``, ``法律依据`` …, ``QUESTION_COLUMNS``);
any other column can be mapped by hand on the import's check page. Typed cells read as the
text the person typed, and cells are plain text (``text_format = "text"``: escaped when
stored, never sanitised). Row numbers in messages are the sheet's own.

Case-analysis (案例分析) and short-answer (简答) rows leave the options and 答案 empty and fill
参考答案 (the model answer) and 评分标准: one criterion a line, written "评分要点|分值", e.g.
"指出行政机关未履行告知义务|4". The points are weights: the question's points in a paper are
shared out in proportion to them.
"""

import re
import string
from collections.abc import Iterable

from django.utils.translation import gettext_lazy as _

from cms import spreadsheets
from cms.spreadsheets import Column, Columns

from .base import (
    FILE_POSITION,
    MARKED,
    ExportQuestion,
    FormatError,
    ParsedOption,
    ParsedQuestion,
    ParseResult,
    RubricCriterion,
)
from .html import html_to_text
from .text import (  # the question form reads true/false answers by the same words
    FALSE_WORDS,  # noqa: F401
    TRUE_WORDS,  # noqa: F401
    answer_letters,
    kind_from_label,
    strip_option_prefix,
    true_false_answer,
)

OPTION_LETTERS = string.ascii_uppercase[:8]
OPTION_COLUMNS = [f"选项{letter}" for letter in OPTION_LETTERS]
FEEDBACK_COLUMNS = [f"选项{letter}反馈" for letter in OPTION_LETTERS]
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
    "名称",
    *FEEDBACK_COLUMNS,
]
REQUIRED_COLUMNS = ["题型", "题干", "答案"]

# The names exam offices give the template's columns, read as the template's own.
QUESTION_COLUMNS = Columns(
    [
        Column("题型", True, ("试题类型", "题目类型", "类型", "题型名称", "试题题型")),
        Column("题干", True, ("题目", "试题内容", "题目内容", "试题", "问题", "题干内容")),
        *(
            Column(
                name,
                False,
                (letter, f"{letter}选项", f"选项{letter}内容", f"备选项{letter}", f"答案{letter}"),
            )
            for letter, name in zip(OPTION_LETTERS, OPTION_COLUMNS, strict=True)
        ),
        Column("答案", True, ("正确答案", "标准答案", "答案选项", "正确选项")),
        Column("解析", False, ("答案解析", "试题解析", "题目解析", "解释", "答题解析")),
        Column("难度", False, ("难易程度", "难易度", "难度等级", "难度级别")),
        Column(
            "知识点", False, ("分类", "章节", "试题分类", "题目分类", "所属知识点", "知识点分类")
        ),
        Column("法条", False, ("法律依据", "依据", "法条依据", "引用法条", "法律条文", "出处")),
        Column("参考答案", False, ("答题要点", "参考要点")),
        Column("评分标准", False, ("评分要点", "评分细则")),
        Column("名称", False, ("题目名称", "试题名称", "题名")),
        *(
            Column(name, False, (f"{letter}反馈", f"选项{letter}解析", f"{letter}选项反馈"))
            for letter, name in zip(OPTION_LETTERS, FEEDBACK_COLUMNS, strict=True)
        ),
    ]
)

KIND_LABELS = {
    "single": "单选",
    "multiple": "多选",
    "true_false": "判断",
    "case_analysis": "案例分析",
    "short_answer": "简答",
}
INDEFINITE_LABEL = "不定项"

ERR_UNREADABLE = _("无法读取文件：%(detail)s。请使用平台提供的模板（xlsx 或 csv）。")
ROW_POSITION = _("第 %(row)s 行")
ERR_CSV_ENCODING = _("无法识别 csv 文件的编码")
ERR_MISSING_COLUMNS = _("缺少必需的列：%(columns)s。")
ERR_KIND = _("题型“%(value)s”无法识别，应为 单选、多选、不定项、判断、案例分析 或 简答。")
ERR_RUBRIC_EMPTY = _("案例分析题、简答题须填写评分标准（每行一项：评分要点|分值）。")
ERR_RUBRIC_LINE = _("评分标准第 %(n)s 行“%(line)s”应写作“评分要点|分值”，分值为大于 0 的数。")
ERR_MARKED_OPTIONS = _("案例分析题、简答题不应填写选项和答案。")
ERR_STEM = _("题干为空。")
ERR_ANSWER_EMPTY = _("答案为空。")
ERR_TF_ANSWER = _("判断题的答案应为“对”或“错”（或 √、×），而不是“%(value)s”。")
ERR_TF_OPTIONS = _("判断题不应填写选项。")
ERR_ANSWER_LETTERS = _("答案“%(value)s”应由选项字母 A–H 组成。")
ERR_ANSWER_MISSING_OPTION = _("答案包含选项 %(letter)s，但选项%(letter)s为空。")
ERR_OPTION_GAP = _("选项%(letter)s为空，但其后还有选项；选项须从 A 开始连续填写。")
ERR_TOO_FEW_OPTIONS = _("选择题至少需要 2 个选项。")
ERR_SINGLE_ANSWER = _("单选题只能有一个正确答案，而答案为“%(value)s”。")
ERR_MULTI_ANSWER = _("多选题至少需要两个正确答案，而答案为“%(value)s”。")
ERR_DIFFICULTY = _("难度应为 1 到 5 的整数，而不是“%(value)s”。")

# "正确答案：ABCD", "答案: B" — the column's own name written again in the cell.
_ANSWER_LABEL = re.compile(r"^\s*(?:正确答案|标准答案|参考答案|答案)\s*[:：]?\s*")
_WHOLE_NUMBER = re.compile(r"^\d+(?:\.0+)?$")


def _cell(record: dict, column: str) -> str:
    value = record.get(column, "")
    if value is None:
        return ""
    return spreadsheets.unescape_cell(str(value)).strip()


def read_table(data: bytes, filename: str, mapping: dict[str, str] | None = None):
    """The sheet as strings, its columns named by the template's names (``QUESTION_COLUMNS``
    and the uploader's ``mapping``); raises ValueError with a plain message.

    The platform's one reader (``cms.spreadsheets``): the upload limits are checked before
    parsing and the sheet is streamed, as for every other import.
    """
    try:
        return spreadsheets.read_table(data, filename, columns=QUESTION_COLUMNS, mapping=mapping)
    except spreadsheets.UploadLimitExceeded as exc:
        raise ValueError(str(exc)) from exc
    except spreadsheets.SpreadsheetFileError as exc:
        cause = exc.__cause__
        if isinstance(cause, UnicodeDecodeError):
            raise ValueError(ERR_UNREADABLE % {"detail": ERR_CSV_ENCODING}) from exc
        detail = type(cause).__name__ if cause is not None else "BadZipFile"
        raise ValueError(ERR_UNREADABLE % {"detail": detail}) from exc


def parse_spreadsheet(
    data: bytes, filename: str, mapping: dict[str, str] | None = None
) -> ParseResult:
    """Every row checked, every error found in one pass (in the sheet's row order)."""
    result = ParseResult()
    try:
        frame = read_table(data, filename, mapping)
    except ValueError as exc:
        result.errors.append(FormatError(str(FILE_POSITION), str(exc)))
        return result
    header = frame.attrs.get("header")
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        row = header.first_row if header and header.texts else 1
        where = str(ROW_POSITION % {"row": row})
        message = ERR_MISSING_COLUMNS % {"columns": "、".join(missing)}
        result.errors.append(FormatError(where, message))
        return result
    known = [c for c in COLUMNS if c in frame.columns]
    for number, record in zip(frame.index, frame.to_dict("records"), strict=True):
        position = str(ROW_POSITION % {"row": number})
        if not any(_cell(record, c) for c in known):
            continue  # blank rows in the middle of a sheet are common and harmless
        question, errors = _parse_row(record, position)
        result.errors.extend(FormatError(position, e) for e in errors)
        if question and not errors:
            result.questions.append(question)
    return result


def _parse_row(record: dict, position: str) -> tuple[ParsedQuestion | None, list[str]]:
    errors: list[str] = []
    kind_value = _cell(record, "题型")
    found = kind_from_label(kind_value) if kind_value else None
    kind, indefinite = found if found else (None, False)
    if kind is None:
        errors.append(ERR_KIND % {"value": kind_value})
    stem = _cell(record, "题干")
    if not stem:
        errors.append(ERR_STEM)
    answer_cell = _cell(record, "答案")
    answer = _ANSWER_LABEL.sub("", answer_cell).strip()
    if not answer and kind not in MARKED:
        errors.append(ERR_ANSWER_EMPTY)
    option_texts = [strip_option_prefix(_cell(record, c), i) for i, c in enumerate(OPTION_COLUMNS)]
    difficulty = None
    if text := _cell(record, "难度"):
        difficulty = int(float(text)) if _WHOLE_NUMBER.match(text) else None
        if difficulty is None or not 1 <= difficulty <= 5:
            errors.append(ERR_DIFFICULTY % {"value": text})
    question = ParsedQuestion(
        position=position,
        kind=kind or "single",
        stem=stem,
        explanation=_cell(record, "解析"),
        difficulty=difficulty,
        topic=_cell(record, "知识点"),
        citations=_cell(record, "法条"),
        name=_cell(record, "名称"),
        text_format="text",
        indefinite=indefinite,
    )
    if kind in MARKED:
        if any(option_texts) or answer:
            errors.append(ERR_MARKED_OPTIONS)
        question.model_answer = _cell(record, "参考答案")
        question.rubric, rubric_errors = parse_rubric(_cell(record, "评分标准"))
        errors.extend(rubric_errors)
    elif kind == "true_false":
        if any(option_texts):
            errors.append(ERR_TF_OPTIONS)
        value = true_false_answer(answer) if answer else None
        if answer and value is None:
            errors.append(ERR_TF_ANSWER % {"value": answer_cell})
        question.answer_true = bool(value)
    elif kind in ("single", "multiple"):
        errors.extend(_choice_errors(kind, indefinite, option_texts, answer, answer_cell))
        correct = set(answer_letters(answer) or [])
        last = max((i for i, t in enumerate(option_texts) if t), default=-1)
        question.options = [
            ParsedOption(
                text=text,
                correct=i in correct,
                fraction=1.0 if i in correct else 0.0,
                feedback=_cell(record, FEEDBACK_COLUMNS[i]),
            )
            for i, text in enumerate(option_texts[: last + 1])
        ]
    return question, errors


def _choice_errors(kind, indefinite, option_texts, answer, answer_cell) -> list[str]:
    errors = []
    last = max((i for i, t in enumerate(option_texts) if t), default=-1)
    for i in range(last):
        if not option_texts[i]:
            errors.append(ERR_OPTION_GAP % {"letter": OPTION_LETTERS[i]})
    if last < 1:
        errors.append(ERR_TOO_FEW_OPTIONS)
    if not answer:
        return errors
    letters = answer_letters(answer)
    if letters is None or any(i >= len(OPTION_LETTERS) for i in letters):
        errors.append(ERR_ANSWER_LETTERS % {"value": answer_cell})
        return errors
    for i in letters:
        if not option_texts[i]:
            errors.append(ERR_ANSWER_MISSING_OPTION % {"letter": OPTION_LETTERS[i]})
    shown = "".join(OPTION_LETTERS[i] for i in letters)
    if kind == "single" and len(letters) > 1:
        errors.append(ERR_SINGLE_ANSWER % {"value": shown})
    if kind == "multiple" and not indefinite and len(letters) < 2:
        errors.append(ERR_MULTI_ANSWER % {"value": shown})
    return errors


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
            errors.append(ERR_RUBRIC_LINE % {"n": n, "line": line})
            continue
        criteria.append(RubricCriterion(criterion.strip(), points.strip()))
    return criteria, errors


def rubric_text(rubric: Iterable[RubricCriterion]) -> str:
    return "\n".join(f"{c.criterion}|{c.points}" for c in rubric)


def _text(value: str) -> str:
    """Stored text (HTML or escaped plain text) as a person would type it in a cell."""
    return html_to_text(value or "")


def export_spreadsheet(questions: Iterable[ExportQuestion], *, fmt: str = "xlsx") -> bytes:
    """Every kept field, in the columns the import reads back (``cms.spreadsheets`` writes:
    formulas escaped, text kept as text)."""
    rows = ([row[c] for c in COLUMNS] for row in map(_export_row, questions))
    if fmt == "csv":
        return spreadsheets.csv_bytes(COLUMNS, rows)
    return _xlsx(rows)


def _export_row(q: ExportQuestion) -> dict:
    row = dict.fromkeys(COLUMNS, "")
    row["题型"] = INDEFINITE_LABEL if q.indefinite else KIND_LABELS[q.kind]
    row["题干"] = _text(q.stem)
    if q.kind == "true_false":
        row["答案"] = "对" if q.answer_true else "错"
    elif q.kind in MARKED:
        row["参考答案"] = _text(q.model_answer)
        row["评分标准"] = rubric_text(q.rubric)
    else:
        for i, option in enumerate(q.options[: len(OPTION_LETTERS)]):
            row[OPTION_COLUMNS[i]] = _text(option.text)
            row[FEEDBACK_COLUMNS[i]] = _text(option.feedback)
        row["答案"] = "".join(OPTION_LETTERS[i] for i, o in enumerate(q.options) if o.correct)
    row["解析"] = _text(q.explanation)
    row["难度"] = q.difficulty
    row["知识点"] = q.topic
    row["法条"] = q.citations
    row["名称"] = q.name
    return row


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
    return _xlsx([row[c] for c in COLUMNS] for row in (example, case))


WIDTHS = {
    "题型": 8,
    "题干": 50,
    "答案": 8,
    "解析": 50,
    "难度": 6,
    "知识点": 14,
    "法条": 28,
    "参考答案": 50,
    "评分标准": 36,
    "名称": 14,
}


def _xlsx(rows: Iterable[list]) -> bytes:
    widths = [WIDTHS.get(c, 18) for c in COLUMNS]
    return spreadsheets.workbook_bytes("试题", COLUMNS, rows, widths)
