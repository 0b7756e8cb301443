"""Word and text question lists: every numbering, heading, option, answer and key-line form
offices use, read from real .txt and .docx files; all errors of a file found in one pass."""

import io

import docx
import pytest

from exams.formats.base import FormatError, ParsedOption, RubricCriterion, SkippedQuestion
from exams.formats.detect import ERR_ENCODING, parse_questions_file
from exams.formats.wordlist import (
    ERR_ANSWER_NOT_AN_OPTION,
    ERR_ANSWER_NOT_LETTERS,
    ERR_ANSWER_WITHOUT_OPTIONS,
    ERR_DIFFICULTY,
    ERR_DUPLICATE_KEY,
    ERR_KEY_WITHOUT_QUESTION,
    ERR_KIND_UNKNOWN,
    ERR_NO_ANSWER,
    ERR_NO_QUESTIONS,
    ERR_NO_RUBRIC,
    ERR_NOT_DOCX,
    ERR_OLD_DOC,
    ERR_OPTION_AFTER_ANSWER,
    ERR_OPTION_ORDER,
    ERR_OPTION_WITHOUT_QUESTION,
    ERR_RUBRIC_LINE,
    ERR_SINGLE_ANSWER,
    ERR_TRUE_FALSE_ANSWER,
    ERR_UNRECOGNISED,
    NOT_KEPT_SECTION_NOTE,
    SKIPPED_KIND,
    parse_wordlist_docx,
    parse_wordlist_text,
)
from exams.soundness import ERR_MULTIPLE_CORRECT

from .wordlist_files import (
    add_numbering,
    docx_bytes,
    hundred_question_list,
    numbered,
    picture_paragraph,
    png,
    save,
)


def parse(text: str):
    result = parse_wordlist_text(text)
    return result


def only(text: str):
    result = parse(text)
    assert result.errors == [] and result.skipped == []
    (question,) = result.questions
    return question


def keys(question) -> list[bool]:
    return [o.correct for o in question.options]


# --- Numbering ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "number"),
    [
        ("1.行政许可的期限是", 1),
        ("12、行政许可的期限是", 12),
        ("3．行政许可的期限是", 3),
        ("（4）行政许可的期限是", 4),
        ("(5) 行政许可的期限是", 5),
        ("第6题 行政许可的期限是", 6),
        ("第七题：行政许可的期限是", 7),
        ("１０．行政许可的期限是", 10),
    ],
)
def test_numbering_forms(line, number):
    question = only(f"{line}\nA.十日\nB.二十日\n答案：B\n")
    assert question.position == f"第 {number} 题"
    assert question.stem == "行政许可的期限是"
    assert question.kind == "single"
    assert question.text_format == "text"


def test_stem_over_several_lines_and_decimal_numbers_in_it():
    question = only(
        "1. 某局对甲处以罚款。\n1.5万元的罚款是否适当？\n下列说法：\n1.甲\nA.适当\nB.不适当\n答案：B"
    )
    assert question.stem == "某局对甲处以罚款。\n1.5万元的罚款是否适当？\n下列说法：\n1.甲"


# --- Section headings and inline types ----------------------------------------------------


