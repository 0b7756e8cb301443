"""One certificate PDF, and a batch of 500 (certificates and cards) into one zip.

Prints seconds per PDF and for the batch; run with ``make bench``.
"""

from __future__ import annotations

import io
import zipfile

import pytest
from django.utils import timezone

from certification.models import Certificate, Credential
from certification.pdf import certificate_pdf, credential_card_pdf, documents_zip
from exams.models import ExamKind
from tests.certification.conftest import sat
from tests.factories import OrgUnitFactory, UserFactory

from .conftest import stopwatch

pytestmark = pytest.mark.django_db

BATCH = 500


def test_bench_certificate_pdfs():
    unit = OrgUnitFactory(name="西湖区司法局", area_code="330106")
    people = [UserFactory(org_unit=unit, name=f"张{i:03d}明") for i in range(BATCH)]
    now = timezone.now()
    for person in people:
        sat(person, ExamKind.PRE_APPOINTMENT, passed=True, when=now)
    certificates = list(Certificate.objects.select_related("holder__org_unit", "authority"))
    assert len(certificates) == BATCH
    results: dict[str, float] = {}
    certificate_pdf(certificates[0])  # warm up fontconfig and the template loader
    with stopwatch("one certificate PDF", results):
        data = certificate_pdf(certificates[1])
    print(f"BENCH one certificate PDF size: {len(data) / 1024:.0f} KiB")
    credential = Credential(
        number="330106202600001",
        verification_code="ABCDEFGHJKMNPQRS",
        holder=people[0],
        authority=unit,
        domain="market",
        area="西湖区",
        issued_on=now.date(),
        valid_until=now.date().replace(year=now.year + 5),
    )
    with stopwatch("one credential card PDF", results):
        credential_card_pdf(credential)
    with stopwatch(f"batch of {BATCH} certificates into one zip", results):
        archive = documents_zip(certificates=certificates, credentials=[])
    names = zipfile.ZipFile(io.BytesIO(archive)).namelist()
    assert len(names) == BATCH
    print(
        f"BENCH batch: {results[f'batch of {BATCH} certificates into one zip'] / BATCH:.3f} s per "
        f"PDF, zip {len(archive) / 1024 / 1024:.1f} MiB"
    )
