"""Word and text list export: the form the list reader reads, so that a bank comes back with
every field (pictures too, in Word)."""

import io

import docx

from exams.formats.base import ExportQuestion, ParsedImage, ParsedOption, RubricCriterion
from exams.formats.detect import parse_questions_file
from exams.formats.wordlist import questions_docx, questions_text

from .wordlist_files import png

SIGN = png("blue", (12, 9))
MAP = png("green", (5, 5))

BANK = [
    ExportQuestion(
        kind="single",
        stem="行政机关应当自受理行政许可申请之日起几日内作出决定？",
        options=[
            ParsedOption("二十日", True, 1.0),
            ParsedOption("十日", False, 0.0),
            ParsedOption("三十日", False, 0.0),
        ],
        answer_true=None,
        explanation="《行政许可法》第四十二条。\n二十日内不能作出决定的，可以延长十日。",
        difficulty=3,
        topic="行政法/行政许可",
        citations="行政许可法第四十二条",
        name="Q1",
    ),
    ExportQuestion(
        kind="multiple",
        stem="特殊字符 & 《法》（  ）",
        options=[
            ParsedOption("A、不是前缀", True, 1.0),
            ParsedOption("甲 & 乙", True, 1.0),
            ParsedOption("丙", False, 0.0),
        ],
        answer_true=None,
        explanation="",
        difficulty=5,
        topic="行政法/行政许可",
        citations="行政许可法第十二条；行政许可法第十三条",
    ),
    ExportQuestion(
        kind="multiple",
        stem="不定项：下列属于行政处罚的是",
        options=[ParsedOption("警告", True, 1.0), ParsedOption("记过", False, 0.0)],
        answer_true=None,
        explanation="",
        difficulty=2,
        topic="行政法/行政处罚",
        citations="行政处罚法第九条",
        indefinite=True,
    ),
    ExportQuestion(
        kind="true_false",
        stem="如图所示的标志表示禁止通行。",
        options=[],
        answer_true=False,
        explanation='见图：<img src="@@PLUGINFILE@@/map.png" alt="地图">',
        difficulty=1,
        topic="宪法",
        citations="宪法第二条",
        name="带图的判断题",
        images=[ParsedImage("map.png", MAP, "地图")],
    ),
    ExportQuestion(
        kind="true_false",
        stem="中华人民共和国的一切权力属于人民。",
        options=[],
        answer_true=True,
        explanation="",
        difficulty=0,
        topic="",
        citations="",
    ),
    ExportQuestion(
        kind="single",
        stem='下图中的标志<img src="@@PLUGINFILE@@/sign.png" alt="">表示什么？',
        options=[
            ParsedOption("禁止通行", True, 1.0),
            ParsedOption('<img src="@@PLUGINFILE@@/map.png" alt="地图">', False, 0.0),
        ],
        answer_true=None,
        explanation="",
        difficulty=2,
        topic="宪法",
        citations="宪法第二条",
        images=[ParsedImage("sign.png", SIGN, ""), ParsedImage("map.png", MAP, "地图")],
    ),
    ExportQuestion(
        kind="case_analysis",
        stem="某区市场监管局受理申请后未在法定期限内作出决定。\n请分析该局的做法。",
        options=[],
        answer_true=None,
        explanation="考查审查期限。",
        difficulty=4,
        topic="行政法/行政许可",
        citations="行政许可法第四十二条",
        model_answer="一、该局的做法违法。\n二、理由：应当自受理之日起二十日内作出决定。",
        rubric=[
            RubricCriterion("指出二十日的审查期限", "3"),
            RubricCriterion("指出延长须经批准", "2.5"),
            RubricCriterion("结论", "10"),
        ],
    ),
    ExportQuestion(
        kind="short_answer",
        stem="简述行政许可的公开原则。",
        options=[],
        answer_true=None,
        explanation="",
        difficulty=2,
        topic="行政法/行政许可",
        citations="行政许可法第五条",
        model_answer="",
        rubric=[RubricCriterion("答出公开", "2")],
    ),
]


