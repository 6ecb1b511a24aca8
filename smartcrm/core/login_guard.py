"""Failed logins slow down, then lock for a while: per account and per address.

Each failure (a wrong password on the login page or the admin's, an unknown API token)
is counted for the account tried and for the address it came from. The first failures
are free; after them each attempt waits a growing delay after the last failure (2, 4,
8 … seconds, at most a minute), and at ``SMARTCRM_LOGIN_LOCK_AFTER`` failures the
account (or address) is locked for ``SMARTCRM_LOGIN_LOCK_MINUTES``. An attempt refused
this way is not checked at all, so a right password does not get through a lock. A
successful login forgets its account's failures. Password reset requests are limited the
same way, per address and per e-mail address, whether or not an account holds it.

Counted in Django's cache like the API's rate limits: in Redis with ``REDIS_URL``, shared
by every process; without it, per process (each web process counts its own share). An
unreachable cache counts nothing and refuses nobody: the password still has to be right.
Nothing here reads a request; the edges pass the account and the address.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from smartcrm.core.ratelimits import hit

logger = logging.getLogger("smartcrm.security")

# Failures before the first delay, per account; an address (an office behind one
# router) gets more.
FREE_FAILURES = 3
ADDRESS_FREE_FAILURES = 10
LONGEST_DELAY = 60
# An address locks after this many times the account's limit.
ADDRESS_FACTOR = 5
RESET_PER_HOUR = 5
RESET_PER_HOUR_PER_ADDRESS = 20


@dataclass(frozen=True)
class Refusal:
    """Why an attempt is refused now, and for how many seconds more."""

    locked: bool
    seconds: int


def _key(kind: str, value: str) -> str:
    digest = hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]
    return f"login-guard:{kind}:{digest}"


def _lock_after(kind: str) -> int:
    limit = int(settings.SMARTCRM_LOGIN_LOCK_AFTER)
    return limit * ADDRESS_FACTOR if kind == "address" else limit


def _refusal(kind: str, failures: int, last: float, now: float) -> Refusal | None:
    if failures >= _lock_after(kind):
        left = last + settings.SMARTCRM_LOGIN_LOCK_MINUTES * 60 - now
        return Refusal(locked=True, seconds=math.ceil(left)) if left > 0 else None
    free = ADDRESS_FREE_FAILURES if kind == "address" else FREE_FAILURES
    if failures < free:
        return None
    left = last + min(2 ** (failures - free + 1), LONGEST_DELAY) - now
    return Refusal(locked=False, seconds=math.ceil(left)) if left > 0 else None


def _state(key: str) -> tuple[int, float]:
    found = cache.get_many([f"{key}:n", f"{key}:t"])
    return int(found.get(f"{key}:n") or 0), float(found.get(f"{key}:t") or 0.0)


def login_refusal(*, account: str, address: str) -> Refusal | None:
    """Whether an attempt for ``account`` from ``address`` must wait (or is locked)."""
    now = time.time()
    try:
        refusals = [
            _refusal(kind, *_state(_key(kind, value)), now)
            for kind, value in (("account", account), ("address", address))
            if value
        ]
    except Exception:
        logger.warning("Login attempts not checked: the cache is unreachable.", exc_info=True)
        return None
    found = [refusal for refusal in refusals if refusal is not None]
    return max(found, key=lambda r: (r.locked, r.seconds)) if found else None


def login_failed(*, account: str, address: str, channel: str) -> None:
    """Count a failed attempt for the account and the address."""
    now = time.time()
    timeout = settings.SMARTCRM_LOGIN_LOCK_MINUTES * 60 + LONGEST_DELAY
    try:
        for kind, value in (("account", account), ("address", address)):
            if not value:
                continue
            key = _key(kind, value)
            cache.add(f"{key}:n", 0, timeout=timeout)
            try:
                failures = cache.incr(f"{key}:n")
            except ValueError:  # evicted between add and incr
                cache.set(f"{key}:n", 1, timeout=timeout)
                failures = 1
            cache.set(f"{key}:t", now, timeout=timeout)
            cache.touch(f"{key}:n", timeout)
            if failures == _lock_after(kind):
                logger.warning("Login locked: %s after %d failures (%s).", kind, failures, channel)
    except Exception:
        logger.warning("Failed login not counted: the cache is unreachable.", exc_info=True)
    logger.info("Failed login (%s) from %s.", channel, address or "an unknown address")


def login_succeeded(*, account: str) -> None:
    """A right password: the account's failures are forgotten (the address's are not)."""
    key = _key("account", account)
    try:
        cache.delete_many([f"{key}:n", f"{key}:t"])
    except Exception:
        logger.warning("Login failures not reset: the cache is unreachable.", exc_info=True)


def password_reset_refusal(*, email: str, address: str) -> Refusal | None:
    """Count a password reset request; refuse it past RESET_PER_HOUR for the e-mail
    address or RESET_PER_HOUR_PER_ADDRESS for the address it came from."""
    refused = None
    try:
        for kind, value, limit in (
            ("reset-email", email, RESET_PER_HOUR),
            ("reset-address", address, RESET_PER_HOUR_PER_ADDRESS),
        ):
            if value:
                count, seconds_left = hit(_key(kind, value), 3600)
                if count > limit:
                    refused = Refusal(locked=True, seconds=seconds_left)
    except Exception:
        logger.warning("Password resets not counted: the cache is unreachable.", exc_info=True)
        return None
    return refused
