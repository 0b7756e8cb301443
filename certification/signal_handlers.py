"""Receivers: they only call services."""

from __future__ import annotations


def on_attempt_graded(sender, *, attempt, **kwargs) -> None:
    """A graded exam may issue a certificate or lift a review suspension (make-up exam)."""
    from exams.api import sitting_of

    from .services import certificates_on_attempt_graded, review_make_up

    sitting = sitting_of(attempt)
    certificates_on_attempt_graded(sitting=sitting)
    review_make_up(sitting=sitting)


def on_regrade_consequences(sender, *, regrade, **kwargs) -> list:
    """The dry run of a regrade: what certification would change (nothing is written)."""
    from .services.regrade import regrade_consequences

    return regrade_consequences(regrade=regrade)


def on_results_regraded(sender, *, regrade, **kwargs) -> None:
    """A committed regrade: bring certificates, credential reviews and appraisals in line."""
    from .services.regrade import regrade_apply

    regrade_apply(regrade=regrade)
