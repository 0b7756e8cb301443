"""Template helpers of the law library: search highlighting and status badges."""

from __future__ import annotations

import re

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from cms.laws.data import ChangeStatus

register = template.Library()

BADGE_CLASSES = {
    ChangeStatus.UNCHANGED: "",
    ChangeStatus.MOVED: "badge--warn",
    ChangeStatus.CHANGED: "badge--warn",
    ChangeStatus.ADDED: "badge--ok",
    ChangeStatus.REMOVED: "badge--bad",
}


@register.filter
def highlight(text: str, terms: list[str]) -> SafeString:
    """Escape ``text`` and wrap every occurrence of a search term in ``<mark>``."""
    terms = [term for term in terms or [] if term]
    if not terms:
        return escape(text)
    pattern = re.compile("|".join(re.escape(term) for term in terms), re.IGNORECASE)
    pieces, last = [], 0
    for match in pattern.finditer(text):
        pieces.append(escape(text[last : match.start()]))
        pieces.append(f"<mark>{escape(match.group())}</mark>")
        last = match.end()
    pieces.append(escape(text[last:]))
    return mark_safe("".join(pieces))  # noqa: S308 - pieces are escaped above


@register.filter
def status_badge_class(status: ChangeStatus) -> str:
    return BADGE_CLASSES.get(status, "")


@register.filter
def status_label(status: ChangeStatus, labels: dict) -> str:
    return labels.get(status, status)


@register.filter
def paragraphs(text: str) -> list[str]:
    return text.splitlines()