def test_section_headings_set_the_type_of_the_questions_below():
    text = """试卷标题：2026年度考试
说明：本卷共六部分。
一、单项选择题
1. 单选题干
A. 甲  B. 乙
答案：A
二、多选题（每题2分）
2. 多选题干
A. 甲  B. 乙  C. 丙
答案：AC
三、判断题
3. 判断题干
答案：√
不定项选择题
4. 不定项题干
A. 甲  B. 乙
答案：B
案例分析题
5. 案例题干
参考答案：违法。
评分标准：
要点一：指出违法（4分）
简答题
6. 简答题干
参考答案：行政许可应当公开。
评分标准：答出公开原则（2分）
"""
    result = parse(text)
    assert result.errors == []
    kinds = [(q.position, q.kind, q.indefinite) for q in result.questions]
    assert kinds == [
        ("第 1 题", "single", False),
        ("第 2 题", "multiple", False),
        ("第 3 题", "true_false", False),
        ("第 4 题", "multiple", True),
        ("第 5 题", "case_analysis", False),
        ("第 6 题", "short_answer", False),
    ]
    by = {q.position: q for q in result.questions}
    assert by["第 2 题"].not_kept == [NOT_KEPT_SECTION_NOTE % {"note": "每题2分"}]
    assert by["第 1 题"].not_kept == []
    assert keys(by["第 4 题"]) == [False, True]  # 不定项: one correct option is enough
    assert by["第 5 题"].model_answer == "违法。"
    assert by["第 5 题"].rubric == [RubricCriterion("要点一：指出违法", "4")]
    assert by["第 6 题"].rubric == [RubricCriterion("答出公开原则", "2")]


def test_inline_type():
    result = parse(
        "1.【单选题】题干一\nA.甲\nB.乙\n答案：A\n"
        "【多选题】题干二\nA.甲\nB.乙\n答案：AB\n"
        "3.【判断题】题干三\n答案：错\n"
        "4.（不定项选择题）题干四\nA.甲\nB.乙\n答案：A\n"
    )
    assert result.errors == []
    assert [(q.position, q.kind, q.indefinite, q.stem) for q in result.questions] == [
        ("第 1 题", "single", False, "题干一"),
        ("第 2 题", "multiple", False, "题干二"),
        ("第 3 题", "true_false", False, "题干三"),
        ("第 4 题", "multiple", True, "题干四"),
    ]


def test_a_type_the_platform_does_not_have_is_skipped_not_refused():
    result = parse(
        "一、填空题\n1. ____是国家的根本法。\n答案：宪法\n"
        "二、单选题\n1. 题干\nA.甲\nB.乙\n答案：A\n"
    )
    assert result.errors == []
    assert result.skipped == [SkippedQuestion("第 1 题", SKIPPED_KIND % {"label": "填空题"})]
    # the second list restarts its numbering: the position says which section it is in
    assert [q.position for q in result.questions] == ["二、单选题 第 1 题"]


# --- Options ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "options",
    [
        "A.三日\nB.五日\nC.七日",
        "A、三日\nB、五日\nC、七日",
        "A．三日\nB．五日\nC．七日",
        "A:三日\nB:五日\nC:七日",
        "A：三日\nB：五日\nC：七日",
        "A)三日\nB)五日\nC)七日",
        "(A)三日\n(B)五日\n(C)七日",
        "（A）三日\n（B）五日\n（C）七日",
        "Ａ．三日\nＢ．五日\nＣ．七日",
        "A. 三日  B. 五日  C. 七日",
        "A.三日\tB.五日\tC.七日",
        "A、三日　B、五日　C、七日",
        "A.三日  B.五日\nC.七日",
    ],
)
def test_option_forms(options):
    question = only(f"1. 期限是\n{options}\n答案：B\n")
    assert [o.text for o in question.options] == ["三日", "五日", "七日"]
    assert keys(question) == [False, True, False]


def test_an_option_keeps_a_letter_that_is_not_its_prefix():
    question = only("1. 哪一级？\nA. A级\nB. B超检查\n答案：A")
    assert [o.text for o in question.options] == ["A级", "B超检查"]


def test_several_options_on_one_line_split_only_at_the_next_letter():
    question = only("1. 期限\nA. 甲和 C 公司  B. 乙\n答案：A")
    assert [o.text for o in question.options] == ["甲和 C 公司", "乙"]


