"""Receivers: they only call services."""

from .services.topics import topics_ensure_defaults


def flag_questions_on_amendment(sender, *, version, previous, **kwargs) -> None:
    from .services import questions_flag_amended

    questions_flag_amended(previous=previous, version=version)


def ensure_default_topics(sender, **kwargs) -> None:
    topics_ensure_defaults()
