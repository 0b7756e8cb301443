"""Reading a 2,000-question Word list (target: the parse well under 30 s on a 2-core machine),
then validating and importing it as ``import_questions`` would.

Printed against a reference measured in the same run on the same file: python-docx opening
the document and reading every paragraph's text, i.e. what any reader of a docx pays before
it looks at a single question. ``BENCH_WORDLIST_QUESTIONS`` runs it on another count.
"""

import os
import time

import pytest

from exams.formats.detect import parse_questions_file
from exams.models import Question
from exams.services import questions_import
from tests.exams.conftest import BANK_LAWS, laws_subset
from tests.exams.formats.wordlist_files import docx_bytes, hundred_question_list

from .conftest import stopwatch

pytestmark = pytest.mark.django_db

QUESTIONS = int(os.environ.get("BENCH_WORDLIST_QUESTIONS", "2000"))
TARGET_SECONDS = 30.0


def test_parse_and_import_a_2000_question_word_list(tmp_path, settings):
    import io

    import docx

    from cms.laws.services import law_library_import

    results: dict[str, float] = {}
    paragraphs, expected = hundred_question_list(QUESTIONS)
    with stopwatch(f"write the {QUESTIONS:,}-question docx (python-docx)", results):
        data = docx_bytes(paragraphs)
    settings.UPLOAD_MAX_BYTES = max(settings.UPLOAD_MAX_BYTES, len(data) + 1)
    print(f"BENCH file: {len(data) / 1024:.0f} KB, {len(paragraphs):,} paragraphs")

    reference = "reference: python-docx opens it and reads every paragraph's text"
    with stopwatch(reference, results):
        texts = [p.text for p in docx.Document(io.BytesIO(data)).paragraphs]
    assert len(texts) == len(paragraphs)

    label = f"parse the {QUESTIONS:,}-question docx (detect, read, numbering, assemble)"
    started = time.perf_counter()
    fmt, result = parse_questions_file(data, "bank.docx")
    results[label] = time.perf_counter() - started
    print(f"BENCH {label}: {results[label]:.2f} s")
    assert fmt == "wordlist" and result.errors == [], result.errors[:3]
    assert len(result.questions) == QUESTIONS
    assert [q.citations for q in result.questions] == [e["citations"] for e in expected]
    ratio = results[label] / max(results[reference], 1e-6)
    print(
        f"BENCH wordlist parse: {results[label] / QUESTIONS * 1000:.2f} ms per question, "
        f"{ratio:.1f}x the plain python-docx read ({results[reference]:.2f} s); "
        f"target < {TARGET_SECONDS:.0f} s"
    )

    law_library_import(directory=laws_subset(tmp_path / "laws", BANK_LAWS))
    with stopwatch(f"validate the {QUESTIONS:,}-question docx (dry run)", results):
        report = questions_import(data=data, filename="bank.docx", dry_run=True)
    assert report.errors == [], report.errors[:3]
    with stopwatch(f"import the {QUESTIONS:,}-question docx", results):
        report = questions_import(data=data, filename="bank.docx")
    assert report.imported == QUESTIONS == Question.objects.count()
    assert results[label] < TARGET_SECONDS, "the Word list parse missed its target"
