"""Fixtures for certification: a small city, a legal affairs officer, officers, exam results."""

from __future__ import annotations

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.utils import timezone

from cms.people.models import Role
from cms.people.services import role_assign
from exams.models import Attempt, AttemptStatus, Blueprint, ExamKind, ExamSession
from exams.signals import attempt_graded
from learning.models import StudyHourEntry, StudyKind
from tests.factories import UserFactory, build_org_tree, give_totp

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(year: int, month: int, day: int, hour: int = 10) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, tzinfo=SHANGHAI)


def exam_session(kind: str, year: int, *, title: str = "") -> ExamSession:
    blueprint, _ = Blueprint.objects.get_or_create(name="测试卷")
    session, _ = ExamSession.objects.get_or_create(
        title=title or f"{year} {kind}",
        defaults=dict(
            kind=kind,
            blueprint=blueprint,
            opens_at=at(year, 1, 2),
            closes_at=at(year, 12, 30),
            duration_minutes=60,
        ),
    )
    return session


def sat(
    user,
    kind: str,
    *,
    passed: bool,
    when: datetime.datetime,
    session: ExamSession | None = None,
    blocking: bool = False,
    score: str | None = None,
    signal: bool = True,
) -> Attempt:
    """A graded attempt as the exam engine leaves it; sends ``attempt_graded`` like it."""
    session = session or exam_session(kind, when.year)
    number = Attempt.objects.filter(session=session, user=user).count() + 1
    attempt = Attempt.objects.create(
        session=session,
        user=user,
        number=number,
        status=AttemptStatus.SUBMITTED,
        seed=1,
        started_at=when - datetime.timedelta(minutes=50),
        deadline=when + datetime.timedelta(minutes=10),
        finished_at=when,
        score=Decimal(score or ("86.00" if passed else "42.00")),
        passed=passed,
        blocking=blocking,
    )
    if signal:
        attempt_graded.send(sender=Attempt, attempt=attempt)
    return attempt


def earn(user, hours, *, year: int, kind: str = StudyKind.ROTATION, n: int = 0):
    return StudyHourEntry.objects.create(
        user=user,
        year=year,
        hours=Decimal(str(hours)),
        kind=kind,
        title="轮训",
        source=f"test:{kind}:{year}:{n}:{user.pk}",
        date=datetime.date(year, 6, 1),
    )


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def tree(db):
    return build_org_tree()


@pytest.fixture
def xihu_dept(tree):
    return tree.departments_of(tree.districts[0])[0]


@pytest.fixture
def legal(tree):
    """法制审核员 over 西湖区, with TOTP."""
    district = tree.districts[0]
    user = UserFactory(org_unit=district, name="周明哲")
    role_assign(user=user, role=Role.LEGAL_AFFAIRS, scope=district)
    give_totp(user)
    return user


@pytest.fixture
def officer(xihu_dept):
    """An enforcement officer of 西湖区司法局 who passed the qualification exam a month ago."""
    user = UserFactory(
        org_unit=xihu_dept,
        name="张晓明",
        is_enforcement_officer=True,
        national_id="330106199001011234",
        phone="13812345678",
        email="zhangxm@example.gov.cn",
    )
    sat(
        user,
        ExamKind.QUALIFICATION,
        passed=True,
        when=timezone.now() - datetime.timedelta(days=30),
    )
    return user


@pytest.fixture
def credential(officer, legal, xihu_dept):
    from certification.models import EnforcementDomain
    from certification.services import credential_issue

    return credential_issue(
        holder=officer,
        authority=xihu_dept.get_parent(),
        domain=EnforcementDomain.COMPREHENSIVE,
        actor=legal,
        reason="资格考试合格",
        legal_basis="《行政执法证件管理办法》第八条",
    )
