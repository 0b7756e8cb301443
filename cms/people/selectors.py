"""Reads about people, units and roles. Every staff view asks these what it may show.

Scope is the union of the subtrees of a user's staff role assignments. Subtrees are read
from treebeard's materialised path (``path__startswith``), so each question costs a fixed
number of queries however deep or wide the tree is.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from .models import Notification, OrgUnit, Role, RoleAssignment, User

# A learner "role" never widens what a person may see of others.
STAFF_ROLES = frozenset(r for r in Role if r != Role.LEARNER)

# Set on a request's user by the MFA middleware (``cms.people.mfa``): False when the session
# did not pass the second factor. Such a session sees nobody else, whatever its roles; users
# loaded outside a request (tasks, commands) do not carry the mark.
SESSION_MFA_ATTRIBUTE = "_session_passed_mfa"


def _acts_with_full_rights(user) -> bool:
    """An active user whose session, if it is a request's, passed the second factor."""
    return (
        getattr(user, "is_authenticated", False)
        and user.is_active
        and getattr(user, SESSION_MFA_ATTRIBUTE, None) is not False
    )


def _is_superuser(user) -> bool:
    return getattr(user, "is_superuser", False) and _acts_with_full_rights(user)


def _scope_paths(user, role: Role | None) -> list[str]:
    """The paths of the scope units of the user's staff assignments (of ``role`` if given)."""
    if not _acts_with_full_rights(user):
        return []
    assignments = RoleAssignment.objects.filter(user=user)
    if role is not None:
        if role == Role.LEARNER:
            return []
        assignments = assignments.filter(role=role)
    else:
        assignments = assignments.filter(role__in=STAFF_ROLES)
    paths = sorted(set(assignments.values_list("scope__path", flat=True)))
    # Drop paths inside another one: a nested assignment adds nothing to the union.
    kept: list[str] = []
    for path in paths:
        if not any(path.startswith(k) for k in kept):
            kept.append(path)
    return kept


def _subtree_q(paths: list[str], prefix: str = "") -> Q:
    q = Q(pk__in=[])
    for path in paths:
        q |= Q(**{f"{prefix}path__startswith": path})
    return q


def units_visible_to(user, *, role: Role | None = None) -> QuerySet[OrgUnit]:
    """The org units the user may act on: all for superusers, none for plain learners."""
    if _is_superuser(user):
        return OrgUnit.objects.all()
    paths = _scope_paths(user, role)
    if not paths:
        return OrgUnit.objects.none()
    return OrgUnit.objects.filter(_subtree_q(paths))


def people_visible_to(user, *, role: Role | None = None) -> QuerySet[User]:
    """People whose unit lies within the user's scope (superusers: everyone)."""
    if _is_superuser(user):
        return User.objects.all()
    paths = _scope_paths(user, role)
    if not paths:
        return User.objects.none()
    return User.objects.filter(_subtree_q(paths, prefix="org_unit__"))


def user_can_see_person(user, person: User, *, role: Role | None = None) -> bool:
    """Whether ``person`` lies within the user's scope (one query for the person's unit)."""
    if _is_superuser(user):
        return True
    if person.org_unit_id is None:
        return False
    unit_path = OrgUnit.objects.filter(pk=person.org_unit_id).values_list("path", flat=True)
    unit_path = unit_path.first()
    return unit_path is not None and any(unit_path.startswith(p) for p in _scope_paths(user, role))


ROLE_CACHE_ATTRIBUTE = "_held_roles"


def user_roles(user) -> set[Role]:
    """The roles the user holds anywhere (learner included if assigned).

    Remembered on the user object: menus and permission checks of several apps ask this many
    times per request (role_assign / role_revoke forget it)."""
    if not getattr(user, "is_authenticated", False):
        return set()
    held = getattr(user, ROLE_CACHE_ATTRIBUTE, None)
    if held is None:
        values = RoleAssignment.objects.filter(user=user).values_list("role", flat=True)
        held = {Role(v) for v in values.distinct()}
        setattr(user, ROLE_CACHE_ATTRIBUTE, held)
    return held


