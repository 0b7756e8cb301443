"""The attempt token: the autosave endpoint's proof of who may write to which attempt, until when.

Signed with the project's SECRET_KEY, bound to the attempt and the candidate and expiring at the
deadline plus the network grace, so that the hot autosave path needs neither the session nor the
user from the database, and no CSRF cookie (the token travels in a request header).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing

SALT = "exams.attempt-token"


@dataclass(frozen=True)
class AttemptToken:
    attempt_id: int
    user_id: int
    expires: int  # unix seconds: deadline + grace

    def remaining_seconds(self, now: float) -> int:
        """Seconds left until the deadline (not counting the grace)."""
        return max(0, int(self.expires - settings.EXAM_NETWORK_GRACE_SECONDS - now))


class InvalidToken(Exception):
    pass


def token_for(*, attempt_id: int, user_id: int, deadline: datetime) -> str:
    expires = deadline + timedelta(seconds=settings.EXAM_NETWORK_GRACE_SECONDS)
    return signing.dumps([attempt_id, user_id, int(expires.timestamp())], salt=SALT, compress=False)


def token_read(value: str, *, now: float) -> AttemptToken:
    """Raises InvalidToken for a forged, malformed or expired token."""
    try:
        attempt_id, user_id, expires = signing.loads(value, salt=SALT)
    except (signing.BadSignature, ValueError, TypeError) as exc:
        raise InvalidToken("bad signature") from exc
    if now > expires:
        raise InvalidToken("expired")
    return AttemptToken(int(attempt_id), int(user_id), int(expires))
