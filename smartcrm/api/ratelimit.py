"""Rate limits per token (or session) and per organisation, shared by every web process.

Fixed windows counted in the database with one atomic upsert per request, so limits hold
across gunicorn workers and machines without another service.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.db import connection, transaction
from django.http import HttpRequest
from ninja.throttling import BaseThrottle

from smartcrm.api.auth import Actor

PERIODS = {"s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60, "h": 3600, "hour": 3600}


def parse_rate(rate: str) -> tuple[int, int]:
    """ "600/minute" -> (600, 60)."""
    count, _sep, period = rate.partition("/")
    return int(count), PERIODS[period.strip().lower()]


def hit(bucket: str, period: int) -> tuple[int, int]:
    """Count one request in ``bucket``'s current window: (hits so far, seconds left)."""
    now = int(time.time())
    window = now - now % period
    table = "api_ratecounter"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (bucket, window_start, hits) VALUES (%s, %s, 1) "
            "ON CONFLICT (bucket, window_start) DO UPDATE SET hits = "
            f"{table}.hits + 1 RETURNING hits",
            [bucket, window],
        )
        hits = cursor.fetchone()[0]
        if hits == 1:  # first hit of a window: drop windows long gone
            cursor.execute(f"DELETE FROM {table} WHERE window_start < %s", [window - 3600])
    return hits, window + period - now


class _ActorThrottle(BaseThrottle):
    setting = ""

    def __init__(self) -> None:
        self._wait: float | None = None

    def bucket(self, actor: Actor) -> str:
        raise NotImplementedError

    def allow_request(self, request: HttpRequest) -> bool:
        actor = getattr(request, "auth", None)
        rate = getattr(settings, self.setting, "")
        if not isinstance(actor, Actor) or not rate:
            return True
        limit, period = parse_rate(rate)
        hits, seconds_left = hit(self.bucket(actor), period)
        self._wait = seconds_left
        return hits <= limit

    def wait(self) -> float | None:
        return self._wait


class TokenThrottle(_ActorThrottle):
    """SMARTCRM_API_RATE_PER_TOKEN requests per window for one token (or session user)."""

    setting = "SMARTCRM_API_RATE_PER_TOKEN"

    def bucket(self, actor: Actor) -> str:
        return actor.rate_bucket


class OrganizationThrottle(_ActorThrottle):
    """SMARTCRM_API_RATE_PER_ORG requests per window for a whole organisation."""

    setting = "SMARTCRM_API_RATE_PER_ORG"

    def bucket(self, actor: Actor) -> str:
        return f"org:{actor.org.pk}"
