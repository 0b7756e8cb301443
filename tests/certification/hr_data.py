"""A small city for the HR tests, with figures easy to compute by hand.

西湖区司法局: 甲 (40 h, annual exam 90 -> pass), 乙 (10 h, 50 -> fail), 丙 (40 h, no exam)
西湖区市场监管局: 丁 (enforcement officer, 60 h rotation, annual exam 70 -> pass)
上城区司法局: 戊 (40 h, 80 -> pass), only HR of 上城区 may see.
"""

from __future__ import annotations

from dataclasses import dataclass

from cms.people.models import Role, User
from cms.people.services import role_assign
from exams.models import ExamKind
from learning.models import StudyKind
from tests.factories import UserFactory, build_org_tree, give_totp

from .conftest import at, earn, exam_session, sat

YEAR = 2025


@dataclass
class SmallCity:
    tree: object
    hr_a: User
    hr_b: User
    people: dict


def hr_user(unit, name: str, *, home=None) -> User:
    """HR of ``unit``; seated at ``home`` (the city office), outside the figures."""
    user = UserFactory(org_unit=home or unit, name=name)
    role_assign(user=user, role=Role.HR, scope=unit)
    give_totp(user)
    return user


def small_city() -> SmallCity:
    tree = build_org_tree()
    xihu, shangcheng = tree.districts
    sfj, scj = tree.departments_of(xihu)
    sc_sfj = tree.departments_of(shangcheng)[0]
    session = exam_session(ExamKind.ANNUAL_LAW, YEAR, title="2025年度学法考试")
    people = {}
    for key, unit, hours, score, officer in (
        ("甲", sfj, 40, "90.00", False),
        ("乙", sfj, 10, "50.00", False),
        ("丙", sfj, 40, None, False),
        ("丁", scj, 60, "70.00", True),
        ("戊", sc_sfj, 40, "80.00", False),
    ):
        person = UserFactory(org_unit=unit, name=f"人员{key}", is_enforcement_officer=officer)
        kind = StudyKind.ROTATION if officer else StudyKind.ONLINE
        earn(person, hours, year=YEAR, kind=kind)
        if score is not None:
            sat(
                person,
                ExamKind.ANNUAL_LAW,
                passed=float(score) >= 60,
                when=at(YEAR, 6, 1),
                session=session,
                score=score,
                signal=False,
            )
        people[key] = person
    return SmallCity(
        tree,
        hr_user(xihu, "西湖人事", home=tree.city),
        hr_user(shangcheng, "上城人事", home=tree.city),
        people,
    )
