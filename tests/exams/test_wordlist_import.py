"""Importing a Word question list of 100 questions, the way an exam office keeps its bank:
every key, explanation and citation arrives."""

import pytest

from exams.formats.html import html_to_text
from exams.models import Question, QuestionVersion
from exams.services import questions_import
from tests.exams.formats.wordlist_files import docx_bytes, hundred_question_list

pytestmark = pytest.mark.django_db


def test_a_hundred_question_word_list_imports_with_keys_explanations_and_citations(law_library):
    paragraphs, expected = hundred_question_list(100)
    report = questions_import(data=docx_bytes(paragraphs), filename="2026题库.docx")
    assert report.format == "wordlist"
    assert report.errors == [], report.errors[:5]
    assert report.imported == 100
    assert Question.objects.count() == 100
    versions = {
        v.stem_text: v
        for v in QuestionVersion.objects.prefetch_related("articles__version__law").select_related(
            "question__topic"
        )
    }
    for item in expected:
        version = versions[item["stem"]]
        assert version.kind == item["kind"]
        assert html_to_text(version.explanation) == item["explanation"]  # typed text, escaped
        assert version.difficulty == item["difficulty"]
        assert [str(a) for a in version.articles.all()] == [item["citations"]]
        assert version.question.topic.name == item["topic"].split("/")[-1]
        if item["kind"] == "true_false":
            assert [o["correct"] for o in version.options] == [
                item["answer_true"],
                not item["answer_true"],
            ]
        else:
            assert [(o["text"], o["correct"]) for o in version.options] == item["options"]
