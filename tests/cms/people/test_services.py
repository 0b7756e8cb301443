"""Services: creating units, assigning and revoking roles (with groups and audit)."""

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from wagtail.models import ModelLogEntry

from cms.people.models import ROLE_GROUPS, OrgUnit, Role, RoleAssignment
from cms.people.services import (
    ROLE_NOT_ASSIGNABLE,
    SCOPE_OUTSIDE_YOURS,
    UNIT_NOT_EMPTY,
    org_unit_create,
    org_unit_delete,
    role_assign,
    role_revoke,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_org_unit_create_builds_the_tree(tree):
    xihu = tree.districts[0]
    unit = org_unit_create(name="西湖区教育局", code="330106-JYJ", kind="department", parent=xihu)
    assert unit.get_parent() == xihu
    assert unit.depth == 3
    assert unit.path.startswith(xihu.path)
    root = org_unit_create(name="宁波市", code="330200", kind="city", area_code="330200")
    assert root.is_root()
    assert ModelLogEntry.objects.filter(action="wagtail.create", object_id=str(unit.pk)).exists()


def test_org_unit_create_validates_before_inserting(tree):
    with pytest.raises(ValidationError) as exc:
        org_unit_create(name="重复", code="330106", kind="district", parent=tree.city)
    assert "code" in exc.value.message_dict
    with pytest.raises(ValidationError):
        org_unit_create(name="坏代码", code="X1", kind="district", area_code="12", parent=tree.city)
    assert OrgUnit.objects.count() == 7


def test_scoped_actor_creates_only_inside_scope(tree):
    xihu, shangcheng = tree.districts
    hr = UserFactory(org_unit=xihu)
    role_assign(user=hr, role=Role.HR, scope=xihu)
    org_unit_create(name="西湖区科室", code="330106-K1", kind="section", parent=xihu, actor=hr)
    with pytest.raises(PermissionDenied):
        org_unit_create(name="外区", code="330102-K1", kind="section", parent=shangcheng, actor=hr)


def test_role_assign_is_idempotent_and_grants_group_and_admin_access(tree):
    person = UserFactory(org_unit=tree.city)
    first = role_assign(user=person, role=Role.HR, scope=tree.districts[0])
    again = role_assign(user=person, role=Role.HR, scope=tree.districts[0])
    assert first.pk == again.pk
    assert RoleAssignment.objects.filter(user=person).count() == 1
    person.refresh_from_db()
    assert person.is_staff
    assert person.groups.filter(name=ROLE_GROUPS[Role.HR]).exists()
    assert person.has_perm("wagtailadmin.access_admin")
    assert person.has_perm("people.view_user")
    entries = ModelLogEntry.objects.filter(action="people.role_assign")
    assert entries.count() == 1
    assert entries.get().data == {
        "user": person.employee_number,
        "role": "hr",
        "scope": "330106",
    }


def test_learner_role_gives_no_staff_access(tree):
    person = UserFactory(org_unit=tree.city)
    role_assign(user=person, role=Role.LEARNER, scope=tree.city)
    person.refresh_from_db()
    assert not person.is_staff
    assert not person.groups.exists()


def test_role_revoke_keeps_group_while_another_assignment_remains(tree):
    xihu, shangcheng = tree.districts
    person = UserFactory(org_unit=tree.city)
    a = role_assign(user=person, role=Role.HR, scope=xihu)
    b = role_assign(user=person, role=Role.HR, scope=shangcheng)
    group = Group.objects.get(name=ROLE_GROUPS[Role.HR])
    role_revoke(assignment=a)
    assert person.groups.filter(pk=group.pk).exists()
    role_revoke(assignment=b)
    assert not person.groups.filter(pk=group.pk).exists()
    assert not RoleAssignment.objects.filter(user=person).exists()
    assert ModelLogEntry.objects.filter(action="people.role_revoke").count() == 2


def test_scoped_actor_may_hand_on_only_own_role_within_scope(tree):
    xihu, shangcheng = tree.districts
    hr = UserFactory(org_unit=xihu)
    role_assign(user=hr, role=Role.HR, scope=xihu)
    colleague = UserFactory(org_unit=tree.departments_of(xihu)[0])
    role_assign(user=colleague, role=Role.HR, scope=tree.departments_of(xihu)[0], actor=hr)
    with pytest.raises(PermissionDenied) as exc:
        role_assign(user=colleague, role=Role.EXAM_ADMIN, scope=xihu, actor=hr)
    assert str(exc.value) == str(ROLE_NOT_ASSIGNABLE)
    with pytest.raises(PermissionDenied) as exc:
        role_assign(user=colleague, role=Role.HR, scope=shangcheng, actor=hr)
    assert str(exc.value) == str(SCOPE_OUTSIDE_YOURS)


def test_org_unit_delete_refuses_non_empty_units(tree):
    xihu = tree.districts[0]
    with pytest.raises(ValidationError) as exc:
        org_unit_delete(unit=xihu)
    assert exc.value.messages == [str(UNIT_NOT_EMPTY)]
    dept = tree.departments_of(xihu)[0]
    person = UserFactory(org_unit=dept)
    with pytest.raises(ValidationError):
        org_unit_delete(unit=dept)
    person.org_unit = tree.city
    person.save()
    org_unit_delete(unit=dept)
    assert not OrgUnit.objects.filter(pk=dept.pk).exists()
    xihu.refresh_from_db()
    assert xihu.numchild == 1
