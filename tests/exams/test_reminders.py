"""The exam app's reminders: an exam closing within 3 days not yet sat; a result released."""

from __future__ import annotations

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.utils import translation

from cms.people.models import Notification
from cms.people.notifications import notify, reminders_run
from exams.models import (
    Attempt,
    AttemptSlot,
    AttemptStatus,
    Blueprint,
    Candidate,
    ExamKind,
    ExamSession,
    Question,
    QuestionVersion,
    ResultRelease,
)
from exams.reminders import exam_closing_notices, result_released_notices
from exams.services import topic_by_path
from tests.factories import UserFactory, build_org_tree

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime.datetime(2026, 6, 10, 9, 0, tzinfo=SHANGHAI)


@pytest.fixture
def tree():
    return build_org_tree()


def session(tree, *, closes_in: datetime.timedelta, **fields) -> ExamSession:
    blueprint, _ = Blueprint.objects.get_or_create(name="测试卷")
    return ExamSession.objects.create(
        **{
            "title": "2026年度学法考试",
            "kind": ExamKind.ANNUAL_LAW,
            "blueprint": blueprint,
            "opens_at": NOW - datetime.timedelta(days=20),
            "closes_at": NOW + closes_in,
            "duration_minutes": 60,
            "eligible_unit": tree.districts[0],
            **fields,
        }
    )


def attempt(exam, user, *, finished_at, status=AttemptStatus.SUBMITTED, **fields) -> Attempt:
    return Attempt.objects.create(
        session=exam,
        user=user,
        number=Attempt.objects.filter(session=exam, user=user).count() + 1,
        status=status,
        seed=1,
        started_at=finished_at - datetime.timedelta(minutes=40),
        deadline=finished_at + datetime.timedelta(minutes=20),
        finished_at=None if status == AttemptStatus.IN_PROGRESS else finished_at,
        score=Decimal("80") if status != AttemptStatus.IN_PROGRESS else None,
        passed=True if status != AttemptStatus.IN_PROGRESS else None,
        **fields,
    )


def recipients(notices, kind: str) -> set[int]:
    return {n.recipient_id for n in notices if n.kind == kind}


# --- closing soon -----------------------------------------------------------------------------


def test_eligible_people_who_have_not_sat_are_reminded_of_an_exam_closing_soon(tree):
    xihu = tree.departments_of(tree.districts[0])[0]
    shangcheng = tree.departments_of(tree.districts[1])[0]
    exam = session(tree, closes_in=datetime.timedelta(days=2, hours=20))
    waiting = UserFactory(org_unit=xihu)
    started = UserFactory(org_unit=xihu)
    attempt(exam, started, finished_at=NOW, status=AttemptStatus.IN_PROGRESS)
    done = UserFactory(org_unit=xihu)
    attempt(exam, done, finished_at=NOW - datetime.timedelta(days=1))
    listed_elsewhere = UserFactory(org_unit=shangcheng)
    Candidate.objects.create(session=exam, user=listed_elsewhere)
    UserFactory(org_unit=shangcheng)  # outside the rule, not listed
    UserFactory(org_unit=xihu, is_active=False)  # left the service
    notices = exam_closing_notices(now=NOW)
    assert recipients(notices, "exam_closing") == {waiting.pk, started.pk, listed_elsewhere.pk}
    assert {n.event_key for n in notices} == {f"exam_closing:{exam.pk}"}
    assert notices[0].url == f"/exams/session/{exam.pk}/"


def test_not_for_an_exam_closing_later_already_closed_or_a_mock(tree):
    person = UserFactory(org_unit=tree.districts[0])
    session(tree, closes_in=datetime.timedelta(days=3, minutes=1), title="later")
    session(tree, closes_in=-datetime.timedelta(hours=1), title="closed")
    session(tree, closes_in=datetime.timedelta(days=1), kind=ExamKind.MOCK, title="mock")
    session(
        tree,
        closes_in=datetime.timedelta(days=1),
        only_enforcement_officers=True,
        title="officers only",
    )
    assert person.is_enforcement_officer is False
    assert exam_closing_notices(now=NOW) == []


