"""Receivers: they only call services."""

from __future__ import annotations


def on_attempt_graded(sender, *, attempt, **kwargs) -> None:
    """A graded exam may issue a certificate or lift a review suspension (make-up exam)."""
    from .services import certificates_on_attempt_graded, review_make_up

    certificates_on_attempt_graded(attempt=attempt)
    review_make_up(attempt=attempt)
