"""One small HTTP client for the public services SmartCRM reads (BNR, ANAF).

Every call has the timeout of SMARTCRM_HTTP_TIMEOUT, names SmartCRM in its User-Agent, and
retries politely: at most RETRIES more times, only when the service could not be reached or
said it is busy (a 5xx or a 429), after a growing pause or the Retry-After it asked for
(never longer than RETRY_AFTER_CAP; a longer wish is a clear "try later"). A read timeout is
not retried: a slow service is not helped by asking again. Whatever goes wrong becomes a
Conflict with a code such as "bnr_unavailable" and a message a person can act on; the
caller never sees a traceback.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import logging
import time
from dataclasses import dataclass
from typing import Any

import httpx
from django.conf import settings
from django.utils.translation import gettext as _

import smartcrm
from smartcrm.core.errors import Conflict

logger = logging.getLogger(__name__)

RETRIES = 2
BACKOFF_SECONDS = 0.5  # the first pause; each retry waits twice as long as the one before
RETRY_AFTER_CAP = 10.0  # seconds we are willing to wait when a service asks us to
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
DEFAULT_MAX_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True)
class HttpReply:
    """What a service answered: its status, content type and body (already read, capped)."""

    status: int
    content_type: str
    body: bytes

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


def user_agent() -> str:
    return f"SmartCRM/{smartcrm.__version__} (+{settings.SMARTCRM_PUBLIC_URL})"


def unavailable(service: str, message: str, *, field: str | None) -> Conflict:
    """The one error every failure of ``service`` becomes (code "<service>_unavailable")."""
    return Conflict(message, field=field, code=f"{service}_unavailable")


def _retry_after(reply: httpx.Response) -> float | None:
    """Seconds the service asked us to wait (Retry-After: seconds or an HTTP date)."""
    value = reply.headers.get("Retry-After", "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())


def _busy_for(seconds: float, *, service: str, label: str, field: str | None) -> Conflict:
    return unavailable(
        service,
        _("%(service)s is busy and asks us to come back in %(seconds)s s; try again later.")
        % {"service": label, "seconds": int(seconds)},
        field=field,
    )


def _read(
    reply: httpx.Response, max_bytes: int, *, service: str, label: str, field: str | None
) -> bytes:
    chunks: list[bytes] = []
    size = 0
    for chunk in reply.iter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise unavailable(
                service,
                _("%(service)s sent more data than we accept (over %(limit)s MB).")
                % {"service": label, "limit": max_bytes // (1024 * 1024)},
                field=field,
            )
        chunks.append(chunk)
    return b"".join(chunks)


def fetch(
    method: str,
    url: str,
    *,
    service: str,
    label: str,
    field: str | None = None,
    json: Any = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> HttpReply:
    """Ask ``url`` once, retrying politely; any answer that arrives is returned as it is
    (the caller judges a 404), a failure to get one is a Conflict naming the service."""
    timeout = float(settings.SMARTCRM_HTTP_TIMEOUT)
    headers = {"User-Agent": user_agent(), "Accept": "application/json, application/xml, */*"}
    with httpx.Client(
        timeout=timeout, headers=headers, follow_redirects=True, max_redirects=5
    ) as client:
        for attempt in range(RETRIES + 1):
            pause = BACKOFF_SECONDS * (2**attempt)
            try:
                with client.stream(method, url, json=json) as reply:
                    if reply.status_code in RETRY_STATUSES and attempt < RETRIES:
                        asked = _retry_after(reply)
                        if asked is not None and asked > RETRY_AFTER_CAP:
                            raise _busy_for(asked, service=service, label=label, field=field)
                        pause = asked if asked is not None else pause
                        logger.info(
                            "%s answered %s; retrying in %.1f s", label, reply.status_code, pause
                        )
                    else:
                        body = _read(reply, max_bytes, service=service, label=label, field=field)
                        content_type = reply.headers.get("Content-Type", "")
                        return HttpReply(reply.status_code, content_type.lower(), body)
            except (httpx.ConnectError, httpx.ConnectTimeout) as error:
                if attempt >= RETRIES:
                    raise unavailable(
                        service,
                        _("%(service)s cannot be reached right now; try again later.")
                        % {"service": label},
                        field=field,
                    ) from error
                logger.info("%s unreachable (%s); retrying in %.1f s", label, error, pause)
            except httpx.TimeoutException as error:
                raise unavailable(
                    service,
                    _("%(service)s did not answer within %(seconds)s s; try again later.")
                    % {"service": label, "seconds": f"{timeout:g}"},
                    field=field,
                ) from error
            except (httpx.HTTPError, httpx.InvalidURL) as error:
                raise unavailable(
                    service,
                    _("The connection to %(service)s failed; try again later.")
                    % {"service": label},
                    field=field,
                ) from error
            time.sleep(pause)
    # every attempt was a 5xx/429 except the last, which returned above
    raise AssertionError("unreachable")  # pragma: no cover


def busy_error(reply: HttpReply, *, service: str, label: str, field: str | None) -> Conflict:
    """An answer that is not the document asked for (a 4xx or 5xx) as a clear error."""
    return unavailable(
        service,
        _("%(service)s answered with an error (HTTP %(status)s); try again later.")
        % {"service": label, "status": reply.status},
        field=field,
    )