# --- Answers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("答案：B", [False, True, False, False]),
        ("答案:B", [False, True, False, False]),
        ("正确答案：ABCD", [True, True, True, True]),
        ("【答案】A、B、C", [True, True, True, False]),
        ("参考答案: A,C", [True, False, True, False]),
        ("答案：ＢＤ", [False, True, False, True]),
        ("[答案] BD", [False, True, False, True]),
        ("答案：B。", [False, True, False, False]),
    ],
)
def test_answer_forms(line, expected):
    question = only(f"1. 题干\nA.甲\nB.乙\nC.丙\nD.丁\n{line}\n")
    assert keys(question) == expected
    assert question.kind == ("single" if sum(expected) == 1 else "multiple")
    fractions = [o.fraction for o in question.options]
    assert fractions == [1.0 if k else 0.0 for k in expected]


@pytest.mark.parametrize(
    ("mark", "value"),
    [
        ("√", True),
        ("×", False),
        ("✓", True),
        ("✗", False),
        ("X", False),
        ("x", False),
        ("对", True),
        ("错", False),
        ("正确", True),
        ("错误", False),
    ],
)
def test_true_false_marks(mark, value):
    question = only(f"1. 宪法是国家的根本法。\n参考答案: {mark}\n")
    assert question.kind == "true_false"
    assert question.answer_true is value
    assert question.options == []


def test_answer_in_brackets_at_the_end_of_the_stem():
    result = parse(
        "1. 行政机关应当在几日内作出决定？（ B ）\nA.十日\nB.二十日\n"
        "2. 下列属于行政处罚的是（AC）。\nA.警告\nB.记过\nC.罚款\n"
        "3. 宪法是国家的根本法。（√）\n"
        "4. 规章可以设定行政许可。（ × ）\n"
        "5. 机关（甲）与机关（乙）共同作出的决定（ A ）\nA.共同被告\nB.单独被告\n答案：A\n"
    )
    assert result.errors == []
    one, two, three, four, five = result.questions
    assert one.stem == "行政机关应当在几日内作出决定？（  ）" and keys(one) == [False, True]
    assert two.stem == "下列属于行政处罚的是（  ）。" and keys(two) == [True, False, True]
    assert two.kind == "multiple"
    assert three.answer_true is True and three.stem == "宪法是国家的根本法。（  ）"
    assert four.answer_true is False
    # with an answer line too, a bracket holding the same answer is blanked
    assert five.stem == "机关（甲）与机关（乙）共同作出的决定（  ）"


def test_true_false_written_with_options():
    question = only("一、判断题\n1. 宪法是根本法。\nA. 正确\nB. 错误\n答案：A")
    assert question.kind == "true_false" and question.answer_true is True


# --- Key lines ----------------------------------------------------------------------------


def test_explanation_runs_over_lines_until_the_next_key_line_or_question():
    result = parse(
        "1. 题干\nA.甲\nB.乙\n答案：A\n解析：第一行。\n\n第二行：\n1. 首先……\n2. 其次……\n"
        "难度：2\n"
        "2. 第二题\nA.甲\nB.乙\n答案：B\n【解析】\n理由如下：\n（1）甲；\n（2）乙。\n"
        "3. 第三题\n答案：对\n"
    )
    assert result.errors == []
    one, two, three = result.questions
    assert one.explanation == "第一行。\n第二行：\n1. 首先……\n2. 其次……"
    assert one.difficulty == 2
    assert two.explanation == "理由如下：\n（1）甲；\n（2）乙。"
    assert (three.position, three.answer_true) == ("第 3 题", True)


def test_numbered_points_of_an_early_explanation_are_not_questions():
    result = parse(
        "1. 第一题\nA.甲\nB.乙\n答案：A\n解析：\n1. 甲对；\n2. 乙错；\n3. 故选A。\n"
        "2. 第二题\nA.甲\nB.乙\n答案：B\n"
    )
    assert result.errors == []
    assert [q.stem for q in result.questions] == ["第一题", "第二题"]
    assert result.questions[0].explanation == "1. 甲对；\n2. 乙错；\n3. 故选A。"


@pytest.mark.parametrize(
    "label", ["法条：", "依据：", "法律依据：", "【法条】", "法条:", "【依据】"]
)
def test_citation_forms(label):
    question = only(f"1. 题干\n答案：对\n{label}《行政处罚法》第三十二条第一款")
    assert question.citations == "《行政处罚法》第三十二条第一款"


