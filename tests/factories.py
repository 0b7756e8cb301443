"""factory_boy factories shared by every test package.

Org units are treebeard nodes, so they must be inserted through ``add_root``/``add_child``;
``OrgUnitFactory(parent=...)`` does that, and ``build_org_tree()`` makes a small city.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import factory
from allauth.account.internal.flows.login import (
    _AUTHENTICATION_METHODS_USER_SESSION_KEY as AUTHENTICATION_METHODS_USER_SESSION_KEY,
)
from allauth.account.internal.flows.login import AUTHENTICATION_METHODS_SESSION_KEY
from allauth.account.internal.userkit import user_id_to_str
from allauth.mfa.models import Authenticator
from django.test import Client

from cms.people.models import OrgUnit, Role, RoleAssignment, User
from cms.people.roster import national_id_check_digit


class OrgUnitFactory(factory.django.DjangoModelFactory):
    """``OrgUnitFactory()`` makes a root; ``OrgUnitFactory(parent=unit)`` a child of it.

    Siblings are ordered by code, so adding a unit may change the ``path`` of units created
    before it: call ``refresh_from_db()`` on instances you keep before using their path.
    """

    class Meta:
        model = OrgUnit

    name = factory.Sequence(lambda n: f"单位{n}")
    code = factory.Sequence(lambda n: f"U{n:05d}")
    kind = OrgUnit.Kind.DEPARTMENT
    area_code = ""

    @classmethod
    def _create(cls, model_class, *args, parent=None, **kwargs):
        unit = model_class(**kwargs)
        if parent is None:
            return model_class.add_root(instance=unit)
        parent.refresh_from_db()
        return parent.add_child(instance=unit)


def _national_id(n: int) -> str:
    first17 = f"330106199001{(n % 28) + 1:02d}{n % 1000:03d}"
    return first17 + national_id_check_digit(first17)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    employee_number = factory.Sequence(lambda n: f"E{n:06d}")
    name = factory.Sequence(lambda n: f"人员{n}")
    email = factory.LazyAttribute(lambda u: f"{u.employee_number.lower()}@example.gov.cn")
    phone = factory.Sequence(lambda n: f"138{n:08d}")
    national_id = factory.Sequence(_national_id)
    org_unit = factory.SubFactory(OrgUnitFactory)
    rank = "一级科员"
    is_active = True

    @factory.post_generation
    def password(obj, create, extracted, **kwargs):
        obj.set_password(extracted or "Correct-Horse-42")
        if create:
            obj.save(update_fields=["password"])


class RoleAssignmentFactory(factory.django.DjangoModelFactory):
    """A bare assignment row; use ``cms.people.services.role_assign`` to also get groups."""

    class Meta:
        model = RoleAssignment

    user = factory.SubFactory(UserFactory)
    role = Role.HR
    scope = factory.SelfAttribute("user.org_unit")


def give_totp(user: User) -> Authenticator:
    """A TOTP authenticator, so that the staff MFA middleware lets the user into /admin/."""
    return Authenticator.objects.create(
        user=user, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"}
    )


def record_login_methods(client, user: User, *, mfa: bool) -> None:
    """Write allauth's record of the methods this session used: the password and, when
    ``mfa`` and the user has TOTP, the TOTP step (as a completed allauth login leaves it)."""
    now = time.time()
    records = [{"method": "password", "at": now, "username": user.employee_number}]
    totp = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if mfa and totp is not None:
        records.append({"method": "mfa", "at": now, "type": "totp", "id": totp.pk})
    session = client.session
    session[AUTHENTICATION_METHODS_SESSION_KEY] = records
    session[AUTHENTICATION_METHODS_USER_SESSION_KEY] = user_id_to_str(user)
    session.save()


def login_with_mfa(client, user: User) -> None:
    """Log ``user`` in as allauth leaves a session after the password and the TOTP step
    (a TOTP authenticator is made if the user has none), with any test client."""
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        give_totp(user)
    Client.force_login(client, user)
    record_login_methods(client, user, mfa=True)


@dataclass
class OrgTree:
    city: OrgUnit
    districts: list[OrgUnit] = field(default_factory=list)
    departments: dict[str, list[OrgUnit]] = field(default_factory=dict)

    def departments_of(self, district: OrgUnit) -> list[OrgUnit]:
        return self.departments[district.code]


def build_org_tree(
    *,
    city_name: str = "杭州市",
    city_code: str = "330100",
    districts: tuple[tuple[str, str], ...] = (("西湖区", "330106"), ("上城区", "330102")),
    departments: tuple[tuple[str, str], ...] = (("司法局", "SFJ"), ("市场监管局", "SCJGJ")),
) -> OrgTree:
    """City -> districts -> departments, with realistic codes like ``330106-SFJ``."""
    city = OrgUnitFactory(
        name=city_name, code=city_code, kind=OrgUnit.Kind.CITY, area_code=city_code
    )
    tree = OrgTree(city=city)
    for district_name, district_code in districts:
        district = OrgUnitFactory(
            parent=city,
            name=district_name,
            code=district_code,
            kind=OrgUnit.Kind.DISTRICT,
            area_code=district_code,
        )
        tree.districts.append(district)
        tree.departments[district.code] = [
            OrgUnitFactory(
                parent=district,
                name=f"{district_name}{dept_name}",
                code=f"{district_code}-{dept_code}",
                kind=OrgUnit.Kind.DEPARTMENT,
            )
            for dept_name, dept_code in departments
        ]
    # Children are kept sorted by code (node_order_by), so inserting one may renumber the
    # paths of its siblings' subtrees: hand back fresh instances.
    for unit in [tree.city, *tree.districts, *sum(tree.departments.values(), [])]:
        unit.refresh_from_db()
    return tree
