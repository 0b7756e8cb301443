"""Who needs a second factor, and who has one."""

from allauth.mfa.models import Authenticator

from .models import Role

STAFF_ROLES = frozenset(r for r in Role if r != Role.LEARNER)


def user_requires_mfa(user) -> bool:
    """Anyone who can act on other people's data or on content needs a second factor."""
    if user.is_superuser or user.is_staff:
        return True
    return user.role_assignments.filter(role__in=STAFF_ROLES).exists()


def user_has_mfa(user) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
