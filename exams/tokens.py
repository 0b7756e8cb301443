"""The attempt token: the autosave endpoint's proof of who may write to which attempt.

Signed with the project's SECRET_KEY and bound to the attempt, the candidate and the page load
(``writer``: a random number per rendering of the paper, which lets the server order the
changes of one page by their sequence numbers and those of different pages — two devices —
by arrival). The hot autosave path needs neither the session nor the user from the database,
and no CSRF cookie (the token travels in a request header).

The token is not what keeps time: the save statement checks the attempt's deadline in the
database, so extra time given while the candidate sits takes effect at once, and a save after
the deadline and its network grace is refused whatever the token says. ``expires`` (the
deadline plus the grace when the token was made) only tells the page its time, and lets the
server refuse tokens long past any possible deadline before touching the database.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing

SALT = "exams.attempt-token"

# How long after its own expiry a token is still looked at (the database decides): room for
# the extra time an administrator can give to a running attempt after an incident.
STALE_ALLOWANCE_SECONDS = 12 * 3600


@dataclass(frozen=True)
class AttemptToken:
    attempt_id: int
    user_id: int
    expires: int  # unix seconds: deadline + grace, when the token was made
    writer: int = 0  # the page load that holds the token


class InvalidToken(Exception):
    pass


def new_writer() -> int:
    """A page load's number: random, never 0 (0 marks a slot nobody has written)."""
    return secrets.randbelow(2**31 - 2) + 1


def token_expiry(deadline: datetime) -> int:
    """The ``expires`` of a token made for this deadline."""
    return int((deadline + timedelta(seconds=settings.EXAM_NETWORK_GRACE_SECONDS)).timestamp())


def token_for(
    *, attempt_id: int, user_id: int, deadline: datetime, writer: int | None = None
) -> str:
    writer = new_writer() if writer is None else writer
    return signing.dumps(
        [attempt_id, user_id, token_expiry(deadline), writer], salt=SALT, compress=False
    )


def token_read(value: str, *, now: float) -> AttemptToken:
    """Raises InvalidToken for a forged or malformed token, or one far past any deadline."""
    try:
        attempt_id, user_id, expires, writer = signing.loads(value, salt=SALT)
    except (signing.BadSignature, ValueError, TypeError) as exc:
        raise InvalidToken("bad signature") from exc
    if now > expires + STALE_ALLOWANCE_SECONDS:
        raise InvalidToken("expired")
    return AttemptToken(int(attempt_id), int(user_id), int(expires), int(writer))
