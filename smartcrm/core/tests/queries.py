"""Counting the queries one page or API request runs, for the tests that pin them."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext


def queries_of_get(client: Any, url: str, *, warm_up: bool = True) -> int:
    """The queries a GET of ``url`` runs, asserting it answers 200. ``warm_up`` first makes
    the same request once, so the count leaves out what only a first request does (the
    token's "last used" write, content types, sessions)."""
    if warm_up:
        client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(captured.captured_queries)
