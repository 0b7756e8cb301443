"""Writes about people, units and roles: each change in one place, audited."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import BinaryIO

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override
from wagtail.log_actions import log

from cms.db import filter_in, update_in

from . import roster
from .models import ROLE_GROUPS, OrgUnit, Role, RoleAssignment, User
from .roster import RosterError
from .selectors import (
    ROLE_CACHE_ATTRIBUTE,
    people_manageable_by,
    roles_assignable_by,
    units_visible_to,
    user_may_manage_person,
)

ROLE_NOT_ASSIGNABLE = _("您不能授予该角色：只能授予您本人持有的角色。")
SCOPE_OUTSIDE_YOURS = _("授权范围超出了您的管辖范围。")
PARENT_OUTSIDE_YOURS = _("上级单位超出了您的管辖范围。")
UNIT_NOT_EMPTY = _("该单位下还有下级单位、人员或角色授权，不能删除。")
PERSON_NOT_MANAGEABLE = _(
    "您不能修改此人的账号：对方是超级管理员，或持有与您同级或更高的角色。请联系超级管理员。"
)
PASSWORD_SET_MAIL_SUBJECT = _("您的登录密码已被重设")
PASSWORD_SET_MAIL_BODY = _(
    "%(name)s，您好：\n\n%(actor)s 于 %(time)s 在管理后台重设了您的登录密码（工号 %(employee_number)s）。"
    "\n如非您本人申请，请立即联系本单位人事部门或系统管理员。\n"
)

# Permissions a role's group receives when the group is first created, so that a freshly
# assigned person can use the admin at all. Afterwards the group is managed in the admin
# (Settings -> Groups) and never overwritten here. Other apps add their own permissions.
ADMIN_ACCESS = "wagtailadmin.access_admin"
ROLE_DEFAULT_PERMISSIONS: dict[Role, tuple[str, ...]] = {
    Role.COURSE_AUTHOR: (ADMIN_ACCESS,),
    Role.COURSE_REVIEWER: (ADMIN_ACCESS,),
    Role.EXAM_ADMIN: (ADMIN_ACCESS, "people.view_orgunit"),
    Role.HR: (
        ADMIN_ACCESS,
        "people.view_orgunit",
        "people.add_user",
        "people.change_user",
        "people.view_user",
        "people.view_roleassignment",
        "people.add_roleassignment",
        "people.delete_roleassignment",
    ),
    Role.LEGAL_AFFAIRS: (ADMIN_ACCESS, "people.view_orgunit", "people.view_user"),
}


def org_unit_create(
    *,
    name: str,
    code: str,
    kind: str,
    parent: OrgUnit | None = None,
    area_code: str = "",
    actor: User | None = None,
) -> OrgUnit:
    """Add a unit to the tree, as a root or as a child of ``parent``."""
    if actor is not None and not actor.is_superuser:
        if parent is None or not units_visible_to(actor).filter(pk=parent.pk).exists():
            raise PermissionDenied(PARENT_OUTSIDE_YOURS)
    unit = OrgUnit(name=name, code=code, kind=kind, area_code=area_code)
    # path/depth are set by treebeard on insertion; validate the rest first.
    unit.full_clean(exclude=["path", "depth", "numchild"])
    with transaction.atomic():
        if parent is None:
            unit = OrgUnit.add_root(instance=unit)
        else:
            parent.refresh_from_db()  # treebeard needs the parent's current numchild
            unit = parent.add_child(instance=unit)
        log(instance=unit, action="wagtail.create", user=actor)
    return unit


def org_unit_delete(*, unit: OrgUnit, actor: User | None = None) -> None:
    """Delete an empty unit; a unit with sub-units, people or role scopes is refused."""
    if actor is not None and not actor.is_superuser:
        if not units_visible_to(actor).filter(pk=unit.pk).exists():
            raise PermissionDenied(PARENT_OUTSIDE_YOURS)
    with transaction.atomic():
        unit = OrgUnit.objects.select_for_update().get(pk=unit.pk)
        if unit.get_children_count() or unit.members.exists() or unit.role_assignments.exists():
            raise ValidationError(UNIT_NOT_EMPTY)
        log(instance=unit, action="wagtail.delete", user=actor, deleted=True)
        unit.delete()


def _group_for_role(role: Role) -> Group:
    group, created = Group.objects.get_or_create(name=ROLE_GROUPS[role])
    if created:
        perms = []
        for dotted in ROLE_DEFAULT_PERMISSIONS.get(role, ()):
            app_label, codename = dotted.split(".")
            perms.extend(
                Permission.objects.filter(content_type__app_label=app_label, codename=codename)
            )
        group.permissions.add(*perms)
    return group


def role_group_grant(*, role: Role, permissions: Iterable[str]) -> int:
    """Give a role's group the permissions a domain app's back office needs ("app.codename").

    Domain apps call this after migrating, so that a freshly assigned exam administrator (say)
    can use the exam pages; only adds, never removes what an administrator set up by hand.
    Returns how many permissions were found and granted."""
    group = _group_for_role(role)
    query = Q(pk__in=[])
    for dotted in permissions:
        app_label, codename = dotted.split(".")
        query |= Q(content_type__app_label=app_label, codename=codename)
    found = list(Permission.objects.filter(query))
    group.permissions.add(*found)
    return len(found)


def _forget_roles(user: User) -> None:
    user.__dict__.pop(ROLE_CACHE_ATTRIBUTE, None)


def role_assign(
    *, user: User, role: Role | str, scope: OrgUnit, actor: User | None = None
) -> RoleAssignment:
    """Give ``user`` a role over ``scope``; assigning the same thing twice changes nothing.

    A staff role also puts the person in the role's Wagtail group and lets them into the
    admin, because Wagtail grants permissions through groups.
    """
    role = Role(role)
    if actor is not None and not actor.is_superuser:
        if role not in roles_assignable_by(actor):
            raise PermissionDenied(ROLE_NOT_ASSIGNABLE)
        if not units_visible_to(actor, role=role).filter(pk=scope.pk).exists():
            raise PermissionDenied(SCOPE_OUTSIDE_YOURS)
    with transaction.atomic():
        existing = RoleAssignment.objects.filter(user=user, role=role, scope=scope).first()
        if existing is not None:
            return existing
        assignment = RoleAssignment(user=user, role=role, scope=scope)
        assignment.full_clean()
        assignment.save()
        _forget_roles(user)
        if role in ROLE_GROUPS:
            user.groups.add(_group_for_role(role))
            if not user.is_staff:
                user.is_staff = True
                user.save(update_fields=["is_staff"])
        log(
            instance=assignment,
            action="people.role_assign",
            user=actor,
            data={"user": user.employee_number, "role": role.value, "scope": scope.code},
        )
    return assignment


def role_revoke(*, assignment: RoleAssignment, actor: User | None = None) -> None:
    """Remove one assignment; the group goes once no assignment of that role remains."""
    user = assignment.user
    role = Role(assignment.role)
    if actor is not None and not actor.is_superuser:
        if role not in roles_assignable_by(actor):
            raise PermissionDenied(ROLE_NOT_ASSIGNABLE)
        if not units_visible_to(actor, role=role).filter(pk=assignment.scope_id).exists():
            raise PermissionDenied(SCOPE_OUTSIDE_YOURS)
    with transaction.atomic():
        # Log first: the entry refers to the assignment's primary key.
        log(
            instance=assignment,
            action="people.role_revoke",
            user=actor,
            data={"user": user.employee_number, "role": role.value, "scope": assignment.scope.code},
        )
        assignment.delete()
        _forget_roles(user)
        remaining = RoleAssignment.objects.filter(user=user, role=role).exists()
        if role in ROLE_GROUPS and not remaining:
            user.groups.remove(*Group.objects.filter(name=ROLE_GROUPS[role]))


def person_set_password(*, person: User, password: str, actor: User) -> None:
    """A staff member sets someone's password: allowed, audited, and the person is told.

    Only for a person the actor may manage (``selectors.user_may_manage_person``): never a
    superuser or someone holding an equal or higher role, unless the actor is a superuser.
    The audit entry names who and whom, never the password. The person gets an e-mail
    (when they have an address) so that a takeover does not go unnoticed.
    """
    if actor.pk != person.pk and not user_may_manage_person(actor, person):
        raise PermissionDenied(PERSON_NOT_MANAGEABLE)
    with transaction.atomic():
        person.set_password(password)
        person.save(update_fields=["password"])
        log(
            instance=person,
            action="people.password_set",
            user=actor,
            data={"person": person.employee_number, "by": actor.employee_number},
        )
    if person.email:
        with override(settings.LANGUAGE_CODE):
            body = PASSWORD_SET_MAIL_BODY % {
                "name": person.name or person.employee_number,
                "actor": str(actor),
                "time": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
                "employee_number": person.employee_number,
            }
            subject = settings.EMAIL_SUBJECT_PREFIX + str(PASSWORD_SET_MAIL_SUBJECT)
        send_mail(subject, body, None, [person.email], fail_silently=True)


# --- roster import --------------------------------------------------------------------------
@dataclass
class RosterChange:
    """One person the import creates, updates or deactivates (for the preview)."""

    employee_number: str
    name: str
    unit: str
    fields: list[str] = field(default_factory=list)


@dataclass
class RosterImportResult:
    filename: str
    dry_run: bool = False
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deactivated: int = 0
    errors: list[RosterError] = field(default_factory=list)
    to_create: list[RosterChange] = field(default_factory=list)
    to_update: list[RosterChange] = field(default_factory=list)
    to_deactivate: list[RosterChange] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def counts(self) -> dict[str, int]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "deactivated": self.deactivated,
        }


def _roster_values(row: roster.RosterRow) -> dict:
    """The fields the row sets; a blank optional cell (None) keeps the stored value."""
    values = {"name": row.name, "org_unit": row.org_unit, "is_active": row.is_active}
    for name in ("rank", "email", "phone", "national_id"):
        if getattr(row, name) is not None:
            values[name] = getattr(row, name)
    for name in ("is_leading_cadre", "is_enforcement_officer"):
        if getattr(row, name) is not None:
            values[name] = getattr(row, name)
    return values


def _changed_fields(person: User, values: dict) -> list[str]:
    changed = []
    for name, value in values.items():
        current = getattr(person, "org_unit_id" if name == "org_unit" else name)
        wanted = value.pk if name == "org_unit" else value
        if name == "email":
            current, wanted = (current or "").lower(), (wanted or "").lower()
        if current != wanted:
            changed.append(name)
    return changed


def _roster_protected_rows(
    rows: list[roster.RosterRow], existing: dict[str, User], actor: User | None
) -> list[RosterError]:
    """Rows that would change someone the actor may not manage (a superuser, a staff
    colleague): a roster must not be a way round ``user_may_manage_person``."""
    if actor is None or actor.is_superuser:
        return []
    manageable = set(
        people_manageable_by(actor)
        .filter(pk__in=[p.pk for p in existing.values()])
        .values_list("pk", flat=True)
    )
    errors = []
    for row in rows:
        person = existing.get(row.employee_number)
        if person is not None and person.pk not in manageable:
            if _changed_fields(person, _roster_values(row)):
                errors.append(
                    RosterError(row.row, roster.COL_EMPLOYEE_NUMBER, str(PERSON_NOT_MANAGEABLE))
                )
    return errors


def roster_import(
    *,
    file: BinaryIO,
    filename: str,
    actor: User | None = None,
    dry_run: bool = False,
    deactivate_missing: bool = False,
    mapping: dict[str, str] | None = None,
) -> RosterImportResult:
    """Bring people in line with an HR roster: all rows valid, or nothing is written.

    People are matched by employee number, so a re-import updates instead of duplicating.
    New people get an unusable password and set their own through the reset e-mail.
    ``deactivate_missing`` deactivates (never deletes) people of the units named in the
    file who are absent from it. An actor who is not a superuser is held to their HR scope.
    """
    result = RosterImportResult(filename=filename, dry_run=dry_run)
    try:
        data = roster.read_upload(file, filename)
        frame = roster.read_table(data, filename, columns=roster.ROSTER_COLUMNS, mapping=mapping)
    except roster.RosterFileError as exc:
        result.errors.append(RosterError(None, "", str(exc)))
        return result
    rows, row_errors = roster.parse_rows(frame)
    allowed = None
    if actor is not None and not actor.is_superuser:
        allowed = units_visible_to(actor, role=Role.HR)
    existing, db_errors = roster.check_against_database(rows, allowed_units=allowed)
    if not row_errors and not db_errors:
        db_errors = _roster_protected_rows(rows, existing, actor)
    # Report every problem at once, in the order the user reads the sheet.
    result.errors = sorted(row_errors + db_errors, key=lambda e: (e.row or 0, e.column))
    if result.errors:
        return result

    plan: list[tuple[User, dict, list[str]]] = []
    for row in rows:
        values = _roster_values(row)
        person = existing.get(row.employee_number)
        unit_name = row.org_unit.name
        if person is None:
            person = User(employee_number=row.employee_number, **values)
            person.set_unusable_password()
            plan.append((person, values, []))
            result.to_create.append(RosterChange(row.employee_number, row.name, unit_name))
            result.created += 1
            continue
        changed = _changed_fields(person, values)
        if changed:
            labels = [str(User._meta.get_field(n).verbose_name) for n in changed]
            result.to_update.append(RosterChange(row.employee_number, row.name, unit_name, labels))
            plan.append((person, values, changed))
            result.updated += 1
        else:
            result.unchanged += 1

    missing = User.objects.none()
    if deactivate_missing:
        unit_ids = {row.org_unit.pk for row in rows}
        in_file = {row.employee_number for row in rows}
        active = User.objects.filter(is_active=True, is_superuser=False).select_related("org_unit")
        if actor is not None:
            active = active.exclude(pk=actor.pk)
            if not actor.is_superuser:  # never deactivate someone one may not manage
                active = active.filter(pk__in=people_manageable_by(actor).values("pk"))
        # The file's numbers are left out in Python: as an ``exclude(__in=...)`` they would
        # be one SQL parameter each, over the database's limit for a large roster.
        missing = [
            person
            for person in filter_in(active, "org_unit_id__in", unit_ids)
            if person.employee_number not in in_file
        ]
        for person in missing:
            result.to_deactivate.append(
                RosterChange(person.employee_number, person.name, person.org_unit.name)
            )
        result.deactivated = len(missing)

    if dry_run:
        return result
    with transaction.atomic():
        _roster_write(plan)
        update_in(User.objects.all(), "pk__in", [p.pk for p in missing], is_active=False)
        for unit in filter_in(OrgUnit.objects.all(), "pk__in", {row.org_unit.pk for row in rows}):
            log(
                instance=unit,
                action="people.roster_import",
                user=actor,
                data={"filename": filename, **result.counts()},
            )
    return result


def _roster_write(plan: list[tuple[User, dict, list[str]]]) -> None:
    # Addresses move between people in one file: clear the changed ones first so the
    # unique e-mail constraint never sees two people with the same address mid-import.
    movers = [p.pk for p, _values, changed in plan if p.pk and "email" in changed]
    update_in(User.objects.all(), "pk__in", movers, email="")
    for person, values, changed in plan:
        if person.pk is None:
            person.full_clean(validate_unique=False, validate_constraints=False)
            person.save()
            continue
        for name in changed:
            setattr(person, name, values[name])
        person.full_clean(validate_unique=False, validate_constraints=False)
        person.save(update_fields=[*changed])
