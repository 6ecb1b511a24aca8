"""The API's contract with its own OpenAPI document.

1. /api/v1/openapi.json is a valid OpenAPI 3.1 document in which every operation is
   described, has its request and response schemas and documents its errors.
2. /api/v1/docs works offline: its JS and CSS come from our static files.
3. Schemathesis against the live server: for every operation, generated requests (valid and
   invalid, on seeded records, random and malformed ids) with a real token never get a 5xx,
   and every answer is documented: status code, media type, body schema. The checks are
   themselves tested on responses that break each rule. A NUL character in every free-text
   filter is tried too (generation rarely produces one; PostgreSQL refuses it).
4. Without a token, every operation is a 401 problem, never a 500.

Known API bugs are strict xfails (they fail the suite once fixed, so the mark comes off).
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
import requests
import schemathesis
from django.contrib.staticfiles import finders
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from openapi_spec_validator import validate
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from smartcrm.activities import services as activities
from smartcrm.api.api import api as ninja_api
from smartcrm.api.tests.helpers import ApiClient
from smartcrm.catalog import services as catalog
from smartcrm.contacts import services as contacts
from smartcrm.core.tokens import api_token_create
from smartcrm.notes import services as notes
from smartcrm.sales import services as sales
from smartcrm.tasks import services as tasks

PROBLEM = "application/problem+json"
METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
PARAM = re.compile(r"{(\w+)}")
MAX_EXAMPLES = 12  # generated requests per operation (on a 2-core machine: ~2 minutes in all)

DOCUMENT = ninja_api.get_openapi_schema()  # for parametrising; the tests fetch the served one
OPERATIONS = sorted(
    (path, method)
    for path, item in DOCUMENT["paths"].items()
    for method in item
    if method in METHODS
)
OPERATION_IDS = [f"{method.upper()} {path.removeprefix('/api/v1')}" for path, method in OPERATIONS]


@pytest.fixture
def document(db: None) -> dict[str, Any]:
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    served: dict[str, Any] = response.json()
    return served


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        node: Any = document
        for part in schema["$ref"].removeprefix("#/").split("/"):
            node = node[part]
        schema = node
    return schema


def _operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


# --- 1. the document ------------------------------------------------------------------


def test_the_document_is_valid_openapi_3_1(document):
    assert document["openapi"].startswith("3.1.")
    validate(document)  # raises on the first violation of the OpenAPI 3.1 meta-schema
    assert document["info"]["title"] and document["info"]["description"]
    assert len(list(_operations(document))) == len(OPERATIONS) >= 60


def test_every_operation_is_described_and_has_its_schemas(document):
    problems = []
    for path, method, operation in _operations(document):
        label = f"{method.upper()} {path}"
        if not (operation.get("summary") or "").strip():
            problems.append(f"{label}: no summary")
        if not (operation.get("description") or "").strip():
            problems.append(f"{label}: no description")
        if not operation.get("security"):
            problems.append(f"{label}: no security requirement")
        if method == "patch" and "requestBody" not in operation:
            problems.append(f"{label}: a PATCH without a request body")
        if "requestBody" in operation:
            content = operation["requestBody"].get("content", {})
            schema = content.get("application/json", {}).get("schema")
            if set(content) != {"application/json"} or not schema:
                problems.append(f"{label}: request body without an application/json schema")
            elif not _resolve(document, schema).get("properties"):
                problems.append(f"{label}: request body schema has no properties")
        responses = operation.get("responses", {})
        successes = [code for code in responses if code.startswith("2")]
        if not successes:
            problems.append(f"{label}: no 2xx response")
        for code in successes:
            content = responses[code].get("content")
            if code == "204":
                if content:
                    problems.append(f"{label}: a 204 with a body")
            elif not any(
                (content or {}).get(media, {}).get("schema")
                for media in (
                    "application/json",
                    "application/pdf",  # JSON, or a document
                    "text/csv",  # or an export
                    "text/calendar",  # or an iCalendar file
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                )
            ):
                problems.append(f"{label}: {code} without a response schema")
    assert problems == []


def test_every_operation_documents_its_errors(document):
    problem_schema = document["components"]["schemas"]["Problem"]
    assert set(problem_schema["required"]) >= {"type", "title", "status", "detail", "code"}
    problems = []
    for path, method, operation in _operations(document):
        label = f"{method.upper()} {path}"
        responses = operation["responses"]
        documented = {int(code) for code in responses if code.startswith("4")}
        expected = {401, 429}  # every operation: no or bad token; over the rate limit
        params = operation.get("parameters", [])
        if any(p["in"] == "path" for p in params):
            expected |= {400, 404}  # a malformed id; an id that is not there
        if any(p["in"] == "query" for p in params):
            expected.add(400)  # a bad or unknown query parameter
        if "requestBody" in operation:
            expected |= {415, 422}  # not JSON; invalid fields
        if missing := expected - documented:
            problems.append(f"{label}: undocumented {sorted(missing)}")
        for code in sorted(documented):
            content = responses[str(code)].get("content", {})
            schemas = [media.get("schema", {}) for media in content.values()]
            if not schemas or any(s.get("$ref") != "#/components/schemas/Problem" for s in schemas):
                problems.append(f"{label}: {code} is not documented as a Problem")
    assert problems == []


def test_errors_are_documented_with_the_media_type_they_are_sent_in(document):
    wrong = sorted(
        f"{method.upper()} {path} {code}"
        for path, method, operation in _operations(document)
        for code, response in operation["responses"].items()
        if code.startswith("4") and set(response.get("content", {})) != {PROBLEM}
    )
    assert wrong == []


# --- 2. the docs page -----------------------------------------------------------------


def test_the_docs_page_loads_its_assets_from_our_static_files(db, settings):
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any(a.endswith(".js") for a in assets) and any(a.endswith(".css") for a in assets)
    static_url = "/" + settings.STATIC_URL.lstrip("/")
    assert all(a.startswith(static_url) for a in assets if a.endswith((".js", ".css"))), assets
    assert re.findall(r"(?:https?:)?//[\w.-]+", html.replace("http://www.w3.org", "")) == []
    for asset in (a for a in assets if a.endswith((".js", ".css"))):
        assert finders.find(asset.removeprefix(static_url)), f"{asset} is not one of our files"


# --- 3. schemathesis against the live server ----------------------------------------------


def _seed(org, user) -> dict[str, list[str]]:
    """Organisation A with a few records of every kind; the ids each path parameter takes."""
    catalog.exchange_rate_set(
        org=org, user=user, currency="EUR", date=dt.date(2026, 1, 5), rate=Decimal("4.9731")
    )
    rate = catalog.exchange_rate_set(
        org=org, user=user, currency="USD", date=dt.date(2026, 1, 5), rate=Decimal("4.3012")
    )
    product = catalog.product_create(
        org=org, user=user, code="LIC-1", name="Licență", price=Decimal("100.00")
    )
    new = sales.prospect_create(org=org, user=user, company_name="Gamma Construct SRL")
    in_progress = sales.prospect_create(
        org=org, user=user, company_name="Delta Logistic SRL", status="in_progress"
    )
    qualified = sales.prospect_create(
        org=org, user=user, kind="person", first_name="Ion", last_name="Pop", status="qualified"
    )
    account = sales.account_create(org=org, user=user, name="Epsilon Retail SRL")
    offer = sales.offer_create(org=org, user=user, account_id=account.pk, title="Ofertă licențe")
    lines = [
        sales.offer_line_add(
            org=org, user=user, offer_id=offer.pk, product_id=product.pk, quantity=2
        ),
        sales.offer_line_add(
            org=org, user=user, offer_id=offer.pk, name="Instalare", quantity="1", unit_price="250"
        ),
    ]
    contact = contacts.contact_create(
        org=org, user=user, account_id=account.pk, first_name="Maria", last_name="Ionescu"
    )
    contacts.contact_create(org=org, user=user, prospect_id=new.pk, last_name="Vasile")
    activity = activities.activity_create(
        org=org,
        user=user,
        account_id=account.pk,
        kind="call",
        subject="Apel de prezentare",
        start_at=timezone.now(),
    )
    note = notes.note_create(org=org, user=user, account_id=account.pk, body="Vor 10 licențe.")
    task = tasks.task_create(org=org, user=user, prospect_id=new.pk, title="Trimite oferta")
    from smartcrm.notifications.services import notify

    notification = notify(org=org, user=user, kind="reminder", title="Sună clientul")
    from smartcrm.imports import services as imports

    import_run = imports.import_upload(
        org=org,
        user=user,
        kind="accounts",
        file_name="a.csv",
        content="Nume,CUI\nEpsilon Retail SRL,\nFără nume,123\n".encode(),
    )
    imports.import_preview(org=org, user=user, import_id=import_run.pk)
    template = imports.import_template_create(
        org=org, user=user, kind="accounts", name="ERP", mapping={"Nume": "name"}
    )
    from smartcrm.jobs.tests.factories import failed_email_job

    failed_jobs = [failed_email_job(org, user, title=f"Apel {n}") for n in range(2)]
    from smartcrm.core import services as core

    sales_department = core.department_create(org=org, user=user, name="Vânzări")
    branch = core.department_create(
        org=org, user=user, name="Vânzări Brașov", parent_id=sales_department.pk
    )
    role = core.custom_role_create(
        org=org, user=user, name="Agent teren", grants={"prospects": {"view": "own"}}
    )
    return {
        "department_id": [str(branch.pk), str(sales_department.pk)],
        "role_id": [str(role.pk)],
        "job_id": [str(job.pk) for job in failed_jobs],
        "import_id": [str(import_run.pk)],
        "template_id": [str(template.pk)],
        "prospect_id": [str(p.pk) for p in (new, in_progress, qualified)],
        "account_id": [str(account.pk)],
        "offer_id": [str(offer.pk)],
        "line_id": [str(line.pk) for line in lines],
        "contact_id": [str(contact.pk)],
        "activity_id": [str(activity.pk)],
        "note_id": [str(note.pk)],
        "task_id": [str(task.pk)],
        "product_id": [str(product.pk)],
        "exchange_rate_id": [str(rate.pk)],
        "user_id": [str(user.pk)],
        "notification_id": [str(notification.pk)],
    }


_LOADED: dict[str, Any] = {}


def _live_schema(url: str) -> Any:
    """The served document, loaded by schemathesis once per live server."""
    if url not in _LOADED:
        _LOADED[url] = schemathesis.openapi.from_url(url, timeout=30)
    return _LOADED[url]


@pytest.fixture
def live(live_server, transactional_db, settings, org, owner) -> Iterator[dict[str, Any]]:
    """A real HTTP server on loopback, organisation A seeded, a token, a session."""
    # the live server runs in this process: the test settings apply to it
    settings.SMARTCRM_API_RATE_PER_TOKEN = ""
    settings.SMARTCRM_API_RATE_PER_ORG = ""
    ids = _seed(org, owner)
    _, token = api_token_create(org=org, user=owner, name="schemathesis")
    with requests.Session() as session:
        yield {
            "schema": _live_schema(f"{live_server.url}/api/v1/openapi.json"),
            "base_url": live_server.url,
            "headers": {"Authorization": f"Bearer {token}"},
            "ids": ids,
            "session": session,
        }


def problem_conformance(ctx: Any, response: Any, case: Any) -> bool | None:
    """Successes come in a documented media type. Errors come as RFC 9457 problem details,
    and their body matches the schema documented for the status.

    The body is also validated here against the documented Problem schema, so an error
    body is checked even where schemathesis would skip it."""
    if response.status_code < 400:
        return content_type_conformance(ctx, response, case)
    content_type = (response.headers.get("content-type") or [""])[0]
    assert content_type.split(";")[0].strip() == PROBLEM, (
        f"{response.status_code} sent as {content_type!r}, not {PROBLEM}"
    )
    as_documented = schemathesis.Response(
        status_code=response.status_code,
        headers={**response.headers, "content-type": ["application/json"]},
        content=response.content,
        request=response.request,
        elapsed=response.elapsed,
        verify=response.verify,
    )
    return response_schema_conformance(ctx, as_documented, case)


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    problem_conformance,
    response_schema_conformance,
]

# body fields that name a record, and the kind of seeded id that fits them
BODY_IDS = {
    "prospect_id": "prospect_id",
    "account_id": "account_id",
    "offer_id": "offer_id",
    "product_id": "product_id",
    "contact_id": "contact_id",
    "owner_id": "user_id",
    "assignee_id": "user_id",
    "contact_ids": "contact_id",
    "participant_ids": "user_id",
    "parent_id": "department_id",
    "department_id": "department_id",
    "head_id": "user_id",
    "custom_role_id": "role_id",
}
MALFORMED_ID = "not-a-uuid"


def _with_seeded_ids(case: Any, ids: dict[str, list[str]]) -> Any:
    """Point the ids a generated body names at seeded records, so that requests get past
    "no such record" to the code behind it (a random UUID is never there)."""
    if isinstance(case.body, dict):
        for key, value in case.body.items():
            kind = BODY_IDS.get(key)
            if kind is None:
                continue
            if isinstance(value, str):
                case.body[key] = ids[kind][0]
            elif isinstance(value, list) and all(isinstance(v, str) for v in value):
                case.body[key] = ids[kind][: len(value)]
    return case


def _cases(operation: Any, ids: dict[str, list[str]]) -> st.SearchStrategy[Any]:
    """Valid and invalid requests. Path ids are mostly seeded records, else random or
    malformed; ids named in bodies are seeded records half of the time."""
    names = PARAM.findall(operation.path)
    combos: list[dict[str, str]] = [{}]
    for name in names:
        combos = [{**combo, name: value} for combo in combos for value in ids[name]]
    strategies = []
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
        strategies.append(operation.as_strategy(generation_mode=mode))  # random ids
        if names:
            strategies.extend(
                operation.as_strategy(generation_mode=mode, path_parameters=combo)
                for combo in combos
            )
    if names:
        malformed = dict.fromkeys(names, MALFORMED_ID)
        strategies.append(operation.as_strategy(path_parameters=malformed))
    return st.tuples(st.one_of(strategies), st.booleans()).map(
        lambda pair: _with_seeded_ids(pair[0], ids) if pair[1] else pair[0]
    )


@pytest.mark.parametrize(("path", "method"), OPERATIONS, ids=OPERATION_IDS)
def test_generated_requests_get_documented_answers_and_no_server_error(live, path, method):
    operation = live["schema"][path][method.upper()]

    @hypothesis_settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=True,  # the same requests on every run: CI failures reproduce
        database=None,
        phases=[Phase.explicit, Phase.generate],  # no shrinking: each example is a request
        suppress_health_check=list(HealthCheck),
    )
    @given(case=_cases(operation, live["ids"]))
    def check(case: Any) -> None:
        response = case.call(
            base_url=live["base_url"], session=live["session"], headers=live["headers"]
        )
        # raises a FailureGroup naming the checks that failed, with a curl command to replay
        case.validate_response(response, checks=CHECKS, headers=live["headers"])

    check()


def _fake_response(status: int, content_type: str, body: bytes) -> schemathesis.Response:
    request = requests.Request("GET", "http://testserver/api/v1/me").prepare()
    return schemathesis.Response(
        status_code=status,
        headers={"content-type": [content_type]},
        content=body,
        request=request,
        elapsed=0.01,
        verify=True,
    )


PROBLEM_BODY = b'{"type": "x", "title": "x", "status": %d, "detail": "x", "code": "x"}'


@pytest.mark.parametrize(
    ("status", "content_type", "body", "check"),
    [
        (500, PROBLEM, PROBLEM_BODY % 500, "not_a_server_error"),
        (404, PROBLEM, PROBLEM_BODY % 404, "status_code_conformance"),
        (200, "application/json", b'{"id": "not even a uuid"}', "response_schema_conformance"),
        (200, "text/html", b"<html></html>", "content_type_conformance"),
        (401, "application/json", PROBLEM_BODY % 401, "problem_conformance"),
        (401, PROBLEM, b'{"detail": "no"}', "response_schema_conformance"),
    ],
    ids=[
        "server error",
        "undocumented status",
        "body off its schema",
        "undocumented media type",
        "error not sent as a problem",
        "error body off its schema",
    ],
)
def test_the_checks_catch_what_they_should(document, status, content_type, body, check):
    """The harness is not vacuous: each check fails a response that breaks its rule."""
    # given GET /me (documented: 200 MeOut; 401 and 429 problems)
    operation = schemathesis.openapi.from_dict(document)["/api/v1/me"]["GET"]
    response = _fake_response(status, content_type, body)
    # when the checks judge a response that breaks the contract
    with pytest.raises(FailureGroup) as failed:
        operation.Case().validate_response(response, checks=CHECKS)
    # then the case fails, for the expected reason
    reasons = {name for f in failed.value.exceptions for name in (f.checks or (f.title,))}
    assert any(check in reason for reason in reasons), reasons


# --- 3b. a NUL character in filters ----------------------------------------------------


def _free_text(schema: dict[str, Any]) -> bool:
    options = schema.get("anyOf", [schema])
    return any(
        o.get("type") == "string" and not {"format", "enum", "$ref"} & set(o) for o in options
    )


TEXT_PARAMETERS = sorted(
    (path, p["name"])
    for path, item in DOCUMENT["paths"].items()
    for p in item.get("get", {}).get("parameters", [])
    if p["in"] == "query" and _free_text(p["schema"])
)


# Filters whose text goes to the database as is: PostgreSQL refuses NUL, the query raises
# DataError and the API answers 500 (SQLite takes NUL and answers 200).


@pytest.mark.parametrize(
    ("path", "name"),
    [pytest.param(path, name) for path, name in TEXT_PARAMETERS],
    ids=[f"{p.removeprefix('/api/v1')} {n}" for p, n in TEXT_PARAMETERS],
)
def test_a_nul_character_in_a_text_query_parameter_is_not_a_server_error(org, owner, path, name):
    """Text that PostgreSQL cannot store (NUL) is refused in bodies with a 422; in a filter
    it must not reach the database either."""
    api = ApiClient(org, owner)
    url = PARAM.sub(lambda _: str(uuid.uuid4()), path)
    response = api.client.get(url, {name: "a\x00b"}, HTTP_AUTHORIZATION=f"Bearer {api.token}")
    assert response.status_code < 500, response.content[:300]


# --- 4. no token ------------------------------------------------------------------------


@pytest.mark.parametrize(("path", "method"), OPERATIONS, ids=OPERATION_IDS)
def test_every_operation_without_a_token_is_a_401_problem(db, path, method):
    url = PARAM.sub(lambda _: str(uuid.uuid4()), path)
    operation = DOCUMENT["paths"][path][method]
    client = Client()
    if "requestBody" in operation:
        response = client.generic(method.upper(), url, "{}", content_type="application/json")
    else:
        response = client.generic(method.upper(), url)
    assert response.status_code == 401, response.content[:300]
    assert response["Content-Type"] == PROBLEM
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["code"] == "unauthenticated"
