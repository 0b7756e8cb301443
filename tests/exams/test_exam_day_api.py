"""The save and heartbeat endpoints on exam day: extra time reaches the page with a renewed
token, the heartbeat records the page's contact, and both refuse a finished attempt."""

import json
from datetime import timedelta

import pytest
from django.urls import reverse

from exams.models import Attempt
from exams.services import attempt_extend, attempt_start, attempt_submit
from exams.tokens import token_for, token_read
from tests.factories import UserFactory


@pytest.fixture
def attempt(open_session, org):
    person = UserFactory(org_unit=org.departments[org.districts[0].code][0])
    return attempt_start(session=open_session, user=person)


@pytest.fixture
def admin():
    return UserFactory(is_superuser=True, is_staff=True)


def _token(attempt, writer=5):
    return token_for(
        attempt_id=attempt.pk, user_id=attempt.user_id, deadline=attempt.deadline, writer=writer
    )


def _beat(client, attempt, token):
    return client.post(reverse("exams:heartbeat", args=[attempt.pk]), HTTP_X_ATTEMPT_TOKEN=token)


def _save(client, attempt, token, seq=1):
    option = attempt.slots.get(position=1).option_order[0]
    return client.post(
        reverse("exams:answer_save", args=[attempt.pk]),
        json.dumps({"position": 1, "seq": seq, "selected": [option]}),
        content_type="application/json",
        HTTP_X_ATTEMPT_TOKEN=token,
    )


def test_heartbeat_records_contact_and_costs_two_queries(
    client, attempt, django_assert_max_num_queries
):
    with django_assert_max_num_queries(2):
        response = _beat(client, attempt, _token(attempt))
    body = response.json()
    assert response.status_code == 200 and body["ok"] is True and "token" not in body
    assert 3590 <= body["remaining"] <= 3600
    assert Attempt.objects.get(pk=attempt.pk).last_seen_at is not None


def test_extra_time_comes_back_with_a_renewed_token_from_save_and_heartbeat(client, attempt, admin):
    old = _token(attempt)
    attempt_extend(attempt_id=attempt.pk, actor=admin, minutes=30, reason="断网")
    moved = Attempt.objects.get(pk=attempt.pk).deadline
    for response in (_save(client, attempt, old), _beat(client, attempt, old)):
        body = response.json()
        assert body["ok"] is True and body["remaining"] >= 3600 + 30 * 60 - 10
        renewed = token_read(body["token"], now=0)
        # The same page (writer) and attempt, expiring with the new deadline.
        assert (renewed.attempt_id, renewed.writer) == (attempt.pk, 5)
        assert (
            renewed.expires == token_read(_token(Attempt.objects.get(pk=attempt.pk)), now=0).expires
        )
        assert renewed.expires > token_read(old, now=0).expires
    assert moved == attempt.deadline + timedelta(minutes=30)


def test_a_finished_attempt_refuses_saves_and_heartbeats(client, attempt):
    token = _token(attempt)
    attempt_submit(attempt_id=attempt.pk, user=attempt.user)
    for response in (_save(client, attempt, token), _beat(client, attempt, token)):
        assert response.status_code == 409 and response.json()["finished"] is True
    assert Attempt.objects.get(pk=attempt.pk).last_seen_at is None


def test_heartbeat_refuses_a_token_of_another_attempt(client, attempt, open_session, org):
    other = attempt_start(
        session=open_session,
        user=UserFactory(org_unit=org.departments[org.districts[0].code][0]),
    )
    assert _beat(client, attempt, _token(other)).status_code == 403
    assert _beat(client, attempt, "").status_code == 403


def test_a_refused_answer_of_a_running_attempt_is_not_called_finished(client, attempt):
    response = client.post(
        reverse("exams:answer_save", args=[attempt.pk]),
        json.dumps({"position": 1, "seq": 1, "selected": [99]}),  # no such option
        content_type="application/json",
        HTTP_X_ATTEMPT_TOKEN=_token(attempt),
    )
    assert response.status_code == 409 and response.json()["finished"] is False


def test_resending_a_stored_change_after_the_finish_is_not_reported_as_refused(client, attempt):
    """The page lost the answer to a save the server stored, and sends it again after the
    attempt finished: 'finished', but nothing was lost, so nothing is listed as refused."""
    from exams.models import RefusedChange

    token = _token(attempt)
    assert _save(client, attempt, token, seq=3).json()["ok"] is True
    attempt_submit(attempt_id=attempt.pk, user=attempt.user)
    again = _save(client, attempt, token, seq=3)
    assert again.status_code == 409 and again.json()["finished"] is True
    assert not RefusedChange.objects.filter(attempt=attempt).exists()
    newer = _save(client, attempt, token, seq=4)  # a change the server never had: kept
    assert newer.status_code == 409
    assert RefusedChange.objects.get(attempt=attempt).seq == 4
