"""Domain errors of the certification app; their messages are shown to users as they are."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied


class CertificationError(Exception):
    """A request the rules refuse. ``reasons`` lists every rule that failed."""

    def __init__(self, message, reasons: list | tuple = ()):
        super().__init__(str(message))
        self.message = message
        self.reasons = [str(r) for r in reasons] or [str(message)]


class InvalidTransition(CertificationError):
    """The credential's current status does not allow this transition (see TRANSITIONS)."""


class IssueRefused(CertificationError):
    """The holder does not (yet) meet the conditions for a credential."""


class OutOfScope(PermissionDenied):
    """The actor is not a legal affairs officer over the holder's unit."""