def test_several_citations_and_other_keys():
    question = only(
        "1. 题干\n答案：对\n法条：行政复议法第九条至第十一条\n行政许可法第四十二条\n"
        "知识点：行政法/行政复议\n题目名称：复议期限\n难度：５"
    )
    assert question.citations == "行政复议法第九条至第十一条；行政许可法第四十二条"
    assert question.topic == "行政法/行政复议"
    assert question.name == "复议期限"
    assert question.difficulty == 5


@pytest.mark.parametrize(
    ("line", "topic", "name"), [("分类：宪法", "宪法", ""), ("名称：Q7", "", "Q7")]
)
def test_topic_and_name_forms(line, topic, name):
    question = only(f"1. 题干\n答案：错\n{line}")
    assert (question.topic, question.name) == (topic, name)


@pytest.mark.parametrize("value", ["3.5", "6", "0", "中", "三"])
def test_difficulty_must_be_an_integer_from_1_to_5(value):
    result = parse(f"1. 好题\n答案：对\n7. 难度有误的题\n答案：对\n难度：{value}\n")
    assert [q.position for q in result.questions] == ["第 1 题"]
    assert result.errors == [FormatError("第 7 题", ERR_DIFFICULTY % {"value": value})]


def test_case_analysis_model_answer_and_rubric():
    question = only(
        "四、案例分析题\n"
        "1. 某区市场监管局受理申请后，既未在法定期限内作出决定，也未告知延期理由。\n"
        "请分析该局的做法。\n"
        "参考答案：\n一、该局的做法违法。\n二、理由：行政机关应当自受理之日起二十日内作出决定。\n"
        "评分标准：\n1. 指出二十日的审查期限（3分）\n2. 指出延长须经批准并告知理由（4 分）\n"
        "结论：该局做法违法（2.5分）\n"
        "解析：考查行政许可的审查期限。\n法条：行政许可法第四十二条"
    )
    assert question.kind == "case_analysis"
    assert question.stem.endswith("\n请分析该局的做法。")
    assert question.model_answer == (
        "一、该局的做法违法。\n二、理由：行政机关应当自受理之日起二十日内作出决定。"
    )
    assert question.rubric == [
        RubricCriterion("指出二十日的审查期限", "3"),
        RubricCriterion("指出延长须经批准并告知理由", "4"),
        RubricCriterion("结论：该局做法违法", "2.5"),
    ]
    assert question.explanation == "考查行政许可的审查期限。"
    assert question.citations == "行政许可法第四十二条"


def test_rubric_points_on_one_line():
    question = only("简答题\n1. 题干\n参考答案：略\n评分标准：答出原则（2分）；答出例外（3分）")
    assert question.rubric == [RubricCriterion("答出原则", "2"), RubricCriterion("答出例外", "3")]


# --- Kind inference without a heading -------------------------------------------------------


def test_kind_follows_from_the_answer_without_a_heading():
    result = parse(
        "1. 一个字母\nA.甲\nB.乙\n答案：A\n2. 几个字母\nA.甲\nB.乙\n答案：AB\n3. 对错\n答案：对\n"
    )
    assert [q.kind for q in result.questions] == ["single", "multiple", "true_false"]


# --- Errors: all of them, each against its question -------------------------------------------


