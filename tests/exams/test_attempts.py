"""The exam engine's rules: start, deadline, saves, submit, grading, eligibility, tokens."""

import json
import threading
import time
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from exams.grading import slot_score
from exams.models import (
    Attempt,
    AttemptStatus,
    Candidate,
    ExamKind,
    QuestionStatus,
    RefusedChange,
)
from exams.services import (
    AttemptError,
    answer_save,
    attempt_start,
    attempt_submit,
    attempts_close_overdue,
)
from exams.services.attempts import ERR_FINISHED, ERR_LATE, ERR_NOT_ELIGIBLE, ERR_SHORTFALL
from exams.tokens import token_for, token_read
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def candidate(org):
    return UserFactory(org_unit=org.departments[org.districts[0].code][0])


def _token(attempt):
    return token_read(
        token_for(attempt_id=attempt.pk, user_id=attempt.user_id, deadline=attempt.deadline),
        now=time.time(),
    )


def _right(slot):
    return slot.question_version.correct_ids


def test_start_draws_active_questions_pins_versions_and_shuffles(open_session, candidate):
    attempt = attempt_start(session=open_session, user=candidate)
    slots = list(attempt.slots.select_related("question_version__question"))
    assert len(slots) == 20
    assert all(s.question_version.question.status == QuestionStatus.ACTIVE for s in slots)
    assert all(s.question_version.locked for s in slots)
    assert len({s.question_version_id for s in slots}) == 20
    orders = [s.option_order for s in slots if s.option_count == 4]
    assert any(o != sorted(o) for o in orders)  # shuffled
    again = attempt_start(session=open_session, user=candidate)
    assert again.pk == attempt.pk  # resuming, not a new attempt
    assert [s.option_order for s in again.slots.all()] == [s.option_order for s in slots]


def test_needs_review_and_retired_questions_are_never_drawn(open_session, candidate, exam_bank):
    from exams.models import Question

    singles = Question.objects.filter(current_version__kind="single").order_by("pk")
    excluded = list(singles[:10])
    Question.objects.filter(pk__in=[q.pk for q in excluded[:5]]).update(
        status=QuestionStatus.NEEDS_REVIEW
    )
    Question.objects.filter(pk__in=[q.pk for q in excluded[5:]]).update(
        status=QuestionStatus.RETIRED
    )
    attempt = attempt_start(session=open_session, user=candidate)
    drawn = set(attempt.slots.values_list("question_version__question_id", flat=True))
    assert drawn.isdisjoint({q.pk for q in excluded})
    Question.objects.filter(pk__in=[q.pk for q in singles[10:11]]).update(
        status=QuestionStatus.RETIRED
    )
    attempt_submit(attempt_id=attempt.pk, user=candidate)
    open_session.attempts_allowed = 2
    open_session.kind = ExamKind.MOCK
    open_session.save()
    with pytest.raises(AttemptError) as error:
        attempt_start(session=open_session, user=UserFactory(org_unit=candidate.org_unit))
    assert str(error.value).startswith(ERR_SHORTFALL.split("：")[0])


def test_deadline_is_start_plus_duration_plus_extra_but_never_past_close(open_session, candidate):
    Candidate.objects.create(session=open_session, user=candidate, extra_minutes=30)
    now = timezone.now()
    attempt = attempt_start(session=open_session, user=candidate, now=now)
    assert attempt.deadline == now + timedelta(minutes=90)
    late = UserFactory(org_unit=candidate.org_unit)
    Candidate.objects.create(session=open_session, user=late, extra_minutes=120)
    start = open_session.closes_at - timedelta(minutes=20)
    attempt = attempt_start(session=open_session, user=late, now=start)
    assert attempt.deadline == open_session.closes_at


