"""Template tags of the people app: the signed-in person's unread notification count."""

from django import template

from cms.people.selectors import unread_notification_count

register = template.Library()


@register.simple_tag
def unread_notifications(user) -> int:
    """How many of ``user``'s notifications are unread (one query; 0 for anonymous)."""
    return unread_notification_count(user)
