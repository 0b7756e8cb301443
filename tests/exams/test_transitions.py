"""The attempt's transition table: every action from every status, allowed or refused, and what
void, re-open and extra time do (audited, within the session's close, reaching the saves)."""

import time
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from wagtail.models import ModelLogEntry

from cms.people.models import Role
from cms.people.services import role_assign
from exams.models import Attempt, AttemptEvent, AttemptStatus, ExamKind
from exams.services import (
    TRANSITIONS,
    AttemptError,
    InvalidTransition,
    answer_save,
    attempt_extend,
    attempt_force_submit,
    attempt_reopen,
    attempt_start,
    attempt_submit,
    attempt_void,
    attempts_close_overdue,
    session_extend,
)
from exams.tokens import token_for, token_read
from tests.factories import UserFactory

Action = AttemptEvent.Action
S = AttemptStatus


@pytest.fixture
def candidate(org):
    return UserFactory(org_unit=org.departments[org.districts[0].code][0])


@pytest.fixture
def admin(org):
    user = UserFactory(org_unit=org.districts[0])
    role_assign(user=user, role=Role.EXAM_ADMIN, scope=org.districts[0])
    return user


@pytest.fixture(autouse=True)
def managed(open_session, admin):
    """The city-wide session is run by the district's administrator (its creator): they act
    on their district's candidates only."""
    open_session.created_by = admin
    open_session.save()


@pytest.fixture
def other_admin(org):
    user = UserFactory(org_unit=org.districts[1])
    role_assign(user=user, role=Role.EXAM_ADMIN, scope=org.districts[1])
    return user


def _token(attempt, writer=1):
    raw = token_for(
        attempt_id=attempt.pk, user_id=attempt.user_id, deadline=attempt.deadline, writer=writer
    )
    return token_read(raw, now=time.time())


def _right(slot):
    return slot.question_version.correct_ids


def _in_status(status, session, candidate, admin):
    """An attempt of ``candidate`` brought to ``status`` through the services."""
    attempt = attempt_start(session=session, user=candidate)
    if status == S.SUBMITTED:
        attempt_submit(attempt_id=attempt.pk, user=candidate)
    elif status == S.EXPIRED:
        with time_machine.travel(attempt.deadline + timedelta(minutes=5), tick=False):
            attempts_close_overdue()
    elif status == S.VOIDED:
        attempt_void(attempt_id=attempt.pk, actor=admin, reason="夹带", legal_basis="考场规则第5条")
    attempt.refresh_from_db()
    assert attempt.status == status
    return attempt


def _do(action, attempt, candidate, admin):
    if action == Action.SUBMIT:
        # The candidate's submit is idempotent on a finished attempt: it returns it unchanged.
        return attempt_submit(attempt_id=attempt.pk, user=candidate)
    if action == Action.FORCE_SUBMIT:
        return attempt_force_submit(attempt_id=attempt.pk, actor=admin, reason="考生离场")
    if action == Action.VOID:
        return attempt_void(
            attempt_id=attempt.pk, actor=admin, reason="替考", legal_basis="考场规则第5条"
        )
    if action == Action.REOPEN:
        return attempt_reopen(attempt_id=attempt.pk, actor=admin, minutes=10, reason="断电")
    if action == Action.EXTEND:
        return attempt_extend(attempt_id=attempt.pk, actor=admin, minutes=10, reason="断网")
    raise AssertionError(action)


STATUSES = [S.IN_PROGRESS, S.SUBMITTED, S.EXPIRED, S.VOIDED]
ACTIONS = [Action.SUBMIT, Action.FORCE_SUBMIT, Action.VOID, Action.REOPEN, Action.EXTEND]


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("action", ACTIONS)
def test_every_action_from_every_status_follows_the_table(
    action, status, open_session, candidate, admin
):
    attempt = _in_status(status, open_session, candidate, admin)
    events_before = attempt.events.count()
    allowed, target = TRANSITIONS[action]
    if status in allowed:
        result = _do(action, attempt, candidate, admin)
        assert result.status == target
        assert attempt.events.count() == events_before + 1
        event = attempt.events.order_by("pk").last()
        assert (event.from_status, event.to_status) == (status, target)
        assert ModelLogEntry.objects.filter(
            object_id=str(attempt.pk), action=f"exams.attempt.{event.action}"
        ).exists()
    elif action == Action.SUBMIT:
        assert _do(action, attempt, candidate, admin).status == status  # idempotent
        assert attempt.events.count() == events_before
    else:
        before = Attempt.objects.values().get(pk=attempt.pk)
        with pytest.raises(InvalidTransition):
            _do(action, attempt, candidate, admin)
        assert Attempt.objects.values().get(pk=attempt.pk) == before
        assert attempt.events.count() == events_before