def test_closing_reads_a_fixed_number_of_queries(tree, django_assert_max_num_queries):
    exam = session(tree, closes_in=datetime.timedelta(days=1))
    people = [UserFactory(org_unit=tree.districts[0]) for _ in range(25)]
    for person in people[:5]:
        attempt(exam, person, finished_at=NOW - datetime.timedelta(hours=2))
    with django_assert_max_num_queries(4):
        assert len(exam_closing_notices(now=NOW)) == 20


def test_the_daily_run_reminds_and_mails_once_in_the_readers_language(tree):
    exam = session(tree, closes_in=datetime.timedelta(days=2))
    person = UserFactory(org_unit=tree.districts[0], language="en")
    with time_machine.travel(NOW, tick=False):
        reminders_run()
        reminders_run()
    (row,) = Notification.objects.filter(recipient=person)
    assert row.kind == "exam_closing" and row.emailed_at is not None
    assert len([m for m in mail.outbox if person.email in m.to]) == 1
    assert row.title == "考试即将截止：2026年度学法考试"
    assert "2026年6月12日" in row.body  # local date-time in the reader's format
    with translation.override("en"):
        assert "June 12, 2026" in row.body
    assert exam.title in mail.outbox[0].subject


# --- results released ----------------------------------------------------------------------


def test_a_result_released_by_the_administrator_is_reminded_of_once(tree):
    exam = session(
        tree,
        closes_in=-datetime.timedelta(days=2),
        result_release=ResultRelease.MANUAL,
        results_released_at=NOW - datetime.timedelta(hours=3),
    )
    person = UserFactory(org_unit=tree.districts[0])
    sitting = attempt(exam, person, finished_at=NOW - datetime.timedelta(days=3))
    voided = attempt(
        exam, UserFactory(), finished_at=NOW - datetime.timedelta(days=3), status="voided"
    )
    pending = attempt(
        exam, UserFactory(), finished_at=NOW - datetime.timedelta(days=3), marking_pending=True
    )
    notices = result_released_notices(now=NOW)
    assert [(n.recipient_id, n.event_key) for n in notices] == [
        (person.pk, f"result_released:{sitting.pk}")
    ]
    assert notices[0].url == f"/exams/attempt/{sitting.pk}/result/"
    assert voided.pk and pending.pk
    assert notify(notices) == 1
    assert notify(result_released_notices(now=NOW)) == 0


def test_no_reminder_before_the_release_or_long_after_it(tree, settings):
    before = session(
        tree, closes_in=-datetime.timedelta(days=1), result_release=ResultRelease.MANUAL
    )
    old = session(
        tree,
        closes_in=-datetime.timedelta(days=40),
        opens_at=NOW - datetime.timedelta(days=50),
        result_release=ResultRelease.AT_CLOSE,
    )
    person = UserFactory(org_unit=tree.districts[0])
    attempt(before, person, finished_at=NOW - datetime.timedelta(days=2))
    attempt(old, person, finished_at=NOW - datetime.timedelta(days=41))
    assert settings.REMINDER_RESULT_RELEASED_WITHIN_DAYS < 40
    assert result_released_notices(now=NOW) == []


def test_released_at_close_and_after_marking_but_not_when_shown_on_submit(tree):
    at_close = session(
        tree, closes_in=-datetime.timedelta(hours=5), result_release=ResultRelease.AT_CLOSE
    )
    at_once = session(tree, closes_in=datetime.timedelta(days=10), title="at once")
    person = UserFactory(org_unit=tree.districts[0])
    closed = attempt(at_close, person, finished_at=NOW - datetime.timedelta(days=1))
    shown_on_submit = attempt(at_once, person, finished_at=NOW - datetime.timedelta(hours=2))
    marked = attempt(at_once, UserFactory(), finished_at=NOW - datetime.timedelta(days=1))
    question = Question.objects.create(topic=topic_by_path("案例", create=True))
    version = QuestionVersion.objects.create(
        question=question, number=1, kind="case_analysis", stem="案例", stem_text="案例"
    )
    AttemptSlot.objects.create(
        attempt=marked,
        position=1,
        question_version=version,
        option_count=0,
        points=20,
        hand_marked=True,
    )
    keys = {n.event_key for n in result_released_notices(now=NOW)}
    assert keys == {f"result_released:{closed.pk}", f"result_released:{marked.pk}"}
    assert shown_on_submit.pk not in {int(k.split(":")[1]) for k in keys}
