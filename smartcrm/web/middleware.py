"""Each user reads SmartCRM in their own language (else their organisation's)."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable

from csp.middleware import CSPMiddleware
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils import translation
from django.utils.cache import patch_cache_control

from smartcrm.core.audit import Origin, Via, reset_origin, set_origin
from smartcrm.web.client import client_address


def _address(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


class AuditOriginMiddleware:
    """Where a request's changes come from, for the audit log: web or API, the client's
    address (``web.client.client_address``: behind SMARTCRM_TRUSTED_PROXIES proxies, the
    one the outermost saw) and user agent. The API's token is added when the bearer is
    resolved."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = set_origin(
            Origin(
                via=Via.API if request.path.startswith("/api/") else Via.WEB,
                ip=_address(client_address(request)),
                user_agent=request.headers.get("User-Agent", "")[:255],
            )
        )
        try:
            return self.get_response(request)
        finally:
            reset_origin(token)


class UserLanguageMiddleware:
    """After authentication: a logged-in user's chosen language wins over the browser's."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.known = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/api/"):  # the API speaks English; no session read
            return self.get_response(request)
        user = getattr(request, "user", None)
        language = getattr(user, "language", "") if user is not None else ""
        if language in self.known:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)


# Powerful browser features SmartCRM never uses: no page of it (nor a script injected into one)
# may ask for them, nor take part in interest-based advertising (browsing-topics). Only
# features browsers know: an unknown one is ignored and logged on every page's console.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer", "autoplay", "browsing-topics", "camera", "display-capture",
        "geolocation", "gyroscope", "hid", "magnetometer", "microphone", "midi", "payment",
        "publickey-credentials-get", "screen-wake-lock", "serial", "usb", "xr-spatial-tracking",
    )
)  # fmt: skip

# The client's offer page (/o/<token>/...) shows an offer to whoever holds the link: personal.
_PERSONAL_PUBLIC_PREFIXES = ("/o/",)


class SecurityHeadersMiddleware:
    """First in the chain: Permissions-Policy on every response, static files included, and
    `Cache-Control: no-store, private` on whatever an authenticated user or token receives."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        if _is_personal(request):
            # A shared or back-button cache must not keep a page with someone's data.
            patch_cache_control(response, no_store=True, private=True)
        return response


def _is_personal(request: HttpRequest) -> bool:
    if request.path.startswith(_PERSONAL_PUBLIC_PREFIXES):
        return True
    if request.headers.get("Authorization"):  # an API call with a token, valid or not
        return True
    # Static files never get here with a user (WhiteNoise answers before authentication), and
    # an anonymous visitor without a session cookie costs no session read.
    user = getattr(request, "user", None)
    if user is None or settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return False
    return bool(user.is_authenticated)


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's policy (settings.CONTENT_SECURITY_POLICY) on every response but a PDF's:
    Chromium shows a PDF in a page of its own making, whose inline styles and plugin frame
    the policy would refuse (a blank or clipped viewer)."""

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if response.get("Content-Type", "").startswith("application/pdf"):
            return response
        return super().process_response(request, response)
