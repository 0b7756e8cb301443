"""Scope selectors: a role over a unit reaches its whole subtree and nothing else."""

import pytest

from cms.people.models import Role
from cms.people.selectors import (
    people_visible_to,
    role_assignments_visible_to,
    roles_assignable_by,
    unit_ancestor_names,
    units_visible_to,
    user_can_see_person,
    user_has_role,
    user_roles,
)
from cms.people.services import role_assign
from tests.factories import RoleAssignmentFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def hr_xihu(tree):
    xihu = tree.districts[0]
    hr = UserFactory(org_unit=tree.departments_of(xihu)[0])
    role_assign(user=hr, role=Role.HR, scope=xihu)
    return hr


def test_hr_sees_own_district_units_and_people_only(tree, hr_xihu):
    xihu, shangcheng = tree.districts
    in_a = UserFactory(org_unit=tree.departments_of(xihu)[1])
    in_b = UserFactory(org_unit=tree.departments_of(shangcheng)[0])
    at_city = UserFactory(org_unit=tree.city)

    units = set(units_visible_to(hr_xihu).values_list("code", flat=True))
    assert units == {"330106", "330106-SFJ", "330106-SCJGJ"}
    people = set(people_visible_to(hr_xihu))
    assert in_a in people and hr_xihu in people
    assert in_b not in people and at_city not in people
    assert user_can_see_person(hr_xihu, in_a)
    assert not user_can_see_person(hr_xihu, in_b)


def test_role_filter_and_union_of_assignments(tree, hr_xihu):
    xihu, shangcheng = tree.districts
    RoleAssignmentFactory(user=hr_xihu, role=Role.LEGAL_AFFAIRS, scope=shangcheng)
    assert set(units_visible_to(hr_xihu, role=Role.HR).values_list("code", flat=True)) == {
        "330106",
        "330106-SFJ",
        "330106-SCJGJ",
    }
    both = set(units_visible_to(hr_xihu).values_list("code", flat=True))
    assert "330102-SFJ" in both and "330106-SFJ" in both and "330100" not in both
    assert units_visible_to(hr_xihu, role=Role.EXAM_ADMIN).count() == 0


def test_superuser_sees_all_and_learner_sees_none(tree):
    admin = UserFactory(is_superuser=True, is_staff=True, org_unit=tree.city)
    learner = UserFactory(org_unit=tree.city)
    RoleAssignmentFactory(user=learner, role=Role.LEARNER, scope=tree.city)
    other = UserFactory(org_unit=tree.departments_of(tree.districts[1])[0])
    assert units_visible_to(admin).count() == 7
    assert other in people_visible_to(admin)
    assert units_visible_to(learner).count() == 0
    assert people_visible_to(learner).count() == 0
    assert not user_can_see_person(learner, other)


def test_inactive_staff_see_nothing(tree, hr_xihu):
    hr_xihu.is_active = False
    hr_xihu.save()
    assert units_visible_to(hr_xihu).count() == 0


def test_scope_queries_are_fixed(tree, hr_xihu, django_assert_max_num_queries):
    RoleAssignmentFactory(user=hr_xihu, role=Role.HR, scope=tree.districts[1])
    RoleAssignmentFactory(user=hr_xihu, role=Role.LEGAL_AFFAIRS, scope=tree.city)
    with django_assert_max_num_queries(2):
        list(people_visible_to(hr_xihu))
    with django_assert_max_num_queries(2):
        list(units_visible_to(hr_xihu))


def test_roles_and_has_role_over_unit(tree, hr_xihu):
    xihu, shangcheng = tree.districts
    assert user_roles(hr_xihu) == {Role.HR}
    assert user_has_role(hr_xihu, Role.HR)
    assert user_has_role(hr_xihu, Role.HR, unit=tree.departments_of(xihu)[0])
    assert user_has_role(hr_xihu, Role.HR, unit=xihu)
    assert not user_has_role(hr_xihu, Role.HR, unit=tree.city)
    assert not user_has_role(hr_xihu, Role.HR, unit=shangcheng)
    assert not user_has_role(hr_xihu, Role.EXAM_ADMIN)
    assert roles_assignable_by(hr_xihu) == [Role.HR]


def test_assignments_visible_within_scope(tree, hr_xihu):
    xihu, shangcheng = tree.districts
    theirs = RoleAssignmentFactory(role=Role.HR, scope=shangcheng)
    ours = RoleAssignmentFactory(role=Role.HR, scope=tree.departments_of(xihu)[0])
    visible = set(role_assignments_visible_to(hr_xihu))
    assert ours in visible and theirs not in visible


def test_unit_path_names(tree, django_assert_max_num_queries):
    dept = tree.departments_of(tree.districts[0])[0]
    with django_assert_max_num_queries(1):
        names = unit_ancestor_names([dept, tree.city])
    assert names[dept.path] == "杭州市 / 西湖区 / 西湖区司法局"
    assert names[tree.city.path] == "杭州市"
