"""Tenant isolation, generated from the API's own OpenAPI document: for every route with an
id in its path and every method, organisation A's token given organisation B's ids gets a
404, exactly as for an id that does not exist, and B's rows are unchanged (counts, versions).
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from django.apps import apps

from smartcrm.api.api import api as ninja_api
from smartcrm.api.tests.helpers import ApiClient

PARAM = re.compile(r"{(\w+)}")


SCHEMA = ninja_api.get_openapi_schema()  # built once: generating it is not cheap


def _operations() -> list[tuple[str, str]]:
    schema = SCHEMA
    found = []
    for path, methods in schema["paths"].items():
        if not PARAM.search(path):
            continue
        for method in methods:
            if method in {"get", "post", "patch", "put", "delete"}:
                found.append((method, path))
    return sorted(found)


OPERATIONS = _operations()


def _example(schema: dict[str, Any], components: dict[str, Any]) -> Any:
    """A plausible value for a JSON schema (enough to get past body validation)."""
    if "$ref" in schema:
        return _example(components[schema["$ref"].split("/")[-1]], components)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            options = [s for s in schema[key] if s.get("type") != "null"]
            return _example(options[0], components) if options else None
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object":
        props = schema.get("properties", {})
        return {name: _example(props[name], components) for name in schema.get("required", [])}
    if kind == "array":
        return []
    if kind == "integer":
        return 1
    if kind == "number":
        return "1"
    if kind == "boolean":
        return False
    fmt = schema.get("format")
    if fmt == "uuid":
        return str(uuid.uuid4())
    if fmt == "date":
        return "2026-01-05"
    if fmt == "date-time":
        return "2026-01-05T10:00:00+02:00"
    return "x"


def _body_for(method: str, path: str) -> Any:
    schema = SCHEMA
    operation = schema["paths"][path][method]
    content = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if not content:
        return None
    return _example(content["schema"], schema["components"]["schemas"])


def _snapshot() -> dict[str, set[tuple[str, int]]]:
    state = {}
    for model in apps.get_models():
        fields = {f.name for f in model._meta.concrete_fields}
        if "organization" in fields and "version" in fields:
            state[model.__name__] = {
                (str(pk), version)
                for pk, version in model._default_manager.values_list("pk", "version")
            }
    return state


def test_the_matrix_covers_every_resource():
    templates = {path for _method, path in OPERATIONS}
    for resource in ("prospects", "accounts", "offers", "lines", "users"):
        assert any(resource in path for path in templates), resource


def test_another_organisations_id_is_not_found_and_changes_nothing(org, owner, org_b_ids):
    # given A's token and B's records (built once; every route is tried in turn)
    api = ApiClient(org, owner)
    failures = []
    for method, path in OPERATIONS:
        before = _snapshot()
        url = PARAM.sub(lambda m: org_b_ids[m.group(1)], path)
        # when A calls the route with B's ids
        response = api.call(method.upper(), url, _body_for(method, path))
        # then it is a 404 problem, as for an id that does not exist, and B is unchanged
        missing = PARAM.sub(lambda m: str(uuid.uuid4()), path)
        unknown = api.call(method.upper(), missing, _body_for(method, path))
        if (
            response.status_code != 404
            or response["Content-Type"] != "application/problem+json"
            or unknown.status_code != 404
            or _snapshot() != before
        ):
            failures.append(
                f"{method.upper()} {path}: {response.status_code} {response.content[:200]!r}"
            )
    assert failures == []
    assert len(OPERATIONS) >= 20
