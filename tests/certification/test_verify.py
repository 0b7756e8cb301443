"""Public verification: live status, nothing personal, plain not-found, rate limit, JSON."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.urls import reverse

from certification.selectors import mask_name
from certification.services import credential_suspend
from certification.views import MSG_NOT_FOUND, MSG_RATE_LIMITED

pytestmark = pytest.mark.django_db


def url(credential) -> str:
    return reverse("verify:code", kwargs={"code": credential.verification_code})


def test_mask_name():
    assert [mask_name(n) for n in ("张晓明", "李娜", "欧阳小明", "王")] == [
        "张*明",
        "李*",
        "欧**明",
        "*",
    ]


def test_page_shows_the_document_and_a_suspension_at_once(client, credential, legal):
    page = client.get(url(credential)).content.decode()
    assert "张*明" in page and credential.number in page and "有效" in page
    assert "综合行政执法" in page and credential.authority.name in page
    credential_suspend(credential=credential, actor=legal, reason="违法执法")
    page = client.get(url(credential)).content.decode()
    assert 'data-status="suspended"' in page and "暂扣" in page


def test_page_never_shows_personal_data(client, credential, officer):
    page = client.get(url(credential)).content.decode()
    for secret in (
        officer.national_id,
        officer.masked_national_id,
        officer.phone,
        officer.email,
        officer.name,
        officer.employee_number,
    ):
        assert secret not in page
    data = client.get(url(credential), {"format": "json"}).json()
    assert data["holder"] == "张*明" and data["status"] == "valid"
    flat = str(data)
    assert officer.name not in flat and officer.national_id not in flat
    assert officer.phone not in flat and officer.email not in flat


def test_unknown_codes_are_a_plain_not_found(client, credential):
    response = client.get(reverse("verify:code", kwargs={"code": "AAAABBBBCCCCDDDD"}))
    assert response.status_code == 404
    assert str(MSG_NOT_FOUND) in response.content.decode()
    assert "张*明" not in response.content.decode()
    response = client.get(
        reverse("verify:code", kwargs={"code": "AAAABBBBCCCCDDDD"}), {"format": "json"}
    )
    assert response.status_code == 404 and response.json()["found"] is False


def test_search_by_number_and_exact_name(client, credential):
    search = reverse("verify:search")
    found = client.get(search, {"number": credential.number, "name": "张晓明"})
    assert found.status_code == 200 and "张*明" in found.content.decode()
    wrong = client.get(search, {"number": credential.number, "name": "张晓"})
    assert wrong.status_code == 404
    assert client.get(search).status_code == 200  # the empty form


@override_settings(VERIFY_RATE_LIMIT=5)
def test_repeated_guessing_is_rate_limited(client, credential):
    for i in range(5):
        code = f"GUESS{i:011d}"
        assert client.get(reverse("verify:code", kwargs={"code": code})).status_code == 404
    refused = client.get(url(credential))
    assert refused.status_code == 429
    assert str(MSG_RATE_LIMITED) in refused.content.decode()
    assert "张*明" not in refused.content.decode()
    # another client is not affected
    other = client.get(url(credential), REMOTE_ADDR="10.1.2.3")
    assert other.status_code == 200


def test_expired_validity_shows_as_expired_before_the_sweep(client, credential):
    import datetime

    from certification.models import Credential

    today = datetime.date.today()
    Credential.objects.filter(pk=credential.pk).update(
        issued_on=today - datetime.timedelta(days=400),
        valid_until=today - datetime.timedelta(days=1),
    )
    data = client.get(url(credential), {"format": "json"}).json()
    assert data["status"] == "expired"
