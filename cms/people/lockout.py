"""Failed logins: limits that slow a guesser down without handing strangers a lock-out.

Two fuses (DESIGN §5, login rate limits):

* allauth's ``login_failed`` limit, keyed by *account and client* (``AccountAdapter``): five
  wrong passwords from one client hold that client back for a few minutes, while the
  account's owner, at another desk or phone, still signs in. A per-client limit over all
  accounts (generous, so that an office behind one NAT is not punished for a few typos)
  stops password spraying.
* a slower, longer fuse per account over all clients (this module): many failures from many
  clients within an hour lock the account for a while. Its owner gets in at once through the
  password reset, which proves the mailbox and clears the fuse.

Both answer with how long to wait. The client address is allauth's (``get_client_ip``), which
honours ``ALLAUTH_TRUSTED_PROXY_COUNT`` behind reverse proxies.
"""

from __future__ import annotations

import math
import time

from django.conf import settings
from django.core.cache import cache

FUSE_CACHE_KEY = "people:login-fuse:{pk}"


def _key(user_pk: int) -> str:
    return FUSE_CACHE_KEY.format(pk=user_pk)


def login_fuse_wait_seconds(user_pk: int) -> int:
    """Seconds until the account's fuse lets logins through again (0: not blown)."""
    state = cache.get(_key(user_pk))
    if not state:
        return 0
    return max(0, math.ceil(state.get("locked_until", 0) - time.time()))


def login_fuse_record_failure(user_pk: int) -> None:
    """Count a wrong password for the account; blow the fuse at the configured number."""
    now = time.time()
    window = settings.LOGIN_ACCOUNT_FUSE_WINDOW_SECONDS
    limit = settings.LOGIN_ACCOUNT_FUSE_FAILURES
    state = cache.get(_key(user_pk)) or {}
    failures = [t for t in state.get("failures", []) if t > now - window][-limit:]
    failures.append(now)
    state = {"failures": failures, "locked_until": state.get("locked_until", 0)}
    if len(failures) >= limit:
        state = {"failures": [], "locked_until": now + settings.LOGIN_ACCOUNT_FUSE_LOCK_SECONDS}
    timeout = max(window, settings.LOGIN_ACCOUNT_FUSE_LOCK_SECONDS)
    cache.set(_key(user_pk), state, timeout=timeout)


def login_fuse_clear(user_pk: int) -> None:
    """The owner proved the mailbox (password reset): the account opens again."""
    cache.delete(_key(user_pk))


def minutes(seconds: float) -> int:
    """Whole minutes to tell a person, never 0."""
    return max(1, math.ceil(seconds / 60))
