"""One soundness rule on every path that creates or activates a question, and the import's
"import everything, activate only what is sound": drafts, default citation, duplicates as
warnings, created categories, escaped plain text, feedback, weights, names, 不定项, 款/项."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.template.loader import render_to_string

from cms.laws.models import Article
from cms.laws.services import law_library_import
from exams import soundness
from exams.balance_selectors import section_pool
from exams.formats.base import ParsedOption, ParsedQuestion, ParseResult
from exams.grading import slot_score
from exams.models import Blueprint, BlueprintSection, Question, QuestionStatus, Topic
from exams.selectors import question_bank_export, questions_as_export, questions_drawable
from exams.services import (
    question_create,
    question_set_status,
    question_update,
    questions_import,
)
from tests.exams.conftest import laws_subset

pytestmark = pytest.mark.django_db

AIKEN = """行政处罚法规定，违法行为在几年内未被发现的，不再给予行政处罚？
A. 一年
B. 二年
C. 三年
D. 五年
ANSWER: B

当事人主动消除违法行为危害后果的，应当如何处理？
A. 从轻或者减轻行政处罚
B. 从重处罚
ANSWER: A
"""

GIFT = """$CATEGORY: $course$/top/处罚种类辨析

::Q1:: 下列说法正确的是 {=行政拘留只能由法律设定 ~地方性法规可以设定行政拘留 ~规章可以设定行政拘留}