def test_every_error_of_the_file_in_one_pass():
    text = """A. 没有题目的选项
答案：A
一、单项选择题
1. 好题
A.甲
B.乙
答案：A
2. 答案字母不是选项
A.甲
B.乙
答案：E
3. 没有答案
A.甲
B.乙
4. 选项跳字母
A.甲
C.丙
答案：A
5. 单选写了两个答案
A.甲
B.乙
答案：AB
6. 答案不是字母
A.甲
B.乙
答案：对
7. 选项在答案之后
A.甲
答案：A
B.乙
8. 答案写了两次
A.甲
B.乙
答案：A
答案：B
9. 答案后面的多余内容
A.甲
B.乙
答案：A
多余的一行
二、多选题
10. 多选只有一个答案
A.甲
B.乙
答案：A
三、判断题
11. 判断题答案无法识别
答案：也许
四、简答题
12. 没有评分标准
参考答案：略
13. 评分标准缺少分值
参考答案：略
评分标准：
答出要点
"""
    result = parse(text)
    assert [q.position for q in result.questions] == ["第 1 题"]
    assert result.errors == [
        FormatError("第 1 行", ERR_OPTION_WITHOUT_QUESTION),
        FormatError("第 2 行", ERR_KEY_WITHOUT_QUESTION % {"key": "答案"}),
        FormatError(
            "第 2 题", ERR_ANSWER_NOT_AN_OPTION % {"answer": "E", "letter": "E", "last": "B"}
        ),
        FormatError("第 3 题", ERR_NO_ANSWER),
        FormatError("第 4 题", ERR_OPTION_ORDER % {"expected": "B", "actual": "C"}),
        FormatError("第 5 题", ERR_SINGLE_ANSWER % {"answer": "AB"}),
        FormatError("第 6 题", ERR_ANSWER_NOT_LETTERS % {"answer": "对"}),
        FormatError("第 7 题", ERR_OPTION_AFTER_ANSWER % {"letter": "B"}),
        FormatError("第 7 题", "选择题至少要有两个选项。"),
        FormatError("第 8 题", ERR_DUPLICATE_KEY % {"key": "答案"}),
        FormatError("第 9 题", ERR_UNRECOGNISED % {"text": "多余的一行"}),
        FormatError("第 10 题", str(ERR_MULTIPLE_CORRECT)),
        FormatError("第 11 题", ERR_TRUE_FALSE_ANSWER % {"answer": "也许"}),
        FormatError("第 12 题", ERR_NO_RUBRIC),
        FormatError("第 13 题", ERR_RUBRIC_LINE % {"text": "答出要点"}),
    ]


def test_no_options_and_an_answer_that_is_not_true_false():
    result = parse("1. 简述依法行政的要求。\n答案：合法行政、合理行政。\n2. 题干\n答案：B\n")
    assert result.errors == [
        FormatError("第 1 题", ERR_KIND_UNKNOWN % {"answer": "合法行政、合理行政"}),
        FormatError("第 2 题", ERR_ANSWER_WITHOUT_OPTIONS % {"answer": "B"}),
    ]


def test_a_file_without_questions():
    assert parse("这只是一段说明文字。\n没有题目。").errors == [
        FormatError("文件", ERR_NO_QUESTIONS)
    ]


def test_text_is_what_a_person_typed():
    question = only('1. <html class="cool"> & <script>x</script>\nA.<b>甲</b>\nB.乙\n答案：A')
    assert question.text_format == "text"
    assert question.stem == '<html class="cool"> & <script>x</script>'
    assert question.options[0] == ParsedOption("<b>甲</b>", True, 1.0)


# --- Encodings and detection ----------------------------------------------------------------

BANK_TEXT = (
    "一、单项选择题\n1、行政许可的期限是\nA、十日\nB、二十日\n答案：B\n解析：见第四十二条。\n"
)


@pytest.mark.parametrize(
    ("encoding", "bom"),
    [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("gbk", b""), ("gb18030", b""), ("utf-16", b"")],
)
def test_text_files_in_the_encodings_windows_writes(encoding, bom):
    data = bom + BANK_TEXT.replace("\n", "\r\n").encode(encoding)
    fmt, result = parse_questions_file(data, "题库.txt")
    assert fmt == "wordlist"
    assert result.errors == []
    (question,) = result.questions
    assert question.stem == "行政许可的期限是"
    assert question.explanation == "见第四十二条。"


