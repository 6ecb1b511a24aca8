"""The request path of the API, generated from its OpenAPI document: every list answers in
at most four queries (the token with its membership, the ids a `q` finds, the page, one
for what a row shows), counts its
rate limits in the cache, and writes nothing to the database."""

from __future__ import annotations

from typing import Any

import pytest
import redis
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext

from smartcrm.api.tests.helpers import ApiClient
from smartcrm.api.tests.test_tenancy_matrix import PARAM, SCHEMA
from smartcrm.core.models import ApiToken
from smartcrm.core.tokens import api_tokens_with_recent_use

MAX_LIST_QUERIES = 4
REQUIRED_PARAMS = {"/api/v1/search": "&q=beta"}
WRITES = ("INSERT", "UPDATE", "DELETE", "SAVEPOINT")


def _is_page(operation: dict[str, Any]) -> bool:
    responses = operation["responses"]
    schema = (responses.get(200) or responses.get("200") or {}).get("content", {})
    ref = schema.get("application/json", {}).get("schema", {}).get("$ref", "")
    component = SCHEMA["components"]["schemas"].get(ref.split("/")[-1], {})
    return "next_cursor" in component.get("properties", {})


LISTS = sorted(
    path
    for path, methods in SCHEMA["paths"].items()
    if not PARAM.search(path) and "get" in methods and _is_page(methods["get"])
)


SEARCHABLE_LISTS = [
    path
    for path in LISTS
    if any(p["name"] == "q" for p in SCHEMA["paths"][path]["get"].get("parameters", []))
]


def test_every_list_of_the_api_is_covered():
    assert len(LISTS) >= 10, LISTS
    assert len(SEARCHABLE_LISTS) >= 9, SEARCHABLE_LISTS


@pytest.fixture
def rate_limited(settings: Any) -> None:
    settings.SMARTCRM_API_RATE_PER_TOKEN = "1000/minute"
    settings.SMARTCRM_API_RATE_PER_ORG = "5000/minute"


@pytest.mark.parametrize(
    "path,params",
    [(path, REQUIRED_PARAMS.get(path, "")) for path in LISTS]
    + [(path, "&q=beta") for path in SEARCHABLE_LISTS if path not in REQUIRED_PARAMS],
)
def test_a_list_answers_in_at_most_four_queries_and_writes_nothing(
    path, params, other_org, other_owner, org_b_ids, rate_limited
):
    # Given an organisation with a record of every kind, and a token used once already
    api = ApiClient(other_org, other_owner)
    assert api.post("/api/v1/prospects", {"company_name": "Beta Doi SRL"}).status_code == 201
    # When a list is read
    with CaptureQueriesContext(connection) as queries:
        response = api.get(f"{path}?limit=10{params}")
    # Then it answers from at most four queries, none of them a write
    assert response.status_code == 200, response.content
    if "q=" not in params or path == "/api/v1/search":
        assert response.json()["items"], "the list shows at least one row"
    statements = [query["sql"] for query in queries.captured_queries]
    assert len(statements) <= MAX_LIST_QUERIES, "\n".join(statements)
    assert [s for s in statements if s.lstrip().upper().startswith(WRITES)] == []


def test_rate_limits_are_counted_in_redis_shared_by_every_process(
    org, owner, redis_cache, settings
):
    # Given the cache in Redis and a limit of three requests a minute per token
    settings.SMARTCRM_API_RATE_PER_TOKEN = "3/minute"
    api = ApiClient(org, owner)
    # When a second process (here: a fresh connection to the same Redis) has counted two
    for _ in range(2):
        assert api.get("/api/v1/me").status_code == 200
    caches.close_all()
    # Then this one sees them: one more is allowed, the next refused with Retry-After
    assert api.get("/api/v1/me").status_code == 200
    refused = api.get("/api/v1/me")
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 60
    counters = redis.Redis.from_url(redis_cache).keys(f"*ratelimit:token:{api.token_id}:*")
    assert len(list(counters)) == 1  # type: ignore[arg-type]  # redis-py's sync client


def test_an_unreachable_cache_lets_requests_through(org, owner, settings):
    # Given a rate limit, and the cache pointing at a Redis that does not answer
    settings.SMARTCRM_API_RATE_PER_TOKEN = "1/minute"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    api = ApiClient(org, owner)
    # When it is called twice, Then both calls are answered (the limit is not counted)
    assert [api.get("/api/v1/me").status_code for _ in range(2)] == [200, 200]


def test_a_read_notes_the_tokens_use_in_the_cache_and_a_write_stores_it(org, owner):
    # Given a token never used
    api = ApiClient(org, owner)
    token = ApiToken.objects.get(pk=api.token_id)
    assert token.last_used_at is None
    # When it reads, Then the database is untouched but the settings page shows the use
    assert api.get("/api/v1/prospects").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is None
    (shown,) = api_tokens_with_recent_use([token])
    assert shown.last_used_at is not None
    # When it writes, Then the time of use is stored
    assert api.post("/api/v1/prospects", {"company_name": "Gama SRL"}).status_code == 201
    token.refresh_from_db()
    assert token.last_used_at is not None


def _columns(instance: Any) -> dict[str, Any]:
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def test_a_token_is_resolved_in_one_statement_as_the_orm_reads_it(org, owner):
    # Given a token that expires, used once (a time, a UUID and a JSON document to read)
    from datetime import timedelta

    from django.utils import timezone

    from smartcrm.core.models import Membership
    from smartcrm.core.tokens import api_token_authenticate, api_token_create

    token, plain = api_token_create(
        org=org, user=owner, name="Raport", expires_at=timezone.now() + timedelta(days=3)
    )
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    # When it is resolved
    with CaptureQueriesContext(connection) as captured:
        found = api_token_authenticate(plain, record_use=False)
    # Then one statement read the token, its membership, organisation and user, each
    # holding what the ORM reads for it
    assert len(captured.captured_queries) == 1
    assert found is not None
    resolved, membership = found
    assert _columns(resolved) == _columns(ApiToken.objects.get(pk=token.pk))
    assert _columns(membership) == _columns(Membership.objects.get(organization=org, user=owner))
    assert _columns(membership.organization) == _columns(type(org).objects.get(pk=org.pk))
    assert _columns(membership.user) == _columns(type(owner).objects.get(pk=owner.pk))
    assert resolved.organization is membership.organization
    with CaptureQueriesContext(connection) as captured:
        assert membership.user.email == owner.email and membership.organization.name
    assert captured.captured_queries == []


def test_a_token_does_not_resolve_once_its_member_leaves_or_it_is_wrong(org, owner):
    from smartcrm.core.models import Membership
    from smartcrm.core.tokens import api_token_authenticate, api_token_create

    _token, plain = api_token_create(org=org, user=owner, name="Raport")
    assert api_token_authenticate(plain[:-1] + ("A" if plain[-1] != "A" else "B")) is None
    assert api_token_authenticate("scrm_unknown_secret") is None
    Membership.objects.filter(organization=org, user=owner).update(is_active=False)
    assert api_token_authenticate(plain) is None
    Membership.objects.filter(organization=org, user=owner).update(is_active=True)
    type(owner).objects.filter(pk=owner.pk).update(is_active=False)
    assert api_token_authenticate(plain) is None
