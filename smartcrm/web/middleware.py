"""Each user reads SmartCRM in their own language (else their organisation's)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation


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