def comparable(question, *, pictures: bool = True) -> tuple:
    return (
        question.kind,
        question.indefinite,
        question.stem,
        [(o.text, o.correct) for o in question.options],
        question.answer_true,
        question.explanation,
        question.topic,
        question.difficulty or 0,
        question.citations,
        question.name,
        question.model_answer,
        [(c.criterion, c.points) for c in question.rubric],
        sorted((i.name, i.data, i.alt) for i in question.images) if pictures else None,
    )


def plain(bank):
    return [q for q in bank if not q.images]


def test_docx_round_trip_keeps_every_field_and_the_pictures():
    data = questions_docx(BANK)
    fmt, result = parse_questions_file(data, "export.docx")
    assert fmt == "wordlist"
    assert result.errors == [] and result.skipped == []
    by_kind = sorted(BANK, key=_section)
    assert [comparable(q) for q in result.questions] == [comparable(q) for q in by_kind]
    pictured = [q for q in result.questions if q.images]
    assert [q.text_format for q in pictured] == ["html", "html"]
    assert all(q.text_format == "text" for q in result.questions if not q.images)


def test_docx_export_is_a_list_a_person_can_read():
    document = docx.Document(io.BytesIO(questions_docx(BANK[:2])))
    assert [p.text for p in document.paragraphs if p.text] == [
        "一、单项选择题",
        "1. 行政机关应当自受理行政许可申请之日起几日内作出决定？",
        "A. 二十日",
        "B. 十日",
        "C. 三十日",
        "答案：A",
        "解析：《行政许可法》第四十二条。",
        "二十日内不能作出决定的，可以延长十日。",
        "难度：3",
        "法条：行政许可法第四十二条",
        "知识点：行政法/行政许可",
        "名称：Q1",
        "二、多项选择题",
        "2. 特殊字符 & 《法》（  ）",
        "A. A、不是前缀",
        "B. 甲 & 乙",
        "C. 丙",
        "答案：AB",
        "难度：5",
        "法条：行政许可法第十二条；行政许可法第十三条",
        "知识点：行政法/行政许可",
    ]


def test_text_round_trip_keeps_every_field():
    text = questions_text(plain(BANK))
    for data, name in ((text.encode("utf-8"), "export.txt"), (text.encode("gbk"), "导出.txt")):
        fmt, result = parse_questions_file(data, name)
        assert fmt == "wordlist"
        assert result.errors == []
        expected = sorted(plain(BANK), key=_section)
        assert [comparable(q) for q in result.questions] == [comparable(q) for q in expected]


def test_text_export_names_the_pictures_it_cannot_hold():
    text = questions_text(BANK)
    assert (
        "2. 下图中的标志〔图片：sign.png〕表示什么？\nA. 禁止通行\nB. 〔图片：map.png〕\n" in text
    )
    result = parse_questions_file(text.encode(), "export.txt")[1]
    assert result.errors == [] and len(result.questions) == len(BANK)


def test_stored_html_and_escaped_text_are_exported_as_their_text():
    escaped = ExportQuestion(
        kind="true_false",
        stem="&lt;b&gt;不是粗体&lt;/b&gt; &amp; 《法》（  ）",
        options=[],
        answer_true=True,
        explanation="",
        difficulty=1,
        topic="",
        citations="",
    )
    for export in (questions_text, questions_docx):
        data = export([escaped])
        data = data.encode() if isinstance(data, str) else data
        (question,) = parse_questions_file(
            data, "x.docx" if isinstance(data, bytes) and data[:2] == b"PK" else "x.txt"
        )[1].questions
        assert question.stem == "<b>不是粗体</b> & 《法》（  ）"
        assert question.text_format == "text"
    stored = ExportQuestion(
        kind="true_false",
        stem="<p>行政许可<strong>听证</strong>的费用 &amp; 其他费用由申请人承担。</p>",
        options=[],
        answer_true=False,
        explanation="",
        difficulty=1,
        topic="",
        citations="",
    )
    (question,) = parse_questions_file(questions_text([stored]).encode(), "x.txt")[1].questions
    assert question.stem == "行政许可听证的费用 & 其他费用由申请人承担。"


def _section(question) -> int:
    order = [
        ("single", False),
        ("multiple", False),
        ("multiple", True),
        ("true_false", False),
        ("case_analysis", False),
        ("short_answer", False),
    ]
    return order.index((question.kind, question.indefinite))
