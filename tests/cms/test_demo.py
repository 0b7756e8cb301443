"""The demo loads everything the README promises, and a second run creates nothing."""

import io

import pytest
from django.core.management import call_command

from cms.courses.models import CoursePage, LessonPage
from cms.laws.models import Article, LawVersion
from cms.people.mfa import user_has_mfa, user_requires_mfa
from cms.people.models import OrgUnit, Role, RoleAssignment, User
from exams.models import Question, QuestionStatus

pytestmark = pytest.mark.django_db(transaction=False)


def test_load_demo_twice_creates_everything_once():
    first = io.StringIO()
    call_command("load_demo", stdout=first)
    counts = {
        "units": OrgUnit.objects.count(),
        "users": User.objects.count(),
        "roles": RoleAssignment.objects.count(),
        "versions": LawVersion.objects.count(),
        "articles": Article.objects.count(),
        "courses": CoursePage.objects.count(),
        "lessons": LessonPage.objects.count(),
        "questions": Question.objects.count(),
    }
    assert OrgUnit.objects.filter(kind=OrgUnit.Kind.DISTRICT).count() >= 3
    assert OrgUnit.objects.filter(kind=OrgUnit.Kind.DEPARTMENT).count() >= 6
    assert counts["versions"] == 21  # 20 law versions and the implementation plan
    assert counts["courses"] >= 3
    assert counts["questions"] >= 300
    assert Question.objects.filter(status=QuestionStatus.NEEDS_REVIEW).exists()
    for role in Role:
        if role != Role.LEARNER:
            assert RoleAssignment.objects.filter(role=role).exists(), role
    for user in User.objects.all():
        if user_requires_mfa(user):
            assert user_has_mfa(user), user
    # A finished session with at least 60 graded attempts and a stored item analysis that
    # flags questions (README "Item analysis").
    from exams.models import ItemAnalysis

    analysis = ItemAnalysis.objects.get(session__title__contains="公务员法专题")
    assert analysis.status == ItemAnalysis.Status.DONE
    assert analysis.results["session"]["attempts"] >= 60
    codes = {f["code"] for item in analysis.results["items"] for f in item["flags"]}
    assert {"too_easy", "weak_distractor"} <= codes, codes
    assert analysis.results["session"]["reliability"] is not None
    # The demo learners open a filled wrong-answer book: E1001 from the mock exam, E1003 from
    # the mock exam and the released reviews (the closed rotation exam, the case-analysis one).
    from exams.models import BookedAttempt, QuestionRecord

    for number in ("E1001", "E1003"):
        assert QuestionRecord.objects.filter(user__employee_number=number, in_book=True).exists()
    sources = set(
        BookedAttempt.objects.filter(attempt__user__employee_number="E1003").values_list(
            "source", flat=True
        )
    )
    assert sources == {"mock", "review"}, sources
    answered = sorted(QuestionRecord.objects.values_list("pk", "times_answered"))
    # Reminders due (run once at the end of the load): an exam closing soon for 西湖区, the
    # suspended credential (E1004), the expiring ones (E1005), a released result (E1003).
    from cms.people.models import Notification

    kinds = set(Notification.objects.values_list("recipient__employee_number", "kind").distinct())
    assert {
        ("E1001", "exam_closing"),
        ("E1004", "credential_suspended"),
        ("E1005", "credential_expiring"),
        ("E1003", "result_released"),
    } <= kinds, kinds
    notifications = Notification.objects.count()
    # The mock exam teaches: the demo learners who sat it see their review right away, the
    # retake button, and (having lost points) their weak topics.
    from exams.models import ExamKind, ExamSession, ReviewPolicy
    from exams.selectors import review_visible
    from exams.selectors_mock import mock_retake, mock_weak_topics

    mock = ExamSession.objects.get(kind=ExamKind.MOCK)
    assert mock.review_policy == ReviewPolicy.FULL_AFTER_SUBMIT
    weak = []
    for number in ("E1001", "E1003", "E3004", "E1006"):
        attempt = mock.attempts.select_related("user").get(user__employee_number=number)
        assert review_visible(attempt), number
        assert mock_retake(attempt, attempt.user) is not None, number
        weak.extend(mock_weak_topics(attempt))
    assert weak
    output = first.getvalue()
    assert "Demo@2026" in output and "author01" in output and "hr-xihu" in output

    second = io.StringIO()
    call_command("load_demo", stdout=second)
    assert counts == {
        "units": OrgUnit.objects.count(),
        "users": User.objects.count(),
        "roles": RoleAssignment.objects.count(),
        "versions": LawVersion.objects.count(),
        "articles": Article.objects.count(),
        "courses": CoursePage.objects.count(),
        "lessons": LessonPage.objects.count(),
        "questions": Question.objects.count(),
    }
    assert sorted(QuestionRecord.objects.values_list("pk", "times_answered")) == answered
    assert Notification.objects.count() == notifications
    summary = second.getvalue().split("演示数据")[1].split("演示账号")[0]
    created_column = [line.split()[-1] for line in summary.strip().splitlines()[1:]]
    assert created_column and set(created_column) == {"0"}, summary
