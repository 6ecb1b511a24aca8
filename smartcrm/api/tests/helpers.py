"""Helpers for API tests: a real bearer token, JSON calls, problem fields, query counts."""

from __future__ import annotations

import json
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from smartcrm.core.models import Organization, User
from smartcrm.core.tokens import api_token_create

PROBLEM = "application/problem+json"


def bearer(org: Organization, user: User) -> dict[str, str]:
    """The Authorization header of a new personal API token, for the test client."""
    _, token = api_token_create(org=org, user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def send(client: Any, method: str, path: str, body: Any = None, **headers: str) -> Any:
    """A call with ``body`` as JSON; a POST without one sends no body at all, as
    ``curl -X POST`` does."""
    if body is None and method == "post":
        return client.post(path, content_type="application/json", **headers)
    if body is None:
        return getattr(client, method)(path, **headers)
    return getattr(client, method)(
        path, data=json.dumps(body), content_type="application/json", **headers
    )


def error_fields(response: Any, status: int) -> list[str | None]:
    """The fields of a problem answer's errors, after checking its status and type."""
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    return [error["field"] for error in response.json()["errors"]]


def queries_of(client: Any, path: str, auth: dict[str, str], *, rows: int) -> int:
    """Queries one list request runs (after a first request that marks the token used)."""
    client.get(path, **auth)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, **auth)
    assert response.status_code == 200, response.content
    assert len(response.json()["items"]) == rows
    return len(queries)


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
