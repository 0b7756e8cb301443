"""Writes of the certification app (credentials, reviews, certificates, batch jobs)."""

from .batches import batch_job_run, batch_pdfs_start, review_job_start
from .certificates import (
    certificate_number_next,
    certificates_on_attempt_graded,
    learning_certificate_issue,
    learning_certificate_refusals,
    pre_appointment_certificate_issue,
)
from .credentials import (
    TRANSITION_SERVICES,
    TRANSITIONS,
    allowed_actions,
    credential_cancel,
    credential_expire,
    credential_issue,
    credential_issue_refusals,
    credential_number_next,
    credential_renew,
    credential_restore,
    credential_revoke,
    credential_suspend,
    credentials_expire_due,
    unit_area_code,
    validity_end,
)
from .reviews import annual_review_outcomes, annual_review_run, renewal_due, review_make_up

__all__ = [
    "TRANSITIONS",
    "TRANSITION_SERVICES",
    "allowed_actions",
    "annual_review_outcomes",
    "annual_review_run",
    "batch_job_run",
    "batch_pdfs_start",
    "certificate_number_next",
    "certificates_on_attempt_graded",
    "credential_cancel",
    "credential_expire",
    "credential_issue",
    "credential_issue_refusals",
    "credential_number_next",
    "credential_renew",
    "credential_restore",
    "credential_revoke",
    "credential_suspend",
    "credentials_expire_due",
    "learning_certificate_issue",
    "learning_certificate_refusals",
    "pre_appointment_certificate_issue",
    "renewal_due",
    "review_job_start",
    "review_make_up",
    "unit_area_code",
    "validity_end",
]