::Q2:: 下列说法正确的是 {=罚款属于行政处罚 ~记大过属于行政处罚 ~警告不属于行政处罚}
"""


@pytest.fixture
def laws(tmp_path):
    law_library_import(
        directory=laws_subset(
            tmp_path / "laws", ["administrative-penalty-law", "administrative-reconsideration-law"]
        )
    )


@pytest.fixture
def topic(laws) -> Topic:
    return Topic.objects.filter(name="行政处罚").first() or Topic.add_root(name="行政处罚")


def penalty(number: int) -> Article:
    return Article.objects.select_related("version__law").get(
        version__law__short_title="行政处罚法", number=number
    )


def single(stem="题干", correct=(1,)):
    return [ParsedOption(text, i in correct) for i, text in enumerate(["甲", "乙", "丙"])]


def parsed_file(monkeypatch, *questions: ParsedQuestion) -> None:
    """The parsers are tested on their own; here the service gets exactly these questions."""
    monkeypatch.setattr(
        "exams.services.questions.parse_questions_file",
        lambda data, filename, mapping=None: (
            "spreadsheet",
            ParseResult(questions=list(questions)),
        ),
    )


# --- question_create / question_update / question_set_status ----------------------------------


def test_question_create_refuses_an_active_single_choice_without_key_or_citation(topic):
    with pytest.raises(ValidationError) as refused:
        question_create(
            topic=topic, kind="single", stem="题干", options=single(correct=()), articles=[]
        )
    assert set(refused.value.messages) == {
        str(soundness.ERR_SINGLE_CORRECT),
        str(soundness.ERR_NO_CITATION),
    }
    with pytest.raises(ValidationError) as refused:
        question_create(topic=topic, kind="single", stem="题干", options=single(), articles=[])
    assert refused.value.messages == [str(soundness.ERR_NO_CITATION)]
    assert not Question.objects.exists()


def test_question_create_keeps_an_uncited_question_only_as_a_draft(topic):
    draft = question_create(
        topic=topic,
        kind="single",
        stem="题干",
        options=single(),
        articles=[],
        status=QuestionStatus.DRAFT,
    )
    assert draft.status == QuestionStatus.DRAFT and draft.draft_reason == "待补充法条"
    with pytest.raises(ValidationError):  # a broken structure is not even a draft
        question_create(
            topic=topic,
            kind="single",
            stem="题干",
            options=single(correct=(0, 1)),
            articles=[],
            status=QuestionStatus.DRAFT,
        )
    assert list(questions_drawable()) == []


def test_question_set_status_refuses_to_activate_a_draft_without_citation(topic):
    draft = question_create(
        topic=topic,
        kind="single",
        stem="题干",
        options=single(),
        articles=[],
        status=QuestionStatus.DRAFT,
    )
    with pytest.raises(ValidationError) as refused:
        question_set_status(question=draft, status=QuestionStatus.ACTIVE)
    assert refused.value.messages == [str(soundness.ERR_NO_CITATION)]
    draft.refresh_from_db()
    assert draft.status == QuestionStatus.DRAFT

    question_update(
        question=draft, kind="single", stem="题干", options=single(), articles=[penalty(36)]
    )
    question_set_status(question=draft, status=QuestionStatus.ACTIVE)
    assert list(questions_drawable()) == [draft]


def test_question_update_refuses_to_leave_an_active_question_unsound(topic):
    question = question_create(
        topic=topic, kind="single", stem="题干", options=single(), articles=[penalty(36)]
    )
    with pytest.raises(ValidationError):
        question_update(
            question=question, kind="single", stem="题干", options=single(), articles=[]
        )
    with pytest.raises(ValidationError):
        question_update(
            question=question,
            kind="multiple",
            stem="题干",
            options=single(),
            articles=[penalty(36)],
        )
    question.refresh_from_db()
    assert list(question.current_version.articles.all()) == [penalty(36)]


def test_indefinite_needs_one_key_and_is_graded_as_multiple(topic):
    question = question_create(
        topic=topic,
        kind="multiple",
        stem="不定项题干",
        options=single(),
        indefinite=True,
        articles=[penalty(36)],
    )
    version = question.current_version
    assert version.indefinite and version.kind_label == "不定项选择题"
    with pytest.raises(ValidationError) as refused:
        question_create(
            topic=topic,
            kind="multiple",
            stem="不定项题干",
            options=single(correct=()),
            indefinite=True,
            articles=[penalty(36)],
        )
    assert refused.value.messages == [str(soundness.ERR_INDEFINITE_CORRECT)]
    # Graded exactly as a multiple choice (the slot's ``multiple`` is the kind's).
    assert slot_score(selected=[2], correct=[2], multiple=True, partial=True, points=4) == 4
    assert slot_score(selected=[1, 2], correct=[2], multiple=True, partial=True, points=4) == 0


# --- The import -------------------------------------------------------------------------------


def test_import_questions_on_an_aiken_file_of_two_questions_imports_two_drafts(
    laws, tmp_path: Path, capsys
):
    path = tmp_path / "bank.txt"
    path.write_text(AIKEN, encoding="utf-8")
    call_command("import_questions", str(path))
    out = capsys.readouterr().out
    assert "imported 2, skipped 0, errors 0, drafts 2" in out
    assert "new topic: 未分类" in out
    assert out.count("draft 第") == 2
    questions = list(Question.objects.select_related("current_version", "topic"))
    assert [q.status for q in questions] == [QuestionStatus.DRAFT] * 2
    assert {q.topic.name for q in questions} == {"未分类"}
    assert all(q.draft_reason == "待补充法条" for q in questions)
    assert list(questions_drawable()) == []
    # Never drawn into a paper: the blueprint's pool holds active questions only.
    section = BlueprintSection.objects.create(
        blueprint=Blueprint.objects.create(name="卷"),
        title="单选",
        kind="single",
        count=1,
        points=1,
    )
    section.topics.add(questions[0].topic)
    assert not section_pool(section).exists()


def test_import_questions_with_a_default_citation_imports_active_questions(
    laws, tmp_path: Path, capsys
):
    path = tmp_path / "bank.txt"
    path.write_text(AIKEN, encoding="utf-8")
    call_command("import_questions", str(path), "--citation", "行政处罚法第三十六条第一款")
    assert "imported 2, skipped 0, errors 0\n" in capsys.readouterr().out
    for question in Question.objects.all():
        assert question.status == QuestionStatus.ACTIVE
        citation = question.current_version.citations.get()
        assert (citation.article, citation.paragraph, citation.item) == (penalty(36), 1, None)
        assert citation.label == "行政处罚法第三十六条第一款"
    with pytest.raises(SystemExit):  # a default that does not resolve is an error
        call_command("import_questions", str(path), "--citation", "行政处罚法第九百条")
    assert "error --citation: 法条引用无法解析" in capsys.readouterr().out


def test_gift_without_citations_imports_drafts_and_generic_stems_are_not_duplicates(laws):
    report = questions_import(data=GIFT.encode(), filename="bank.gift")
    assert report.errors == [] and report.imported == 2 and report.drafts == 2
    assert report.warnings == []  # "下列说法正确的是" with other options is another question
    assert report.created_topics == ["处罚种类辨析"]
    assert set(Question.objects.values_list("status", flat=True)) == {QuestionStatus.DRAFT}


def test_duplicates_are_warnings_naming_the_existing_question(laws):
    questions_import(data=GIFT.encode(), filename="bank.gift")
    first = Question.objects.order_by("pk").first()
    reordered = GIFT.replace(
        "{=行政拘留只能由法律设定 ~地方性法规可以设定行政拘留 ~规章可以设定行政拘留}",
        "{~规章可以设定行政拘留 ~地方性法规可以设定行政拘留 =行政拘留只能由法律设定}",
    )
    other_key = "::Q3:: 下列说法正确的是 {~行政拘留只能由法律设定 =地方性法规可以设定行政拘留 ~规章可以设定行政拘留}\n"
    report = questions_import(data=(reordered + "\n" + other_key).encode(), filename="b.gift")
    assert report.errors == [] and report.imported == 3
    assert report.warnings[0].message == (
        f"可能重复：与题库中第 {first.pk} 号试题的题干、选项和答案相同。"
    )
    assert len(report.warnings) == 2  # Q1 and Q2 again; Q3 has another key
    skipped = questions_import(
        data=reordered.encode(), filename="b.gift", skip_duplicates=True, dry_run=True
    )
    assert skipped.imported == 0 and len(skipped.skipped) == 2


def test_unknown_categories_are_created_under_the_imports_topic_only_on_confirm(topic):
    gift = GIFT.replace("$course$/top/处罚种类辨析", "$course$/top/新类别/子类") + (
        "\n$CATEGORY: $course$/top/行政处罚\n::Q9:: 行政拘留由谁设定？ {=法律 ~规章}\n"
    )
    parent = Topic.add_root(name="题库导入")
    report = questions_import(data=gift.encode(), filename="b.gift", topic=parent, dry_run=True)
    assert report.created_topics == ["题库导入/新类别/子类"]
    assert not Topic.objects.filter(name="子类").exists()
    report = questions_import(data=gift.encode(), filename="b.gift", topic=parent)
    assert report.errors == []
    child = Topic.objects.get(name="子类")
    assert child.get_parent().name == "新类别" and child.get_parent().get_parent() == parent
    # The file's own existing category wins over the import's topic.
    assert Question.objects.get(current_version__stem_text="行政拘留由谁设定？").topic == topic


def test_structure_problems_are_errors_naming_the_question(laws, monkeypatch):
    parsed_file(
        monkeypatch,
        ParsedQuestion(position="第 3 行", kind="single", stem="题干", options=single(correct=())),
        ParsedQuestion(position="第 4 行", kind="single", stem="另一题", options=single()),
    )
    report = questions_import(data=b"", filename="bank.xlsx", topic=Topic.add_root(name="甲"))
    assert [(e.position, e.message) for e in report.errors] == [
        ("第 3 行", str(soundness.ERR_SINGLE_CORRECT))
    ]
    assert not Question.objects.exists()


def test_plain_text_formats_are_escaped_and_shown_as_text(topic, monkeypatch):
    parsed_file(
        monkeypatch,
        ParsedQuestion(
            position="第 2 行",
            kind="single",
            stem='<html class="cool"> &\n第二行',
            options=[
                ParsedOption("<b>", True),
                ParsedOption("<script>alert(1)</script>", False),
            ],
            explanation="<i>解析</i>",
            text_format="text",
            citations="行政处罚法第三十六条",
        ),
    )
    report = questions_import(data=b"", filename="bank.xlsx", topic=topic)
    assert report.errors == [] and report.drafts == 0
    version = Question.objects.get().current_version
    assert version.stem == "&lt;html class=&quot;cool&quot;&gt; &amp;<br>第二行"
    assert version.stem_text == '<html class="cool"> &\n第二行'
    assert [o["text"] for o in version.options] == [
        "&lt;b&gt;",
        "&lt;script&gt;alert(1)&lt;/script&gt;",
    ]
    html = render_to_string(
        "exams/includes/question_display.html",
        {"stem": version.stem, "kind": version.kind, "options": version.options},
    )
    assert "&lt;html class=&quot;cool&quot;&gt; &amp;" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>" not in html
    assert "<b>" not in html


def test_html_format_is_sanitised_keeping_safe_links(topic, monkeypatch):
    parsed_file(
        monkeypatch,
        ParsedQuestion(
            position="第 1 题",
            kind="true_false",
            stem='<p>见<a href="https://flk.npc.gov.cn/" onclick="x()">国家法律法规数据库</a>'
            '<a href="javascript:alert(1)">坏</a><img src="https://tracker.example/p.gif"></p>',
            answer_true=True,
            citations="行政处罚法第三十六条",
        ),
    )
    questions_import(data=b"", filename="bank.xml", topic=topic)
    stem = Question.objects.get().current_version.stem
    assert '<a href="https://flk.npc.gov.cn/" rel="noopener noreferrer">' in stem
    assert "javascript" not in stem and "onclick" not in stem and "tracker" not in stem


def test_feedback_weights_and_names_are_kept_or_listed(topic, monkeypatch):
    parsed_file(
        monkeypatch,
        ParsedQuestion(
            position="第 1 题",
            kind="multiple",
            stem="哪些属于行政处罚？",
            name="处罚种类-01",
            options=[
                ParsedOption("警告", True, 0.5, feedback="第九条第（一）项"),
                ParsedOption("罚款", True, 0.5),
                ParsedOption("记过", False, -1.0, feedback="记过是处分"),
            ],
            citations="行政处罚法第九条",
            not_kept=["未保留：每题分值 2"],
        ),
        ParsedQuestion(
            position="第 2 题",
            kind="multiple",
            stem="哪些属于行政处罚（部分分）？",
            options=[
                ParsedOption("警告", True, 0.7),
                ParsedOption("罚款", True, 0.3),
                ParsedOption("记过", False, 0.0),
            ],
            citations="行政处罚法第九条",
        ),
        ParsedQuestion(
            position="第 3 题",
            kind="multiple",
            stem="不定项：哪个属于行政处罚？",
            indefinite=True,
            options=[ParsedOption("警告", True), ParsedOption("记过", False)],
            citations="行政处罚法第九条第（一）项",
        ),
    )
    report = questions_import(data=b"", filename="bank.xml", topic=topic)
    assert report.errors == []
    assert [(n.position, n.message) for n in report.not_kept] == [
        ("第 1 题", "未保留：每题分值 2"),
        ("第 2 题", "未保留：选项权重（分值比例）70%、30%、0%，本平台按正确选项计分。"),
    ]
    first = Question.objects.get(name="处罚种类-01")
    assert [o.get("feedback", "") for o in first.current_version.options] == [
        "第九条第（一）项",
        "",
        "记过是处分",
    ]
    indefinite = Question.objects.get(current_version__indefinite=True)
    assert indefinite.status == QuestionStatus.ACTIVE
    assert indefinite.current_version.citations.get().label == "行政处罚法第九条第（一）项"
    exported = {q.name: q for q in questions_as_export(Question.objects.all())}
    assert exported["处罚种类-01"].options[2].feedback == "记过是处分"
    assert any(q.indefinite for q in exported.values())


def test_citations_with_paragraphs_and_items_survive_export_and_reimport(topic, monkeypatch):
    parsed_file(
        monkeypatch,
        ParsedQuestion(
            position="第 1 题",
            kind="true_false",
            stem="主动消除违法行为危害后果的，应当从轻或者减轻行政处罚。",
            answer_true=True,
            citations="《行政处罚法》第三十二条第（一）项；第三十三条第二款；第九条至第十条",
        ),
    )
    questions_import(data=b"", filename="bank.xml", topic=topic)
    version = Question.objects.get().current_version
    labels = [c.label for c in version.citations.select_related("article__version__law")]
    assert labels == [
        "行政处罚法第三十二条第（一）项",
        "行政处罚法第三十三条第二款",
        "行政处罚法第九条",
        "行政处罚法第十条",
    ]
    monkeypatch.undo()
    exported = question_bank_export(questions=Question.objects.all(), fmt="gift")
    Question.objects.all().delete()
    report = questions_import(data=exported, filename="again.gift")
    assert report.errors == [] and report.drafts == 0, report.draft_reasons
    again = Question.objects.get().current_version
    assert [c.label for c in again.citations.select_related("article__version__law")] == labels
