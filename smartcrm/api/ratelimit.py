"""Rate limits per token (or session) and per organisation, shared by every web process.

Fixed windows counted in Django's cache: with ``REDIS_URL`` set, in Redis, so limits hold
across gunicorn workers and machines; without it (the embedded default), in each process's
memory, so each web process counts its own share (documented in the README). Counting never
writes to the database. If the cache is unreachable the request is let through and the
outage logged: a limit is a guard against abuse, not a reason to refuse every caller.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import HttpRequest
from ninja.throttling import BaseThrottle

from smartcrm.api.auth import Actor
from smartcrm.core.ratelimits import hit, parse_rate

logger = logging.getLogger(__name__)


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
        try:
            hits, seconds_left = hit(self.bucket(actor), period)
        except Exception:  # the cache server is down: count nothing, refuse nobody
            logger.warning("Rate limit not counted: the cache is unreachable.", exc_info=True)
            return True
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