def test_text_that_is_no_known_encoding():
    fmt, result = parse_questions_file(b"1. \xff\xfe\x00\xd8 \x81\x30", "bank.txt")
    assert result.errors == [FormatError("文件", ERR_ENCODING)]


# --- Word files -----------------------------------------------------------------------------


def test_docx_typed_numbers_and_a_table():
    document = docx.Document()
    for text in ["单项选择题", "1. 表格前的题", "A. 甲  B. 乙", "答案：A"]:
        document.add_paragraph(text)
    table = document.add_table(rows=2, cols=1)
    table.cell(0, 0).text = "2. 表格里的题"
    table.cell(1, 0).paragraphs[0].text = "A. 丙"
    table.cell(1, 0).add_paragraph("B. 丁")
    table.cell(1, 0).add_paragraph("答案：B")
    data = save(document)
    fmt, result = parse_questions_file(data, "bank.docx")
    assert fmt == "wordlist" and result.errors == []
    assert [(q.position, q.stem, keys(q)) for q in result.questions] == [
        ("第 1 题", "表格前的题", [True, False]),
        ("第 2 题", "表格里的题", [False, True]),
    ]
    # detected by its content too (an upload named without the extension)
    assert parse_questions_file(data, "upload")[0] == "wordlist"


def test_docx_line_breaks_inside_a_paragraph():
    document = docx.Document()
    document.add_paragraph("1. 题干\nA. 甲\nB. 乙\n答案：B\n解析：第一行\n第二行")
    result = parse_wordlist_docx(save(document))
    (question,) = result.questions
    assert keys(question) == [False, True] and question.explanation == "第一行\n第二行"


def test_docx_list_number_style_auto_numbering():
    """python-docx's (and Word's) "List Number" style numbers paragraphs through the style;
    paragraph.text has no number, yet each numbered paragraph starts a question."""
    document = docx.Document()
    document.add_paragraph("一、单项选择题")
    for n in range(1, 4):
        document.add_paragraph(f"自动编号的第{n}题", style="List Number")
        document.add_paragraph("A. 甲")
        document.add_paragraph("B. 乙")
        document.add_paragraph(f"答案：{'AB'[n % 2]}")
    result = parse_wordlist_docx(save(document))
    assert result.errors == []
    assert [(q.position, q.stem) for q in result.questions] == [
        ("第 1 题", "自动编号的第1题"),
        ("第 2 题", "自动编号的第2题"),
        ("第 3 题", "自动编号的第3题"),
    ]
    assert [keys(q) for q in result.questions] == [[False, True], [True, False], [False, True]]


def test_docx_multilevel_list_with_auto_lettered_options():
    """A multi-level list: level 0 numbers the questions ("1."), level 1 letters the options
    ("A."), the answer lines sit outside the list."""
    document = docx.Document()
    num = add_numbering(document, [("decimal", "%1."), ("upperLetter", "%2.")])
    numbered(document, "题干", num)
    numbered(document, "甲", num, level=1)
    numbered(document, "乙", num, level=1)
    numbered(document, "答案：B", num)  # in the list, but an answer line: no new question
    numbered(document, "下一题", num)  # Word shows it as "3."
    numbered(document, "答案：对", num)
    result = parse_wordlist_docx(save(document))
    assert result.errors == []
    assert [(q.position, q.stem) for q in result.questions] == [
        ("第 1 题", "题干"),
        ("第 3 题", "下一题"),
    ]
    assert keys(result.questions[0]) == [False, True]

    document = docx.Document()
    num = add_numbering(document, [("decimal", "%1."), ("upperLetter", "%2.")])
    sections = add_numbering(document, [("chineseCounting", "%1、")])
    numbered(document, "多项选择题", sections)
    for n in range(1, 3):
        numbered(document, f"第{n}道多选题", num)
        for text in ("甲", "乙", "丙"):
            numbered(document, text, num, level=1)
        document.add_paragraph("答案：AC" if n == 1 else "答案：BC")
    result = parse_wordlist_docx(save(document))
    assert result.errors == []
    assert [(q.position, q.kind, q.stem, keys(q)) for q in result.questions] == [
        ("第 1 题", "multiple", "第1道多选题", [True, False, True]),
        ("第 2 题", "multiple", "第2道多选题", [False, True, True]),
    ]
    assert [o.text for o in result.questions[0].options] == ["甲", "乙", "丙"]


