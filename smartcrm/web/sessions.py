"""How long a login lasts: ended after SMARTCRM_SESSION_IDLE_SECONDS without a request, and
SMARTCRM_SESSION_MAX_SECONDS after it began, whatever the activity."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import resolve_url
from django.utils.translation import gettext as _

from smartcrm.core.audit import audit_login as record_login

STARTED_KEY = "_smartcrm_started"
SEEN_KEY = "_smartcrm_seen"

# A read must not write: the last-activity stamp is saved at most this often, so the idle time
# a session is judged by may be up to this much shorter than the real one.
SEEN_EVERY_SECONDS = 300


def stamp_login(sender: Any, request: HttpRequest | None, **kwargs: Any) -> None:
    """On `user_logged_in`: the session being written anyway notes when it began."""
    if request is None or not hasattr(request, "session"):
        return
    now = time.time()
    request.session[STARTED_KEY] = now
    request.session[SEEN_KEY] = now


def audit_login(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """On `user_logged_in`: the audit log's "logged in", in each of the user's organisations."""
    record_login(user=user, succeeded=True)


def audit_failed_login(sender: Any, credentials: dict[str, Any], **kwargs: Any) -> None:
    """On `user_login_failed`: the audit log's "login failed", for the address tried (the
    password is never passed on)."""
    email = str(credentials.get("username") or credentials.get("email") or "")
    record_login(user=None, email=email, succeeded=False)


class SessionLifetimeMiddleware:
    """After authentication and messages: logs out a session that sat idle or grew too old,
    with a message that the login page shows; notes activity without writing on every read."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # A token call or an anonymous visit: no session to read.
        if settings.SESSION_COOKIE_NAME in request.COOKIES and request.user.is_authenticated:
            ended = self._check(request)
            if ended and request.headers.get("HX-Request"):
                return _whole_page_to_login(request)
        return self.get_response(request)

    def _check(self, request: HttpRequest) -> bool:
        """Whether the session was ended (too old or idle too long)."""
        session = request.session
        now = time.time()
        started = session.get(STARTED_KEY)
        seen = session.get(SEEN_KEY)
        if not isinstance(started, int | float) or not isinstance(seen, int | float):
            session[STARTED_KEY] = session[SEEN_KEY] = now  # a login from before these limits
            return False
        if now - started > settings.SMARTCRM_SESSION_MAX_SECONDS:
            message = _("Your session has reached its maximum length. Please log in again.")
        elif now - seen > settings.SMARTCRM_SESSION_IDLE_SECONDS:
            message = _("You were logged out after a period of inactivity. Please log in again.")
        else:
            if now - seen > SEEN_EVERY_SECONDS:
                session[SEEN_KEY] = now
            return False
        logout(request)  # a fresh, empty session; the page then asks for a login
        messages.info(request, message)
        return True


def _whole_page_to_login(request: HttpRequest) -> HttpResponse:
    """An htmx request would swap the login page into a fragment: send the whole tab there,
    to come back to the page it was on."""
    page = urlsplit(request.headers.get("HX-Current-URL", ""))
    back = page.path + (f"?{page.query}" if page.query else "") if page.path else ""
    login = resolve_url(settings.LOGIN_URL)
    response = HttpResponse(status=200)
    response["HX-Redirect"] = f"{login}?{urlencode({'next': back})}" if back else login
    return response
