"""Save and submit on two database connections, the interleaving forced both ways (PostgreSQL).

Submit locks the attempt row and grades the slots it reads; the save statement takes a share
lock on the same row. Whatever the order, the graded answer of every slot is the last one the
server acknowledged, and no save is acknowledged after the attempt left "in progress".
"""

import threading
import time

import pytest
from django.conf import settings
from django.db import connection, transaction

from exams.models import AttemptStatus, RefusedChange
from exams.services import AttemptError, answer_save, attempt_start, attempt_submit, transitions
from exams.services.attempts import ERR_FINISHED
from exams.tokens import token_for, token_read
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        "postgresql" not in settings.DATABASES["default"]["ENGINE"],
        reason="two connections and row locks need PostgreSQL (CI runs this there)",
    ),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

WAIT = 1.5  # seconds a blocked statement is given to prove that it waits


def _token(attempt):
    raw = token_for(
        attempt_id=attempt.pk, user_id=attempt.user_id, deadline=attempt.deadline, writer=7
    )
    return token_read(raw, now=time.time())


def _right(slot):
    return slot.question_version.correct_ids


def _wrong(slot):
    return [i for i in slot.option_order if i not in _right(slot)][:1]


class Worker(threading.Thread):
    """Runs ``target`` on its own database connection; keeps its result or exception."""

    def __init__(self, target):
        super().__init__(daemon=True)
        self.target, self.result, self.error = target, None, None
        self.done = threading.Event()

    def run(self):
        try:
            self.result = self.target()
        except Exception as exc:  # noqa: BLE001 - handed to the test
            self.error = exc
        finally:
            connection.close()
            self.done.set()


@pytest.fixture
def sitting(open_session, org):
    candidate = UserFactory(org_unit=org.departments[org.districts[0].code][0])
    attempt = attempt_start(session=open_session, user=candidate)
    slot = attempt.slots.get(position=1)
    token = _token(attempt)
    answer_save(token=token, position=1, selected=_wrong(slot), seq=1, now=time.time())
    return attempt, slot, token


def test_a_save_arriving_while_submit_grades_waits_and_is_refused(sitting, monkeypatch):
    """Submit first: it has read the slots and is grading; a save now must not be
    acknowledged (it would not be graded). It waits for the lock, then gets 'finished'."""
    attempt, slot, token = sitting
    graded, release = threading.Event(), threading.Event()
    original = transitions._grade

    def paused_grade(locked_attempt):
        original(locked_attempt)
        graded.set()
        assert release.wait(20)

    monkeypatch.setattr(transitions, "_grade", paused_grade)
    submit = Worker(lambda: attempt_submit(attempt_id=attempt.pk, user=attempt.user))
    submit.start()
    assert graded.wait(20), submit.error

    save = Worker(
        lambda: answer_save(token=token, position=1, selected=_right(slot), seq=2, now=time.time())
    )
    save.start()
    assert not save.done.wait(WAIT), "the save was acknowledged while submit was grading"
    release.set()
    assert submit.done.wait(20) and submit.error is None, submit.error
    assert save.done.wait(20)
    assert isinstance(save.error, AttemptError) and str(save.error) == ERR_FINISHED

    slot.refresh_from_db()
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.SUBMITTED
    assert slot.selected == _wrong(slot) and slot.seq == 1  # the last acknowledged answer
    assert slot.earned == 0  # ... and the graded one
    refused = RefusedChange.objects.get(attempt=attempt)
    assert (refused.position, refused.selected, refused.why) == (1, _right(slot), "finished")


def test_a_save_in_flight_when_submit_starts_is_graded(sitting):
    """Save first: its statement holds the share lock (here: inside a transaction paused after
    the write); submit waits for it, then grades the new answer."""
    attempt, slot, token = sitting
    written, release = threading.Event(), threading.Event()

    def save_then_pause():
        with transaction.atomic():
            result = answer_save(
                token=token, position=1, selected=_right(slot), seq=2, now=time.time()
            )
            written.set()
            assert release.wait(20)
        return result

    save = Worker(save_then_pause)
    save.start()
    assert written.wait(20), save.error

    submit = Worker(lambda: attempt_submit(attempt_id=attempt.pk, user=attempt.user))
    submit.start()
    assert not submit.done.wait(WAIT), "submit graded while a save was being written"
    release.set()
    assert save.done.wait(20) and save.error is None, save.error
    assert not save.result.stale
    assert submit.done.wait(20) and submit.error is None, submit.error

    slot.refresh_from_db()
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.SUBMITTED
    assert slot.selected == _right(slot) and slot.seq == 2
    assert slot.earned == slot.points  # graded with the acknowledged answer
    assert slot.saved_at <= attempt.finished_at
    assert not RefusedChange.objects.filter(attempt=attempt).exists()


def test_many_saves_racing_many_submits_leave_every_graded_answer_acknowledged(open_session, org):
    """No pausing: 20 attempts, each with saves racing its submit. Every slot's graded answer
    is its last acknowledged one, and nothing acknowledged is later than the finish."""
    attempts = [
        attempt_start(
            session=open_session,
            user=UserFactory(org_unit=org.departments[org.districts[0].code][0]),
        )
        for _i in range(20)
    ]
    acknowledged: dict[tuple[int, int], list[int]] = {}
    lock = threading.Lock()

    def saves(attempt):
        token = _token(attempt)
        slots = list(attempt.slots.order_by("position")[:5])

        def run():
            for seq in range(1, 6):
                for slot in slots:
                    choice = _right(slot) if seq % 2 else _wrong(slot)
                    try:
                        answer_save(
                            token=token,
                            position=slot.position,
                            selected=choice,
                            seq=seq,
                            now=time.time(),
                        )
                    except AttemptError:
                        return
                    with lock:
                        acknowledged[(attempt.pk, slot.position)] = sorted(choice)

        return run

    workers = [Worker(saves(a)) for a in attempts]
    workers += [Worker(lambda a=a: attempt_submit(attempt_id=a.pk, user=a.user)) for a in attempts]
    for w in workers:
        w.start()
    for w in workers:
        assert w.done.wait(60) and w.error is None, w.error

    from exams.grading import slot_score
    from exams.models import AttemptSlot

    for slot in AttemptSlot.objects.filter(attempt__in=attempts).select_related(
        "question_version", "attempt"
    ):
        assert slot.attempt.status == AttemptStatus.SUBMITTED
        expected = acknowledged.get((slot.attempt_id, slot.position), [])
        assert sorted(slot.selected) == expected
        assert slot.earned == slot_score(
            selected=expected,
            correct=slot.question_version.correct_ids,
            multiple=slot.multiple,
            partial=False,
            points=slot.points,
        )
        if slot.saved_at:
            assert slot.saved_at <= slot.attempt.finished_at