def test_saves_after_deadline_and_grace_are_refused_and_the_attempt_is_finalised(
    open_session, candidate, settings
):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        attempt = attempt_start(session=open_session, user=candidate)
        raw = token_for(attempt_id=attempt.pk, user_id=candidate.pk, deadline=attempt.deadline)
        slot = attempt.slots.get(position=1)
        answer_save(
            token=token_read(raw, now=time.time()),
            position=1,
            selected=_right(slot),
            seq=1,
            now=time.time(),
        )
        wrong = [
            i
            for i in attempt.slots.get(position=2).option_order
            if i not in _right(attempt.slots.get(position=2))
        ][:1]
    within_grace = attempt.deadline + timedelta(seconds=settings.EXAM_NETWORK_GRACE_SECONDS - 5)
    with time_machine.travel(within_grace, tick=False):
        answer_save(
            token=token_read(raw, now=time.time()),
            position=2,
            selected=wrong,
            seq=1,
            now=time.time(),
        )
    after = attempt.deadline + timedelta(seconds=settings.EXAM_NETWORK_GRACE_SECONDS + 1)
    with time_machine.travel(after, tick=False):
        # The database's deadline decides, whatever the token says; the refused change is kept.
        with pytest.raises(AttemptError, match=str(ERR_LATE)):
            answer_save(
                token=token_read(raw, now=time.time()),
                position=3,
                selected=[1],
                seq=2,
                now=time.time(),
            )
        assert RefusedChange.objects.get(attempt=attempt).position == 3
        assert attempts_close_overdue() == 1
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.EXPIRED
    assert attempt.slots.get(position=1).earned == Decimal("4.00")
    assert attempt.slots.get(position=2).selected == wrong  # saved within the grace: kept
    assert attempt.score == Decimal("4.00")  # 4 of 100 points
    assert attempts_close_overdue() == 0


@pytest.mark.postgres
def test_out_of_order_saves_keep_the_newest(open_session, candidate):
    attempt = attempt_start(session=open_session, user=candidate)
    token = _token(attempt)
    answer_save(token=token, position=1, selected=[3], seq=5, now=time.time())
    late = answer_save(token=token, position=1, selected=[2], seq=4, now=time.time())
    assert late.stale and late.seq == 5
    assert attempt.slots.get(position=1).selected == [3]


@pytest.mark.postgres
def test_double_submit_returns_one_result(open_session, candidate):
    attempt = attempt_start(session=open_session, user=candidate)
    first = attempt_submit(attempt_id=attempt.pk, user=candidate)
    second = attempt_submit(attempt_id=attempt.pk, user=candidate)
    assert first.pk == second.pk and first.score == second.score
    assert first.finished_at == second.finished_at
    with pytest.raises(AttemptError) as error:
        answer_save(token=_token(attempt), position=1, selected=[1], seq=9, now=time.time())
    assert str(error.value) == ERR_FINISHED


@pytest.mark.postgres
def test_options_must_belong_to_the_slot(open_session, candidate):
    attempt = attempt_start(session=open_session, user=candidate)
    single = attempt.slots.filter(multiple=False, option_count=4).first()
    with pytest.raises(AttemptError):
        answer_save(
            token=_token(attempt), position=single.position, selected=[9], seq=1, now=time.time()
        )
    with pytest.raises(AttemptError):
        answer_save(
            token=_token(attempt), position=single.position, selected=[1, 2], seq=1, now=time.time()
        )
    assert attempt.slots.get(pk=single.pk).selected == []


@pytest.mark.parametrize(
    "selected, partial, expected",
    [
        ([1, 2, 4], False, "6"),
        ([1, 2], False, "0"),
        ([1, 2, 3], False, "0"),
        ([1, 2, 4], True, "6"),
        ([1, 2], True, "3.00"),
        ([4], True, "3.00"),
        ([1, 3], True, "0"),
        ([1, 2, 3, 4], True, "0"),
        ([], True, "0"),
    ],
)
def test_multiple_choice_scoring_table(selected, partial, expected):
    score = slot_score(
        selected=selected, correct=[1, 2, 4], multiple=True, partial=partial, points=Decimal(6)
    )
    assert score == Decimal(expected)


def test_eligibility_by_rule_and_by_list(open_session, org):
    other_city = UserFactory(org_unit=None)
    with pytest.raises(AttemptError) as error:
        attempt_start(session=open_session, user=other_city)
    assert str(error.value) == ERR_NOT_ELIGIBLE
    Candidate.objects.create(session=open_session, user=other_city)
    assert attempt_start(session=open_session, user=other_city).status == AttemptStatus.IN_PROGRESS
    open_session.only_enforcement_officers = True
    open_session.save()
    clerk = UserFactory(org_unit=org.city, is_enforcement_officer=False)
    with pytest.raises(AttemptError):
        attempt_start(session=open_session, user=clerk)
    officer = UserFactory(org_unit=org.districts[1], is_enforcement_officer=True)
    assert attempt_start(session=open_session, user=officer)


