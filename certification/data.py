"""Plain answers of the certification app that other apps and the public API read.

Standard library only, so that importing it never pulls in models.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class Verification:
    """What the public verification page may say about a document: nothing more.

    No national ID, phone, e-mail or full name ever goes in here; the template and the JSON
    answer are built from this object alone.
    """

    document_type: str
    number: str
    holder_masked: str
    authority: str
    domain: str
    area: str
    issued_on: datetime.date
    valid_until: datetime.date | None
    status: str
    status_label: str
    status_reason: str = ""  # why a certificate was withdrawn or revoked ("" otherwise)

    def as_json(self) -> dict:
        return {
            "found": True,
            "document_type": self.document_type,
            "number": self.number,
            "holder": self.holder_masked,
            "authority": self.authority,
            "domain": self.domain,
            "area": self.area,
            "issued_on": self.issued_on.isoformat(),
            "valid_until": self.valid_until.isoformat() if self.valid_until else None,
            "status": self.status,
            "status_label": self.status_label,
            "status_reason": self.status_reason,
        }


@dataclass(frozen=True)
class ReviewOutcome:
    """The annual review's verdict on one credential (computed; written unless a dry run)."""

    credential_id: int
    number: str
    holder_name: str
    year: int
    exam_passed: bool
    hours_earned: Decimal
    hours_required: Decimal
    reasons: tuple[str, ...]
    # "" (passed), "suspend", "revoke", "keep_suspended", or "skip" (already reviewed)
    consequence: str

    @property
    def passed(self) -> bool:
        return not self.reasons


@dataclass
class ReviewReport:
    year: int
    dry_run: bool
    outcomes: list[ReviewOutcome] = field(default_factory=list)
    renewal_due: list[tuple[str, str, datetime.date]] = field(default_factory=list)

    def count(self, consequence: str) -> int:
        return sum(1 for o in self.outcomes if o.consequence == consequence)

    @property
    def totals(self) -> dict[str, int]:
        reviewed = [o for o in self.outcomes if o.consequence != "skip"]
        return {
            "reviewed": len(reviewed),
            "passed": sum(1 for o in reviewed if o.passed),
            "failed": sum(1 for o in reviewed if not o.passed),
            "suspended": self.count("suspend"),
            "revoked": self.count("revoke"),
            "kept_suspended": self.count("keep_suspended"),
            "skipped": self.count("skip"),
            "renewal_due": len(self.renewal_due),
        }


@dataclass(frozen=True)
class AppointmentCheck:
    """May this person be appointed now, and why (not)."""

    may_appoint: bool
    reasons: tuple[str, ...]
    certificate_number: str = ""
    valid_until: datetime.date | None = None
