"""Tenant isolation, generated from the API's own OpenAPI document: for every route with an
id in its path and every method, organisation A's token given organisation B's ids gets a
404, exactly as for an id that does not exist, and B's rows are unchanged (counts, versions).
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from decimal import Decimal
from typing import Any

import pytest
from django.apps import apps
from django.utils import timezone

from smartcrm.activities import services as activities
from smartcrm.api.api import api as ninja_api
from smartcrm.api.tests.helpers import ApiClient
from smartcrm.catalog import services as catalog
from smartcrm.contacts import services as contacts
from smartcrm.notes import services as notes
from smartcrm.sales import services as sales
from smartcrm.tasks import services as tasks

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


@pytest.fixture
def org_b_ids(other_org, other_owner) -> dict[str, str]:
    """Organisation B with one record of every kind that has a route."""
    org, user = other_org, other_owner
    catalog.exchange_rate_set(
        org=org, user=user, currency="EUR", date=dt.date(2026, 1, 5), rate=Decimal("4.97")
    )
    rate = apps.get_model("catalog", "ExchangeRate").objects.get(organization=org)
    product = catalog.product_create(org=org, user=user, code="B-1", name="B", price=Decimal(1))
    prospect = sales.prospect_create(org=org, user=user, company_name="Beta Prospect SRL")
    account = sales.account_create(org=org, user=user, name="Beta Client SRL")
    offer = sales.offer_create(org=org, user=user, account_id=account.pk, title="Ofertă B")
    line = sales.offer_line_add(
        org=org, user=user, offer_id=offer.pk, name="L", quantity="1", unit_price="1"
    )
    contact = contacts.contact_create(org=org, user=user, account_id=account.pk, last_name="Beta")
    activity = activities.activity_create(
        org=org,
        user=user,
        account_id=account.pk,
        kind="call",
        subject="Apel",
        start_at=timezone.now(),
    )
    note = notes.note_create(org=org, user=user, account_id=account.pk, body="Notă")
    task = tasks.task_create(org=org, user=user, account_id=account.pk, title="Sarcină")
    from smartcrm.notifications.services import notify

    notification = notify(org=org, user=user, kind="reminder", title="B")
    from smartcrm.imports import services as imports

    import_run = imports.import_upload(
        org=org, user=user, kind="accounts", file_name="b.csv", content=b"Nume,CUI\nBeta,\n"
    )
    template = imports.import_template_create(
        org=org, user=user, kind="accounts", name="B", mapping={"Nume": "name"}
    )
    return {
        "import_id": str(import_run.pk),
        "template_id": str(template.pk),
        "prospect_id": str(prospect.pk),
        "account_id": str(account.pk),
        "offer_id": str(offer.pk),
        "line_id": str(line.pk),
        "contact_id": str(contact.pk),
        "activity_id": str(activity.pk),
        "note_id": str(note.pk),
        "task_id": str(task.pk),
        "product_id": str(product.pk),
        "exchange_rate_id": str(rate.pk),
        "notification_id": str(notification.pk),
        "user_id": str(user.pk),
    }


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
