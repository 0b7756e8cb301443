"""Two bookings of one attempt at once, on two database connections (PostgreSQL): the learner
opening the book in two tabs while the released results are being booked. The attempt's
answers are recorded exactly once."""

import threading
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from exams.models import (
    BookedAttempt,
    ExamKind,
    ExamSession,
    QuestionRecord,
    ResultRelease,
    ReviewPolicy,
)
from exams.services import answer_save, attempt_start, attempt_submit
from exams.services.wrong_book import session_book_reviews, wrong_book_sync
from exams.tokens import token_for, token_read
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        "postgresql" not in settings.DATABASES["default"]["ENGINE"],
        reason="two connections and a unique key racing need PostgreSQL (CI runs this there)",
    ),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


class Worker(threading.Thread):
    def __init__(self, target, start_line):
        super().__init__(daemon=True)
        self.target, self.start_line = target, start_line
        self.result, self.error = None, None

    def run(self):
        try:
            self.start_line.wait()
            self.result = self.target()
        except Exception as exc:  # noqa: BLE001 - handed to the test
            self.error = exc
        finally:
            connection.close()


@pytest.fixture
def released_attempt(blueprint, org):
    now = timezone.now()
    session = ExamSession.objects.create(
        title="2026年度学法考试",
        kind=ExamKind.ANNUAL_LAW,
        blueprint=blueprint,
        opens_at=now - timedelta(hours=2),
        closes_at=now + timedelta(hours=2),
        duration_minutes=60,
        eligible_unit=org.city,
        review_policy=ReviewPolicy.FULL_AFTER_CLOSE,
        result_release=ResultRelease.AT_CLOSE,
    )
    user = UserFactory(org_unit=org.departments[org.districts[0].code][0])
    attempt = attempt_start(session=session, user=user)
    token = token_read(
        token_for(attempt_id=attempt.pk, user_id=user.pk, deadline=attempt.deadline),
        now=time.time(),
    )
    for slot in attempt.slots.select_related("question_version"):
        key = slot.question_version.correct_ids
        chosen = [i for i in slot.option_order if i not in key][:1] if slot.position <= 4 else key
        answer_save(token=token, position=slot.position, selected=chosen, seq=1, now=time.time())
    attempt_submit(attempt_id=attempt.pk, user=user)
    ExamSession.objects.filter(pk=session.pk).update(closes_at=now - timedelta(minutes=1))
    return attempt, user, session


def test_bookings_racing_record_the_attempt_once(released_attempt, monkeypatch):
    attempt, user, session = released_attempt
    from exams.services import wrong_book

    record = wrong_book.record_answers

    def slow_record(**kwargs):
        # The first booking holds its transaction open while the others have read the attempt
        # as unbooked: only the booking's unique key stands between them and a second count.
        time.sleep(1.0)
        return record(**kwargs)

    monkeypatch.setattr(wrong_book, "record_answers", slow_record)
    start_line = threading.Event()
    workers = [
        Worker(lambda: wrong_book_sync(user=user), start_line),
        Worker(lambda: wrong_book_sync(user=user), start_line),
        Worker(lambda: session_book_reviews(session_id=session.pk), start_line),
    ]
    for worker in workers:
        worker.start()
    start_line.set()
    for worker in workers:
        worker.join(timeout=30)
    assert [w.error for w in workers] == [None, None, None]
    assert sorted(w.result for w in workers) == [0, 0, 1]
    assert BookedAttempt.objects.filter(attempt=attempt).count() == 1
    records = QuestionRecord.objects.filter(user=user)
    assert records.count() == 20
    assert {r.times_answered for r in records} == {1}
    assert records.filter(in_book=True).count() == 4
