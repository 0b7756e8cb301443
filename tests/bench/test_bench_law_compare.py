"""The law comparison page with the stored alignment against aligning on the request (what
the page did before the alignment was stored), in the same run. Run with ``make bench``."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from cms.laws.models import VersionAlignment
from cms.laws.services import law_library_import

from .conftest import stopwatch

pytestmark = pytest.mark.django_db

ROUNDS = 5


def test_bench_law_compare_page(client):
    law_library_import(directory=settings.SHARED_DIR / "laws")
    results: dict[str, float] = {}
    for key in ("administrative-reconsideration-law", "legislation-law"):
        url = reverse("laws:compare", args=[key])
        assert client.get(url).status_code == 200  # warm templates
        with stopwatch(f"{key} compare, stored alignment x{ROUNDS}", results):
            for _ in range(ROUNDS):
                assert client.get(url).status_code == 200
        with stopwatch(f"{key} compare, aligned on each request x{ROUNDS}", results):
            for _ in range(ROUNDS):
                VersionAlignment.objects.filter(old_version__law__key=key).delete()
                assert client.get(url).status_code == 200
        stored = results[f"{key} compare, stored alignment x{ROUNDS}"] / ROUNDS
        aligned = results[f"{key} compare, aligned on each request x{ROUNDS}"] / ROUNDS
        print(f"BENCH {key}: {stored:.3f} s per page stored, {aligned:.3f} s aligning")