def test_pre_appointment_second_failure_is_blocking(open_session, candidate):
    open_session.kind = ExamKind.PRE_APPOINTMENT
    open_session.save()
    first = attempt_start(session=open_session, user=candidate)
    assert attempt_submit(attempt_id=first.pk, user=candidate).passed is False
    assert first.blocking is False or Attempt.objects.get(pk=first.pk).blocking is False
    second = attempt_start(session=open_session, user=candidate)
    second = attempt_submit(attempt_id=second.pk, user=candidate)
    assert second.passed is False and second.blocking is True
    with pytest.raises(AttemptError):
        attempt_start(session=open_session, user=candidate)


def test_grading_with_every_answer_right(open_session, candidate):
    attempt = attempt_start(session=open_session, user=candidate)
    token = _token(attempt)
    for slot in attempt.slots.select_related("question_version"):
        answer_save(
            token=token, position=slot.position, selected=_right(slot), seq=1, now=time.time()
        )
    result = attempt_submit(attempt_id=attempt.pk, user=candidate)
    assert result.score == Decimal("100.00") and result.passed
    assert result.breakdown["topics"]["宪法"]["earned"] == result.breakdown["possible"]


def test_forged_expired_or_other_attempt_tokens_are_refused(client, open_session, candidate):
    attempt = attempt_start(session=open_session, user=candidate)
    other = attempt_start(session=open_session, user=UserFactory(org_unit=candidate.org_unit))
    url = reverse("exams:answer_save", args=[attempt.pk])
    body = json.dumps({"position": 1, "selected": [1], "seq": 1})
    good = token_for(attempt_id=attempt.pk, user_id=candidate.pk, deadline=attempt.deadline)
    forged = good[:-2] + ("A" if good[-2] != "A" else "B") + good[-1]
    expired = token_for(
        attempt_id=attempt.pk, user_id=candidate.pk, deadline=timezone.now() - timedelta(hours=13)
    )
    others = token_for(attempt_id=other.pk, user_id=other.user_id, deadline=other.deadline)
    for bad in (forged, expired, others, ""):
        response = client.post(url, body, content_type="application/json", HTTP_X_ATTEMPT_TOKEN=bad)
        assert response.status_code == 403
    response = client.post(url, body, content_type="application/json", HTTP_X_ATTEMPT_TOKEN=good)
    assert response.status_code == 200 and response.json()["ok"] is True


@pytest.mark.postgres
def test_a_save_costs_at_most_two_queries(
    client, open_session, candidate, django_assert_max_num_queries
):
    attempt = attempt_start(session=open_session, user=candidate)
    url = reverse("exams:answer_save", args=[attempt.pk])
    token = token_for(attempt_id=attempt.pk, user_id=candidate.pk, deadline=attempt.deadline)
    client.force_login(candidate)
    with django_assert_max_num_queries(2):
        response = client.post(
            url,
            json.dumps({"position": 1, "selected": [2], "seq": 1}),
            content_type="application/json",
            HTTP_X_ATTEMPT_TOKEN=token,
        )
    assert response.json()["seq"] == 1
    with django_assert_max_num_queries(2):
        stale = client.post(
            url,
            json.dumps({"position": 1, "selected": [3], "seq": 1}),
            content_type="application/json",
            HTTP_X_ATTEMPT_TOKEN=token,
        )
    assert stale.json()["stale"] is True


@pytest.mark.postgres
@pytest.mark.skipif(
    "postgresql" not in settings.DATABASES["default"]["ENGINE"],
    reason="concurrent transactions need PostgreSQL (CI runs this there)",
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_simultaneous_starts_create_one_attempt(open_session, candidate):
    results, barrier = [], threading.Barrier(2)

    def start():
        from django.db import connection as thread_connection

        barrier.wait()
        try:
            results.append(attempt_start(session=open_session, user=candidate).pk)
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=start) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 2 and results[0] == results[1]
    assert Attempt.objects.filter(session=open_session, user=candidate).count() == 1
