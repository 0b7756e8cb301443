"""Real files through the whole import and back out: a Moodle XML bank with an embedded image,
per-answer feedback and names, and a Word list with a picture, imported by ``questions_import``,
stored (the picture as a Wagtail image the stem refers to) and exported to every format that can
carry the fields, then parsed again: nothing kept is lost or changed on the way."""

from __future__ import annotations

import base64

import docx
import pytest
from wagtail.images import get_image_model

from exams.formats.detect import parse_questions_file
from exams.models import Question, QuestionStatus
from exams.selectors import question_bank_export
from exams.services import questions_import
from tests.exams.formats.wordlist_files import picture_paragraph, png, save

pytestmark = pytest.mark.django_db

PICTURE = png("blue", (12, 9))

MOODLE_XML = f"""<?xml version="1.0" encoding="UTF-8"?>
<quiz>
  <question type="category"><category><text>$course$/行政法/行政处罚</text></category></question>
  <question type="multichoice">
    <name><text>处罚种类识图</text></name>
    <questiontext format="html">
      <text><![CDATA[<p>图中所示的处理属于哪一种行政处罚？<img src="@@PLUGINFILE@@/notice.png" alt="通知书"></p>]]></text>
      <file name="notice.png" path="/" encoding="base64">{base64.b64encode(PICTURE).decode()}</file>
    </questiontext>
    <generalfeedback format="html"><text>行政处罚法第九条列举了处罚种类。</text></generalfeedback>
    <single>true</single>
    <answer fraction="100" format="html"><text>罚款</text><feedback><text>正确：罚款是第九条第（二）项。</text></feedback></answer>
    <answer fraction="0" format="html"><text>行政拘留</text><feedback><text>拘留须有人身自由的限制。</text></feedback></answer>
    <answer fraction="0" format="html"><text>责令改正</text><feedback><text>责令改正不是行政处罚。</text></feedback></answer>
    <answer fraction="0" format="html"><text>记大过</text><feedback><text>记大过是政务处分。</text></feedback></answer>
    <tags><tag><text>法条:行政处罚法第九条第（二）项</text></tag><tag><text>难度:2</text></tag></tags>
  </question>
  <question type="truefalse">
    <name><text>没有依据的题</text></name>
    <questiontext format="html"><text>行政机关可以自行设定罚款。</text></questiontext>
    <answer fraction="0"><text>true</text></answer>
    <answer fraction="100"><text>false</text></answer>
  </question>
</quiz>
""".encode()


def _stored_image_bytes() -> bytes:
    image = get_image_model().objects.get()
    with image.open_file() as handle:
        return handle.read()


def test_a_moodle_xml_bank_with_an_image_round_trips_through_the_bank(law_library):
    report = questions_import(data=MOODLE_XML, filename="moodle-bank.xml")
    assert report.errors == [], report.errors
    assert (report.imported, report.drafts) == (2, 1)

    pictured = Question.objects.get(name="处罚种类识图")
    version = pictured.current_version
    assert pictured.status == QuestionStatus.ACTIVE
    assert "@@PLUGINFILE@@" not in version.stem
    assert "/exams/question-images/" in version.stem
    assert _stored_image_bytes() == PICTURE
    assert [o["feedback"] for o in version.options][0] == "正确：罚款是第九条第（二）项。"
    uncited = Question.objects.get(name="没有依据的题")
    assert uncited.status == QuestionStatus.DRAFT  # no citation: a draft, never in a paper

    for fmt in ("xml", "docx"):
        exported = question_bank_export(questions=Question.objects.filter(pk=pictured.pk), fmt=fmt)
        _fmt, parsed = parse_questions_file(exported, f"bank.{fmt}")
        assert parsed.errors == [], (fmt, parsed.errors)
        (again,) = parsed.questions
        assert [image.data for image in again.images] == [PICTURE], fmt
        assert again.kind == "single"
        assert [(o.text, o.correct) for o in again.options] == [
            ("罚款", True),
            ("行政拘留", False),
            ("责令改正", False),
            ("记大过", False),
        ], fmt
        assert "第九条第（二）项" in again.citations, fmt
        assert again.difficulty == 2, fmt
        assert again.explanation == "行政处罚法第九条列举了处罚种类。", fmt
        assert again.name == "处罚种类识图", fmt
        if fmt == "xml":  # a Word list has no place for per-answer feedback
            assert [o.feedback for o in again.options][2] == "责令改正不是行政处罚。"


def test_a_word_list_with_a_picture_imports_and_exports_the_same_picture(law_library):
    document = docx.Document()
    document.add_paragraph("一、判断题")
    picture_paragraph(
        document, "1. 图中的告知书载明了陈述、申辩的权利，该告知符合法律规定。", PICTURE
    )
    document.add_paragraph("答案：√")
    document.add_paragraph("解析：行政机关在作出处罚决定前应当告知当事人依法享有的陈述、申辩权利。")
    document.add_paragraph("法条：《中华人民共和国行政处罚法》第四十四条")
    report = questions_import(data=save(document), filename="告知题.docx")
    assert report.errors == [], report.errors
    assert (report.imported, report.drafts) == (1, 0)
    assert _stored_image_bytes() == PICTURE

    exported = question_bank_export(questions=Question.objects.all(), fmt="xml")
    _fmt, parsed = parse_questions_file(exported, "bank.xml")
    (again,) = parsed.questions
    assert [image.data for image in again.images] == [PICTURE]
    assert again.answer_true is True
    assert again.citations == "行政处罚法第四十四条"
    assert "陈述、申辩的权利" in again.stem


def test_a_hostile_picture_is_listed_as_not_kept_and_the_question_still_imports(law_library):
    broken = MOODLE_XML.replace(
        base64.b64encode(PICTURE), base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\0" * 40)
    )
    report = questions_import(data=broken, filename="moodle-bank.xml")
    assert report.errors == []
    assert any("notice.png" in line.message for line in report.not_kept)
    assert get_image_model().objects.count() == 0