def test_docx_auto_numbered_points_in_an_explanation_stay_in_it():
    document = docx.Document()
    questions = add_numbering(document, [("decimal", "%1.")])
    points = add_numbering(document, [("decimal", "（%1）")])
    numbered(document, "甲题", questions)
    document.add_paragraph("A.甲  B.乙")
    document.add_paragraph("答案：A")
    document.add_paragraph("解析：理由如下")
    for text in ("甲正确", "乙错误", "故选甲"):
        numbered(document, text, points)
    numbered(document, "乙题", questions)
    document.add_paragraph("答案：对")
    result = parse_wordlist_docx(save(document))
    assert result.errors == []
    one, two = result.questions
    assert one.explanation == "理由如下\n（1）甲正确\n（2）乙错误\n（3）故选甲"
    assert (two.position, two.stem, two.answer_true) == ("第 2 题", "乙题", True)


def test_docx_embedded_picture_makes_the_stem_html():
    image = png()
    document = docx.Document()
    document.add_paragraph("1. 如图 <所示> 的标志：")
    picture_paragraph(document, "", image, "表示什么？")
    document.add_paragraph("A. 禁止 & 通行  B. 注意")
    document.add_paragraph("答案：A")
    document.add_paragraph("解析：见图。")
    result = parse_wordlist_docx(save(document))
    assert result.errors == []
    (question,) = result.questions
    assert question.text_format == "html"
    assert question.stem == (
        '如图 &lt;所示&gt; 的标志：<br><img src="@@PLUGINFILE@@/image1.png" alt="">表示什么？'
    )
    assert [o.text for o in question.options] == ["禁止 &amp; 通行", "注意"]
    assert question.explanation == "见图。"
    (picture,) = question.images
    assert picture.name == "image1.png" and picture.data == image


def test_docx_broken_old_and_foreign_files():
    assert parse_questions_file(b"PK\x03\x04 not really a zip", "bank.docx")[1].errors == [
        FormatError("文件", ERR_NOT_DOCX)
    ]
    old = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600
    assert parse_questions_file(old, "bank.doc")[1].errors == [FormatError("文件", ERR_OLD_DOC)]


def test_docx_question_count_guard(settings):
    from exams.formats.detect import ERR_TOO_MANY_QUESTIONS

    paragraphs = []
    for n in range(1, 22):
        paragraphs += [f"{n}. 题干", "答案：对"]
    settings.UPLOAD_MAX_ROWS = 21
    fmt, result = parse_questions_file(docx_bytes(paragraphs), "bank.docx")
    assert len(result.questions) == 21 and result.errors == []
    settings.UPLOAD_MAX_ROWS = 20
    fmt, result = parse_questions_file(docx_bytes(paragraphs), "bank.docx")
    assert result.errors == [FormatError("文件", str(ERR_TOO_MANY_QUESTIONS % {"limit": "20"}))]
    fmt, result = parse_questions_file("\n".join(paragraphs).encode(), "bank.txt")
    assert fmt == "wordlist"
    assert result.errors == [FormatError("文件", str(ERR_TOO_MANY_QUESTIONS % {"limit": "20"}))]


def test_docx_zip_bomb_is_refused_before_reading(settings):
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"<" + b" " * (30 * 1024 * 1024))
    settings.UPLOAD_MAX_UNCOMPRESSED_BYTES = 10 * 1024 * 1024
    fmt, result = parse_questions_file(buffer.getvalue(), "bomb.docx")
    assert fmt == "wordlist"
    assert result.questions == [] and len(result.errors) == 1
    assert "解压后过大" in result.errors[0].message


