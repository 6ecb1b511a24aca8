"""Request bodies are JSON; anything else is a 415, and malformed JSON a 400."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest
from ninja.parser import Parser

from smartcrm.api.problems import ApiProblem


class JsonOnlyParser(Parser):
    def parse_body(self, request: HttpRequest) -> Any:
        content_type = request.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if request.body and content_type not in ("application/json", ""):
            raise ApiProblem(
                415, "Send the body as application/json.", code="unsupported_media_type"
            )
        if not request.body:
            return {}
        try:
            return json.loads(request.body)
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise ApiProblem(
                400, f"The body is not valid JSON: {error}.", field="body", code="invalid_json"
            ) from None
