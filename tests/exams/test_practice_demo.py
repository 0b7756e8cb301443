"""The demo learners' practice: a history over the last days, a daily-practice streak, and
wrong answers in their wrong-answer book, loaded through the practice services."""

import datetime

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from cms.laws.services import law_library_import, policy_documents_import
from cms.people.demo import demo_people_load
from exams.demo import DEMO_DIR, DEMO_FILES, demo_practice_load
from exams.models import PracticeMode, PracticeRound, QuestionRecord
from exams.selectors_practice import practice_summary
from exams.services import questions_import

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_bank():
    law_library_import(directory=settings.SHARED_DIR / "laws")
    policy_documents_import(base_dir=settings.SHARED_DIR)
    demo_people_load()
    for name in DEMO_FILES:
        questions_import(data=(DEMO_DIR / name).read_bytes(), filename=name, skip_duplicates=True)


def test_demo_learners_have_practice_a_streak_and_a_wrong_answer_book(demo_bank):
    created = demo_practice_load()
    assert created > 0
    today = timezone.localdate()
    users = {
        u.employee_number: u
        for u in get_user_model().objects.filter(employee_number__in=["E1001", "E1003"])
    }
    e1001 = practice_summary(users["E1001"].pk, today.year, today=today)
    assert e1001.streak == 6 and not e1001.today_done  # today's is due
    assert e1001.book_count > 0
    assert not PracticeRound.objects.filter(user=users["E1001"], day=today).exists()
    e1003 = practice_summary(users["E1003"].pk, today.year, today=today)
    assert e1003.streak == 3 and e1003.book_count > 0
    oldest = PracticeRound.objects.filter(user=users["E1001"]).earliest("started_at")
    assert (today - timezone.localtime(oldest.started_at).date()).days == 9
    modes = set(PracticeRound.objects.filter(user=users["E1001"]).values_list("mode", flat=True))
    assert modes == {PracticeMode.DAILY, PracticeMode.TOPIC, PracticeMode.LAW, PracticeMode.WRONG}
    records = QuestionRecord.objects.filter(user=users["E1001"], in_book=True)
    assert set(records.values_list("wrong_source", flat=True)) <= {"practice", "daily"}
    # Idempotent: a second load adds nothing.
    before = PracticeRound.objects.count()
    assert demo_practice_load() == 0
    assert PracticeRound.objects.count() == before
    assert today - datetime.timedelta(days=1) in set(
        PracticeRound.objects.filter(user=users["E1001"], mode="daily").values_list(
            "day", flat=True
        )
    )
