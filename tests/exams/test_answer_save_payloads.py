"""The autosave endpoint as a hostile client sends it: every malformed or out-of-range value is
a 400 with the payload message (never a 500), and nothing is written to the slot."""

import json

import pytest
from django.urls import reverse

from exams.models import AttemptSlot
from exams.services import attempt_start
from exams.tokens import token_for
from exams.views_api import ERR_PAYLOAD, SEQ_MAX
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

HOSTILE = [
    # (what it is, raw request body)
    ("seq beyond a 32-bit column", json.dumps({"position": 1, "seq": 2**31, "selected": [1]})),
    ("seq beyond 64 bits", json.dumps({"position": 1, "seq": 2**70, "selected": [1]})),
    ("seq negative", json.dumps({"position": 1, "seq": -1, "selected": [1]})),
    ("seq zero", json.dumps({"position": 1, "seq": 0, "selected": [1]})),
    ("seq a float", json.dumps({"position": 1, "seq": 1.5, "selected": [1]})),
    ("seq a numeric string", json.dumps({"position": 1, "seq": "7", "selected": [1]})),
    ("seq true", json.dumps({"position": 1, "seq": True, "selected": [1]})),
    ("seq null", json.dumps({"position": 1, "seq": None, "selected": [1]})),
    ("position 1e400 (infinity)", '{"position": 1e400, "seq": 1, "selected": [1]}'),
    ("position NaN", '{"position": NaN, "seq": 1, "selected": [1]}'),
    ("position -Infinity", '{"position": -Infinity, "seq": 1, "selected": [1]}'),
    ("position beyond a small int", json.dumps({"position": 32768, "seq": 1, "selected": [1]})),
    ("position 2**63", json.dumps({"position": 2**63, "seq": 1, "selected": [1]})),
    ("position zero", json.dumps({"position": 0, "seq": 1, "selected": [1]})),
    ("position a list", json.dumps({"position": [1], "seq": 1, "selected": [1]})),
    ("selected [true]", json.dumps({"position": 1, "seq": 1, "selected": [True]})),
    ("selected [false]", json.dumps({"position": 1, "seq": 1, "selected": [False]})),
    ("selected a string id", json.dumps({"position": 1, "seq": 1, "selected": ["1"]})),
    ("selected a float id", json.dumps({"position": 1, "seq": 1, "selected": [1.0]})),
    ("selected id 1e400", '{"position": 1, "seq": 1, "selected": [1e400]}'),
    ("selected id 2**64", json.dumps({"position": 1, "seq": 1, "selected": [2**64]})),
    ("selected id zero", json.dumps({"position": 1, "seq": 1, "selected": [0]})),
    ("selected id negative", json.dumps({"position": 1, "seq": 1, "selected": [-3]})),
    ("selected nested list", json.dumps({"position": 1, "seq": 1, "selected": [[1]]})),
    ("selected an object", json.dumps({"position": 1, "seq": 1, "selected": {"1": 1}})),
    ("selected a string", json.dumps({"position": 1, "seq": 1, "selected": "1"})),
    ("selected null", json.dumps({"position": 1, "seq": 1, "selected": None})),
    ("selected 100,000 ids", json.dumps({"position": 1, "seq": 1, "selected": [1] * 100_000})),
    ("no position", json.dumps({"seq": 1, "selected": [1]})),
    ("no seq", json.dumps({"position": 1, "selected": [1]})),
    ("a list, not an object", json.dumps([1, 1, [1]])),
    ("a bare number", "1"),
    ("null", "null"),
    ("not JSON", "position=1&seq=1"),
    ("empty body", ""),
    ("invalid UTF-8", b'{"position": 1, "seq": 1, "selected": ["\xff\xfe"]}'),
    ("nesting 100,000 deep", "[" * 100_000 + "]" * 100_000),
]


@pytest.fixture
def attempt(open_session, org):
    person = UserFactory(org_unit=org.departments[org.districts[0].code][0])
    return attempt_start(session=open_session, user=person)


def _post(client, attempt, body):
    # One page load: the same writer throughout, so sequence numbers order the changes.
    token = token_for(
        attempt_id=attempt.pk, user_id=attempt.user_id, deadline=attempt.deadline, writer=1
    )
    return client.post(
        reverse("exams:answer_save", args=[attempt.pk]),
        body,
        content_type="application/json",
        HTTP_X_ATTEMPT_TOKEN=token,
    )


@pytest.mark.parametrize("body", [b for _what, b in HOSTILE], ids=[w for w, _b in HOSTILE])
def test_a_hostile_payload_is_a_400_and_writes_nothing(client, attempt, body):
    client.raise_request_exception = False  # a 500 must show as a 500, not as an exception
    response = _post(client, attempt, body)
    assert response.status_code == 400
    assert response.json() == {"ok": False, "error": ERR_PAYLOAD}
    saved = AttemptSlot.objects.filter(attempt=attempt).exclude(seq=0, saved_at=None, selected=[])
    assert not saved.exists()


def test_the_largest_valid_seq_is_still_saved(client, attempt):
    """The bounds are the column's, not tighter: the edge values are accepted."""
    slot = attempt.slots.get(position=1)
    option = slot.option_order[0]
    response = _post(
        client, attempt, json.dumps({"position": 1, "seq": SEQ_MAX, "selected": [option]})
    )
    assert response.status_code == 200 and response.json()["seq"] == SEQ_MAX
    slot.refresh_from_db()
    assert slot.seq == SEQ_MAX and slot.selected == [option]
    cleared = _post(client, attempt, json.dumps({"position": 1, "seq": SEQ_MAX, "selected": []}))
    assert cleared.status_code == 200 and cleared.json()["stale"] is True
