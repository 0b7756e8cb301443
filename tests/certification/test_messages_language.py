"""What the platform itself writes follows the reader's language: appraisal reasons (stored as
codes), the annual review's totals, a learning certificate's title, dates on certificates."""

from __future__ import annotations

import datetime
import importlib
from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from certification.models import Certificate, CertificateKind
from certification.services.appraisal import appraisal_rating, appraisal_reasons_text
from certification.services.reviews import TOTAL_LABELS
from cms.people.models import User


def _failed_everything():
    return appraisal_rating(
        year=2025,
        hours_counted=Decimal("10"),
        hours_required=Decimal("40"),
        exam_attempts=1,
        exam_passed=False,
        exam_score=Decimal("50.00"),
        credential_review="failed",
    )


def test_appraisal_reasons_are_stored_as_codes_and_read_in_either_language():
    rating, reasons = _failed_everything()
    assert rating == "failed"
    assert reasons[1] == {"code": "exam_failed", "year": "2025", "score": "50.00"}
    with translation.override("zh-hans"):
        assert appraisal_reasons_text(reasons) == (
            "学时未达标：已修 10 学时，应修 40 学时。；"
            "2025年度学法考试不合格（最高 50.00 分）。；"
            "2025年度执法证年审不合格。"
        )
    with translation.override("en"):
        english = appraisal_reasons_text(reasons)
    assert "Failed the 2025 annual law exam (highest score 50.00)." in english
    assert "Failed the 2025 enforcement credential annual review." in english
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in english)


def test_the_migration_reads_old_sentences_back_into_codes():
    migration = importlib.import_module("certification.migrations.0005_appraisal_reason_codes")
    _rating, reasons = _failed_everything()
    with translation.override("zh-hans"):
        sentences = [appraisal_reasons_text([r]) for r in reasons]
    assert [migration.as_code(s) for s in sentences] == reasons
    assert [migration.as_text(r) for r in reasons] == sentences
    assert migration.as_code("其他原因") == "其他原因"  # unknown text is kept as written
    english = "Did not take the 2025 annual law exam."
    assert migration.as_code(english) == {"code": "no_exam", "year": "2025"}


def test_the_review_totals_are_labelled_not_keys():
    with translation.override("zh-hans"):
        labels = {k: str(v) for k, v in TOTAL_LABELS.items()}
    assert labels["renewal_due"] == "待换证" and labels["kept_suspended"] == "维持暂扣"
    from certification.data import ReviewReport

    assert set(ReviewReport(year=2025, dry_run=True).totals) == set(TOTAL_LABELS)


def _certificate() -> Certificate:
    return Certificate(
        kind=CertificateKind.ANNUAL_LEARNING,
        number="HZ-2026-0001",
        year=2026,
        title="2026年度学法考法合格",
        score=Decimal("92"),
        hours=Decimal("40"),
        issued_on=datetime.date(2026, 12, 1),
        holder=User(name="张三", employee_number="E1"),
    )


def test_a_learning_certificates_title_follows_the_reader():
    certificate = _certificate()
    with translation.override("zh-hans"):
        assert certificate.display_title == "2026年度学法考法合格"
    with translation.override("en"):
        assert certificate.display_title != "2026年度学法考法合格"
        assert "2026" in certificate.display_title


@pytest.mark.parametrize(
    ("language", "shown", "absent"),
    [("zh-hans", "2026年12月1日", "Dec. 1, 2026"), ("en", "Dec. 1, 2026", "2026年12月1日")],
)
def test_the_certificates_date_is_written_in_the_readers_language(language, shown, absent):
    context = {"certificate": _certificate(), "holder": _certificate().holder, "unit_path": ""}
    context |= {"verify_url": "https://example.org/v/X", "qr": "", "code": "ABCD"}
    with translation.override(language):
        html = render_to_string("certification/pdf/certificate.html", context)
    assert shown in html
    assert absent not in html
