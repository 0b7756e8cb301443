"""PDFs parsed back: Chinese text, embedded fonts, a QR code that decodes to the URL."""

from __future__ import annotations

import io

import pypdfium2
import pytest
import zxingcpp
from django.utils import timezone
from pypdf import PdfReader

from certification.models import Certificate
from certification.pdf import certificate_pdf, credential_card_pdf, transcript_pdf
from certification.selectors import verification_url
from exams.models import ExamKind

from .conftest import sat

pytestmark = pytest.mark.django_db


def pdf_text(data: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def embedded_fonts(data: bytes) -> list[tuple[str, bool]]:
    """(font name, has a FontFile* stream) for every font the pages use."""
    fonts = []
    for page in PdfReader(io.BytesIO(data)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptors = [font.get("/FontDescriptor")] + [
                d.get_object().get("/FontDescriptor") for d in font.get("/DescendantFonts", [])
            ]
            embedded = any(
                d is not None
                and any(k in d.get_object() for k in ("/FontFile", "/FontFile2", "/FontFile3"))
                for d in descriptors
            )
            fonts.append((str(font["/BaseFont"]), embedded))
    return fonts


def qr_codes(data: bytes, page: int = 0) -> list[str]:
    document = pypdfium2.PdfDocument(data)
    image = document[page].render(scale=200 / 72).to_pil()
    return [barcode.text for barcode in zxingcpp.read_barcodes(image)]


def assert_fonts_embedded(data: bytes):
    fonts = embedded_fonts(data)
    assert fonts and all(embedded for _name, embedded in fonts), fonts
    assert any("Noto-Sans-CJK-SC" in name or "Noto-Serif-CJK-SC" in name for name, _e in fonts), (
        fonts
    )


def test_credential_card(credential):
    data = credential_card_pdf(credential)
    assert len(PdfReader(io.BytesIO(data)).pages) == 2  # front and back
    page = PdfReader(io.BytesIO(data)).pages[0]
    width_mm, height_mm = (float(v) * 25.4 / 72 for v in page.mediabox.upper_right)
    assert round(width_mm, 1) == 85.6 and round(height_mm, 1) == 54.0
    text = pdf_text(data)
    assert "张晓明" in text and credential.number in text
    assert_fonts_embedded(data)
    assert qr_codes(data, page=1) == [verification_url(credential.verification_code)]
    assert verification_url(credential.verification_code).startswith("http://testserver/verify/")


def test_certificate(xihu_dept):
    from tests.factories import UserFactory

    cadre = UserFactory(org_unit=xihu_dept, name="黄志强", is_leading_cadre=True)
    sat(cadre, ExamKind.PRE_APPOINTMENT, passed=True, when=timezone.now())
    certificate = Certificate.objects.get(holder=cadre)
    data = certificate_pdf(certificate)
    page = PdfReader(io.BytesIO(data)).pages[0]
    assert page.mediabox.width > page.mediabox.height  # landscape
    text = pdf_text(data)
    assert "黄志强" in text and certificate.number in text
    assert_fonts_embedded(data)
    assert qr_codes(data) == [verification_url(certificate.verification_code)]


def test_transcript(credential, officer, legal):
    from certification.services import credential_suspend

    credential_suspend(credential=credential, actor=legal, reason="暂扣测试理由")
    data = transcript_pdf(officer)
    text = pdf_text(data)
    assert "张晓明" in text and credential.number in text
    assert "执法资格考试" in text and "暂扣测试理由" in text
    assert_fonts_embedded(data)
