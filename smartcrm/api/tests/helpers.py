"""Helpers for API tests: a real bearer token, JSON calls."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

from smartcrm.core.models import Organization, User
from smartcrm.core.tokens import api_token_create


class ApiClient:
    """The Django test client speaking JSON with a personal API token."""

    def __init__(self, org: Organization, user: User, name: str = "test") -> None:
        token, self.token = api_token_create(org=org, user=user, name=name)
        self.token_id = token.pk
        self.client = Client()

    def call(self, method: str, path: str, body: Any = None, **headers: str) -> Any:
        extra = {"HTTP_AUTHORIZATION": f"Bearer {self.token}"}
        extra.update({f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()})
        if body is not None:
            return getattr(self.client, method.lower())(
                path, data=json.dumps(body), content_type="application/json", **extra
            )
        return getattr(self.client, method.lower())(path, **extra)

    def get(self, path: str, **headers: str) -> Any:
        return self.call("GET", path, **headers)

    def post(self, path: str, body: Any = None, **headers: str) -> Any:
        return self.call("POST", path, {} if body is None else body, **headers)

    def patch(self, path: str, body: Any, **headers: str) -> Any:
        return self.call("PATCH", path, body, **headers)

    def delete(self, path: str, **headers: str) -> Any:
        return self.call("DELETE", path, **headers)