def test_the_table_has_a_row_for_every_action_but_start():
    # a regrade is recorded as an event of the attempt but changes no status
    assert set(TRANSITIONS) == set(Action.values) - {Action.START, Action.REGRADE}


def test_void_needs_a_reason_and_a_legal_basis_and_records_both(open_session, candidate, admin):
    attempt = attempt_start(session=open_session, user=candidate)
    for reason, basis in (("", "考场规则第5条"), ("夹带", ""), ("  ", "  ")):
        with pytest.raises(AttemptError):
            attempt_void(attempt_id=attempt.pk, actor=admin, reason=reason, legal_basis=basis)
    attempt.refresh_from_db()
    assert attempt.status == S.IN_PROGRESS and not attempt.events.exclude(action="start").exists()
    attempt_void(attempt_id=attempt.pk, actor=admin, reason="夹带", legal_basis="考场规则第5条")
    event = attempt.events.get(action=Action.VOID)
    assert (event.reason, event.legal_basis, event.actor) == ("夹带", "考场规则第5条", admin)
    attempt.refresh_from_db()
    assert attempt.passed is False and attempt.finished_at is not None
    entry = ModelLogEntry.objects.get(object_id=str(attempt.pk), action="exams.attempt.void")
    assert entry.data["legal_basis"] == "考场规则第5条" and entry.user_id == admin.pk


def test_a_voided_pre_appointment_sitting_counts_as_a_failed_one(open_session, candidate, admin):
    open_session.kind = ExamKind.PRE_APPOINTMENT
    open_session.save()
    first = attempt_start(session=open_session, user=candidate)
    token = _token(first)
    for slot in first.slots.all():  # every answer right: it would pass
        answer_save(
            token=token, position=slot.position, selected=_right(slot), seq=1, now=time.time()
        )
    assert attempt_submit(attempt_id=first.pk, user=candidate).passed is True
    voided = attempt_void(
        attempt_id=first.pk, actor=admin, reason="替考", legal_basis="考场规则第5条"
    )
    assert voided.passed is False and voided.score == Decimal("100.00")  # kept for the record
    second = attempt_start(session=open_session, user=candidate)  # the re-sit
    second = attempt_submit(attempt_id=second.pk, user=candidate)  # nothing answered: fails
    assert second.passed is False and second.blocking is True
    with pytest.raises(AttemptError):
        attempt_start(session=open_session, user=candidate)


def test_reopen_after_a_fault_clears_the_grade_and_keeps_the_answers(
    open_session, candidate, admin
):
    attempt = attempt_start(session=open_session, user=candidate)
    slot = attempt.slots.get(position=1)
    answer_save(token=_token(attempt), position=1, selected=_right(slot), seq=1, now=time.time())
    attempt_submit(attempt_id=attempt.pk, user=candidate)
    now = timezone.now()
    with time_machine.travel(now, tick=False):
        reopened = attempt_reopen(attempt_id=attempt.pk, actor=admin, minutes=15, reason="断电")
    assert reopened.status == S.IN_PROGRESS and reopened.score is None
    assert reopened.finished_at is None and reopened.passed is None
    assert reopened.deadline == now + timedelta(minutes=15)
    slot.refresh_from_db()
    assert slot.selected == _right(slot) and slot.earned is None
    # The candidate goes on (a new page: another writer) and hands in again.
    other = attempt.slots.get(position=2)
    answer_save(
        token=_token(reopened, writer=2),
        position=2,
        selected=_right(other),
        seq=1,
        now=time.time(),
    )
    final = attempt_submit(attempt_id=attempt.pk, user=candidate)
    assert final.status == S.SUBMITTED
    assert Decimal(final.breakdown["earned"]) == slot.points + other.points
    assert list(attempt.events.values_list("action", flat=True)) == [
        "start",
        "submit",
        "reopen",
        "submit",
    ]