# --- A real bank ----------------------------------------------------------------------------


def test_a_hundred_question_word_list():
    paragraphs, expected = hundred_question_list(100)
    fmt, result = parse_questions_file(docx_bytes(paragraphs), "2026题库.docx")
    assert fmt == "wordlist"
    assert result.errors == [] and result.skipped == []
    assert len(result.questions) == 100
    for question, item in zip(result.questions, expected, strict=True):
        assert question.position == item["position"]
        assert question.kind == item["kind"]
        assert question.stem == item["stem"]
        assert question.explanation == item["explanation"]
        assert question.citations == item["citations"]
        assert question.topic == item["topic"]
        assert question.difficulty == item["difficulty"]
        if item["kind"] == "true_false":
            assert question.answer_true is item["answer_true"]
        else:
            assert [(o.text, o.correct) for o in question.options] == item["options"]


# --- Hostile files --------------------------------------------------------------------------


def _replace_part(data: bytes, name: str, content: bytes) -> bytes:
    import io
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item, content if item.filename == name else source.read(item))
    return buffer.getvalue()


def test_docx_with_an_external_entity_reads_no_file(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("机密内容")
    document = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file://{secret}">]>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        "<w:body><w:p><w:r><w:t>1. 题干&xxe;</w:t></w:r></w:p>"
        "<w:p><w:r><w:t>答案：对</w:t></w:r></w:p></w:body></w:document>"
    ).encode()
    data = _replace_part(docx_bytes(["x"]), "word/document.xml", document)
    fmt, result = parse_questions_file(data, "bank.docx")
    assert "机密内容" not in repr(result)


def test_docx_picture_pointing_at_a_part_that_is_no_image_is_not_kept():
    image = png()
    document = docx.Document()
    document.add_paragraph("1. 题干")
    picture_paragraph(document, "", image)
    document.add_paragraph("答案：对")
    data = save(document)
    # point the picture's relationship at the document's styles instead of the image
    import re
    import zipfile

    rels = zipfile.ZipFile(io.BytesIO(data)).read("word/_rels/document.xml.rels").decode()
    rels = re.sub(r'Target="media/image1\.png"', 'Target="styles.xml"', rels)
    rels = rels.replace(
        "relationships/image", "relationships/styles", 1
    )  # python-docx relates the styles part as such: only the content type decides
    data = _replace_part(data, "word/_rels/document.xml.rels", rels.encode())
    result = parse_wordlist_docx(data)
    assert [q.images for q in result.questions] in ([[]], [])
    assert all(b"<w:styles" not in i.data for q in result.questions for i in q.images)


def test_a_question_after_a_citation_starts_even_without_its_answer():
    result = parse(
        "1. 第一题\n答案：对\n法条：宪法第二条\n2. 缺少答案的第二题\n3. 第三题\n答案：错\n"
    )
    assert result.questions[0].citations == "宪法第二条"
    assert result.errors == [FormatError("第 2 题", ERR_NO_ANSWER)]
    assert [q.position for q in result.questions] == ["第 1 题", "第 3 题"]


def test_docx_pictures_land_in_the_field_they_stand_in():
    red, blue = png("red"), png("blue")
    document = docx.Document()
    document.add_paragraph("案例分析题")
    document.add_paragraph("1. 案情如下")
    picture_paragraph(document, "参考答案：见", red)
    document.add_paragraph("评分标准：指出违法（4分）")
    picture_paragraph(document, "解析：另见", blue)
    result = parse_wordlist_docx(save(document))
    assert result.errors == []
    (question,) = result.questions
    assert question.stem == "案情如下"
    assert question.model_answer == '见<img src="@@PLUGINFILE@@/image1.png" alt="">'
    assert question.explanation == '另见<img src="@@PLUGINFILE@@/image2.png" alt="">'
    assert [(i.name, i.data) for i in question.images] == [
        ("image1.png", red),
        ("image2.png", blue),
    ]
