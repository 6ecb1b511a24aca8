"""Request bodies are JSON; anything else is a 415, malformed JSON a 400, and a body larger
than DATA_UPLOAD_MAX_MEMORY_SIZE a 413 (read no further)."""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest
from ninja.parser import Parser

from smartcrm.api.problems import ApiProblem, too_large


class JsonOnlyParser(Parser):
    def parse_body(self, request: HttpRequest) -> Any:
        try:
            body = request.body
        except RequestDataTooBig:
            raise too_large(request) from None
        return self._parsed(request, body)

    def _parsed(self, request: HttpRequest, body: bytes) -> Any:
        content_type = request.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if body and content_type not in ("application/json", ""):
            raise ApiProblem(
                415, "Send the body as application/json.", code="unsupported_media_type"
            )
        if not body:
            return {}
        try:
            return json.loads(body)
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise ApiProblem(
                400, f"The body is not valid JSON: {error}.", field="body", code="invalid_json"
            ) from None