def user_has_role(user, role: Role, *, unit: OrgUnit | None = None) -> bool:
    """Whether the user holds ``role`` (over ``unit``, i.e. at that unit or an ancestor)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if unit is None:
        return role in user_roles(user)
    assignments = RoleAssignment.objects.filter(user=user, role=role)
    # The scope must be the unit itself or one of its ancestors: a prefix of its path.
    prefixes = [unit.path[:i] for i in range(OrgUnit.steplen, len(unit.path) + 1, OrgUnit.steplen)]
    return assignments.filter(scope__path__in=prefixes).exists()


def unit_ancestor_names(units: list[OrgUnit]) -> dict[str, str]:
    """Map each unit's path to its full name path ("杭州市 / 西湖区 / 司法局"), in one query."""
    needed: set[str] = set()
    for unit in units:
        needed.update(
            unit.path[:i] for i in range(OrgUnit.steplen, len(unit.path) + 1, OrgUnit.steplen)
        )
    names = dict(OrgUnit.objects.filter(path__in=needed).values_list("path", "name"))
    result = {}
    for unit in units:
        parts = [
            names.get(unit.path[:i], "")
            for i in range(OrgUnit.steplen, len(unit.path) + 1, OrgUnit.steplen)
        ]
        result[unit.path] = " / ".join(p for p in parts if p)
    return result


def role_assignments_visible_to(user) -> QuerySet[RoleAssignment]:
    """Assignments whose scope lies within the user's scope (superusers: all)."""
    qs = RoleAssignment.objects.select_related("user", "scope")
    if _is_superuser(user):
        return qs
    paths = _scope_paths(user, None)
    if not paths:
        return qs.none()
    return qs.filter(_subtree_q(paths, prefix="scope__"))


def roles_assignable_by(user) -> list[Role]:
    """A scoped staff member may hand on only the staff roles they hold themselves."""
    if _is_superuser(user):
        return list(Role)
    held = user_roles(user)
    return [r for r in Role if r in held and r in STAFF_ROLES]


# --- who may manage whom --------------------------------------------------------------------
# The one ordering of roles for acting on a person's account (edit, deactivate, delete, set a
# password). A person may be managed only by someone who outranks every role the person holds
# (anywhere, not only within the manager's scope). Staff roles rank equal on purpose: a
# district HR officer who could reset an exam administrator's or a legal-affairs officer's
# password could act as them. So HR manages learners; staff accounts and superusers are
# managed by superusers. A deployment that wants a hierarchy changes this table only.
ROLE_RANK: dict[Role, int] = {
    Role.LEARNER: 0,
    Role.COURSE_AUTHOR: 1,
    Role.COURSE_REVIEWER: 1,
    Role.EXAM_ADMIN: 1,
    Role.HR: 1,
    Role.LEGAL_AFFAIRS: 1,
}
# Admin access (``is_staff``) without a role ranks as a staff role.
STAFF_FLAG_RANK = 1


def _user_rank(user) -> int:
    ranks = [ROLE_RANK[role] for role in user_roles(user)]
    if user.is_staff:
        ranks.append(STAFF_FLAG_RANK)
    return max(ranks, default=0)


def people_manageable_by(actor) -> QuerySet[User]:
    """People whose account ``actor`` may edit, deactivate, delete or set the password of.

    Superusers: everyone. Others: people within their scope who are not superusers and
    hold no role (nor admin access) ranking equal to or above the actor's own highest role.
    """
    if not _acts_with_full_rights(actor):
        return User.objects.none()
    if _is_superuser(actor):
        return User.objects.all()
    rank = _user_rank(actor)
    if rank == 0:
        return User.objects.none()
    outranking = [role for role, r in ROLE_RANK.items() if r >= rank]
    people = people_visible_to(actor).filter(is_superuser=False)
    people = people.exclude(
        pk__in=RoleAssignment.objects.filter(role__in=outranking).values("user_id")
    )
    if STAFF_FLAG_RANK >= rank:
        people = people.filter(is_staff=False)
    return people


def user_may_manage_person(actor, person: User) -> bool:
    """Whether ``actor`` may edit, deactivate, delete or set the password of ``person``."""
    if _is_superuser(actor):
        return True
    return people_manageable_by(actor).filter(pk=person.pk).exists()


# --- notifications (cms.people.notifications) -------------------------------------------------


def notifications_for(user) -> QuerySet[Notification]:
    """The person's own notifications, newest first (nobody sees another's)."""
    if not getattr(user, "is_authenticated", False):
        return Notification.objects.none()
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-pk")


def unread_notification_count(user) -> int:
    """How many of the person's notifications are unread (one query)."""
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()
