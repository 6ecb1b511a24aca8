"""Who is on the other end of a request: the client's address."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """The client's IP address: the connection's, or with ``SMARTCRM_TRUSTED_PROXIES``
    proxies in front, the one the outermost of them saw (the entries a client wrote
    into X-Forwarded-For itself stand before it and are not believed)."""
    proxies = settings.SMARTCRM_TRUSTED_PROXIES
    if proxies > 0:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return str(request.META.get("REMOTE_ADDR", ""))
