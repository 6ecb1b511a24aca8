"""Fixed-window request counters in Django's cache, for the API's rate limits and the
client pages' (``REDIS_URL``: shared by every process; without it, per process)."""

from __future__ import annotations

import logging
import time

from django.core.cache import cache

logger = logging.getLogger(__name__)

PERIODS = {"s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60, "h": 3600, "hour": 3600}


def parse_rate(rate: str) -> tuple[int, int]:
    """ "600/minute" -> (600, 60)."""
    count, _sep, period = rate.partition("/")
    return int(count), PERIODS[period.strip().lower()]


def hit(bucket: str, period: int) -> tuple[int, int]:
    """Count one request in ``bucket``'s current window: (hits so far, seconds left)."""
    now = int(time.time())
    window = now - now % period
    key = f"ratelimit:{bucket}:{period}:{window}"
    # The window's counter lives a little past its end, then the cache forgets it.
    cache.add(key, 0, timeout=period + 5)
    try:
        hits = cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=period + 5)
        hits = 1
    return hits, window + period - now


def over_limit(bucket: str, rate: str) -> int | None:
    """Count one request in ``bucket``: the seconds to wait when it is over ``rate``
    ("60/minute"), else None. An unreachable cache counts nothing and refuses nobody."""
    if not rate:
        return None
    limit, period = parse_rate(rate)
    try:
        hits, seconds_left = hit(bucket, period)
    except Exception:
        logger.warning("Rate limit not counted: the cache is unreachable.", exc_info=True)
        return None
    return max(1, seconds_left) if hits > limit else None