def test_reopen_is_refused_for_a_passed_attempt(open_session, candidate, admin):
    attempt = attempt_start(session=open_session, user=candidate)
    token = _token(attempt)
    for slot in attempt.slots.all():
        answer_save(
            token=token, position=slot.position, selected=_right(slot), seq=1, now=time.time()
        )
    attempt_submit(attempt_id=attempt.pk, user=candidate)
    with pytest.raises(AttemptError):
        attempt_reopen(attempt_id=attempt.pk, actor=admin, minutes=10, reason="误操作")
    assert Attempt.objects.get(pk=attempt.pk).status == S.SUBMITTED


def test_staff_transitions_refuse_an_admin_of_another_district(
    open_session, candidate, admin, other_admin
):
    attempt = attempt_start(session=open_session, user=candidate)
    for call in (
        lambda: attempt_force_submit(attempt_id=attempt.pk, actor=other_admin, reason="x"),
        lambda: attempt_void(attempt_id=attempt.pk, actor=other_admin, reason="x", legal_basis="y"),
        lambda: attempt_extend(attempt_id=attempt.pk, actor=other_admin, minutes=5, reason="x"),
    ):
        with pytest.raises(PermissionDenied):
            call()
    attempt.refresh_from_db()
    assert attempt.status == S.IN_PROGRESS and attempt.events.count() == 1
    with pytest.raises(PermissionDenied):
        session_extend(session=open_session, actor=other_admin, minutes=5, reason="x")
    assert Attempt.objects.get(pk=attempt.pk).deadline == attempt.deadline


def test_extra_time_reaches_a_running_attempt_and_its_saves(open_session, candidate, admin):
    attempt = attempt_start(session=open_session, user=candidate)
    old_deadline = attempt.deadline
    token = _token(attempt)  # made before the extension: the database's deadline decides
    attempt_extend(attempt_id=attempt.pk, actor=admin, minutes=20, reason="断网")
    attempt.refresh_from_db()
    assert attempt.deadline == old_deadline + timedelta(minutes=20)
    slot = attempt.slots.get(position=1)
    with time_machine.travel(old_deadline + timedelta(minutes=5), tick=False):
        result = answer_save(token=token, position=1, selected=_right(slot), seq=1, now=time.time())
        assert not result.stale and result.deadline == attempt.deadline
        assert result.remaining_seconds == 15 * 60
        assert attempts_close_overdue() == 0  # not overdue any more
    event = attempt.events.get(action=Action.EXTEND)
    assert event.data["minutes"] == 20 and event.reason == "断网"


def test_extra_time_stops_at_the_close_unless_the_close_moves_too(open_session, candidate, admin):
    open_session.closes_at = timezone.now() + timedelta(minutes=70)
    open_session.save()
    attempt = attempt_start(session=open_session, user=candidate)  # deadline: start + 60 min
    capped = attempt_extend(attempt_id=attempt.pk, actor=admin, minutes=30, reason="断网")
    assert capped.deadline == open_session.closes_at
    with pytest.raises(AttemptError):  # already at the close
        attempt_extend(attempt_id=attempt.pk, actor=admin, minutes=30, reason="断网")
    moved = attempt_extend(
        attempt_id=attempt.pk, actor=admin, minutes=30, reason="断网", extend_close=True
    )
    open_session.refresh_from_db()
    assert moved.deadline == open_session.closes_at == capped.deadline + timedelta(minutes=30)
    assert ModelLogEntry.objects.filter(action="exams.session.extend_close").count() == 1


def test_session_extension_moves_every_running_attempt_in_scope(
    open_session, candidate, admin, org
):
    running = [attempt_start(session=open_session, user=candidate)]
    running.append(
        attempt_start(
            session=open_session,
            user=UserFactory(org_unit=org.departments[org.districts[0].code][0]),
        )
    )
    elsewhere = attempt_start(
        session=open_session, user=UserFactory(org_unit=org.districts[1])
    )  # another district's candidate: not the admin's
    finished = attempt_start(session=open_session, user=UserFactory(org_unit=org.districts[0]))
    attempt_submit(attempt_id=finished.pk, user=finished.user)
    assert session_extend(session=open_session, actor=admin, minutes=10, reason="停电") == 2
    for attempt in running:
        moved = Attempt.objects.get(pk=attempt.pk)
        assert moved.deadline == attempt.deadline + timedelta(minutes=10)
        assert moved.events.get(action=Action.EXTEND).data["session_wide"] is True
    assert Attempt.objects.get(pk=elsewhere.pk).deadline == elsewhere.deadline
    assert Attempt.objects.get(pk=finished.pk).deadline == finished.deadline
