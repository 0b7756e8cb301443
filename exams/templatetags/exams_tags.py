"""A person's open exams on CMS pages (``{% load exams_tags %}``), so ``cms`` never imports
``exams``. Costs a fixed number of queries (see ``selectors.my_exams``); nothing for visitors.
"""

from django import template

from exams import selectors

register = template.Library()


@register.inclusion_tag("exams/includes/my_open_exams.html", takes_context=True)
def my_open_exams(context) -> dict:
    """``{% my_open_exams %}``: the sessions the user may sit now or has in progress."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"rows": [], "show": False}
    return {"rows": selectors.my_exams(user).open, "show": True}
