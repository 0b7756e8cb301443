"""Template tags that other apps' templates (the site header) use to ask certification."""

from django import template

from cms.people.mfa import user_has_staff_role
from cms.people.models import Role

register = template.Library()


@register.simple_tag
def is_hr(user) -> bool:
    """Whether the header shows the HR link: the user holds the HR role somewhere.

    Every staff role makes its holder ``is_staff``, so the header of a learner's page (most
    pages) costs no query for this."""
    if not getattr(user, "is_staff", False):
        return False
    return user_has_staff_role(user, roles=[Role.HR])


@register.filter
def appraisal_reasons(reasons) -> str:
    """An appraisal record's reasons in the reader's language, as one line."""
    from certification.services.appraisal import appraisal_reasons_text

    return appraisal_reasons_text(reasons)
