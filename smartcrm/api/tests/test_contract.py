"""The API's cross-cutting contract: auth, problem details, ETag/If-Match, idempotency,
rate limits, cursor pagination."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client
from django.utils import timezone

from smartcrm.api.models import IdempotencyRecord
from smartcrm.api.tests.helpers import ApiClient
from smartcrm.core.models import ApiToken, Membership
from smartcrm.core.services import membership_update
from smartcrm.sales.models import Prospect
from smartcrm.sales.tests.factories import ProspectFactory

PROBLEM = "application/problem+json"


@pytest.fixture
def api(org, owner):
    return ApiClient(org, owner)


# --- authentication -------------------------------------------------------------------


@pytest.mark.parametrize("header", ["", "Bearer", "Bearer nope", "Bearer scrm_0000_x", "Basic abc"])
def test_missing_or_bad_token_is_401_problem(db, header):
    client = Client()
    response = (
        client.get("/api/v1/prospects", HTTP_AUTHORIZATION=header)
        if header
        else client.get("/api/v1/prospects")
    )
    assert response.status_code == 401
    assert response["Content-Type"] == PROBLEM
    assert response["WWW-Authenticate"].startswith("Bearer")
    body = response.json()
    assert (body["status"], body["code"], body["title"]) == (
        401,
        "unauthenticated",
        "Authentication required",
    )


def test_revoked_and_expired_tokens_are_401(api, org, owner):
    assert api.get("/api/v1/me").status_code == 200
    ApiToken.objects.update(revoked_at=timezone.now())
    assert api.get("/api/v1/me").status_code == 401
    other = ApiClient(org, owner, name="expiring")
    ApiToken.objects.filter(revoked_at__isnull=True).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    assert other.get("/api/v1/me").status_code == 401


def test_token_of_a_deactivated_member_stops_working(org, owner, sales_user):
    api = ApiClient(org, sales_user)
    assert api.get("/api/v1/me").status_code == 200
    membership = Membership.objects.get(organization=org, user=sales_user)
    membership_update(org=org, user=owner, membership_id=membership.pk, is_active=False)
    assert api.get("/api/v1/me").status_code == 401


def test_token_hash_only_is_stored(api):
    stored = ApiToken.objects.get()
    assert api.token not in (stored.key_hash, stored.prefix)
    assert len(stored.key_hash) == 64


def test_session_auth_needs_csrf_for_writes(org, owner):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    assert client.get("/api/v1/me").status_code == 200
    refused = client.post(
        "/api/v1/prospects",
        data=json.dumps({"company_name": "Fără CSRF SRL"}),
        content_type="application/json",
    )
    assert refused.status_code in (401, 403)
    assert Prospect.objects.count() == 0


# --- problem details ------------------------------------------------------------------


def test_domain_conflict_is_409_problem_naming_the_field(api, org, owner):
    prospect = ProspectFactory.create(org=org, user=owner)
    response = api.post(f"/api/v1/prospects/{prospect.pk}/convert", {})
    assert response.status_code == 409
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["type"] == "urn:smartcrm:problem:not_qualified"
    assert body["errors"][0]["field"] == "status"


def test_invalid_value_is_422_naming_the_field(api):
    response = api.post("/api/v1/prospects", {"company_name": "Alfa SRL", "cui": "12345678"})
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["cui"]
    assert Prospect.objects.count() == 0


@pytest.mark.parametrize(
    "field", ["organization", "organization_id", "version", "converted_at", "created_at", "id"]
)
def test_mass_assignment_is_refused(api, field):
    response = api.post("/api/v1/prospects", {"company_name": "Alfa SRL", field: "x"})
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == [field]
    assert Prospect.objects.count() == 0


def test_non_json_body_is_415_and_broken_json_is_400(api):
    client = api.client
    auth = {"HTTP_AUTHORIZATION": f"Bearer {api.token}"}
    form = client.post(
        "/api/v1/prospects",
        data="company_name=X",
        content_type="application/x-www-form-urlencoded",
        **auth,
    )
    broken = client.post("/api/v1/prospects", data="{", content_type="application/json", **auth)
    assert (form.status_code, form["Content-Type"]) == (415, PROBLEM)
    assert (broken.status_code, broken.json()["code"]) == (400, "invalid_json")
    assert Prospect.objects.count() == 0


def test_malformed_id_in_path_is_a_clear_error_not_a_500(api):
    response = api.get("/api/v1/prospects/not-a-uuid")
    assert response.status_code in (400, 404)
    assert response["Content-Type"] == PROBLEM


# --- ETag / If-Match ----------------------------------------------------------------------


def test_item_carries_its_version_as_etag_and_stale_if_match_is_412(api, org, owner):
    prospect = ProspectFactory.create(org=org, user=owner)
    first = api.get(f"/api/v1/prospects/{prospect.pk}")
    assert first["ETag"] == '"1"'
    changed = api.patch(
        f"/api/v1/prospects/{prospect.pk}", {"phone": "0722 000 111"}, if_match='"1"'
    )
    assert (changed.status_code, changed["ETag"]) == (200, '"2"')
    stale = api.patch(
        f"/api/v1/prospects/{prospect.pk}",
        {
            "phone": "0",
        },
        if_match='"1"',
    )
    assert stale.status_code == 412
    assert stale.json()["code"] == "stale_version"
    stale_delete = api.delete(f"/api/v1/prospects/{prospect.pk}", if_match='"1"')
    assert stale_delete.status_code == 412
    current = Prospect.objects.get(pk=prospect.pk)
    assert (current.phone, current.version) == ("0722 000 111", 2)


def test_malformed_if_match_is_400(api, org, owner):
    prospect = ProspectFactory.create(org=org, user=owner)
    response = api.patch(f"/api/v1/prospects/{prospect.pk}", {"phone": "1"}, if_match="yesterday")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "If-Match"
    assert Prospect.objects.get(pk=prospect.pk).version == 1


def test_without_if_match_the_update_proceeds(api, org, owner):
    prospect = ProspectFactory.create(org=org, user=owner)
    response = api.patch(f"/api/v1/prospects/{prospect.pk}", {"phone": "1"})
    assert (response.status_code, response.json()["version"]) == (200, 2)


# --- Idempotency-Key ------------------------------------------------------------------------


def test_same_key_and_body_replays_the_first_response(api):
    body = {"company_name": "Idempotent SRL"}
    first = api.post("/api/v1/prospects", body, idempotency_key="k-1")
    again = api.post("/api/v1/prospects", body, idempotency_key="k-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert again["ETag"] == first["ETag"]
    assert Prospect.objects.count() == 1


def test_same_key_with_another_body_is_422(api):
    api.post("/api/v1/prospects", {"company_name": "Unu SRL"}, idempotency_key="k-2")
    other = api.post("/api/v1/prospects", {"company_name": "Doi SRL"}, idempotency_key="k-2")
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"
    assert list(Prospect.objects.values_list("company_name", flat=True)) == ["Unu SRL"]


def test_same_key_while_the_first_still_runs_is_409(api, owner):
    IdempotencyRecord.objects.create(
        user=owner, key="k-3", method="POST", path="/api/v1/prospects", request_hash="x"
    )
    response = api.post("/api/v1/prospects", {"company_name": "Trei SRL"}, idempotency_key="k-3")
    assert response.status_code == 409
    assert Prospect.objects.count() == 0


def test_keys_belong_to_their_user(org, owner, sales_user):
    ana, ion = ApiClient(org, owner), ApiClient(org, sales_user)
    ana.post("/api/v1/prospects", {"company_name": "A SRL"}, idempotency_key="shared")
    ion.post("/api/v1/prospects", {"company_name": "B SRL"}, idempotency_key="shared")
    assert Prospect.objects.count() == 2


def test_failed_request_is_not_stored_for_replay_of_errors_above_499(api):
    refused = api.post(
        "/api/v1/prospects", {"company_name": "X", "cui": "1"}, idempotency_key="k-4"
    )
    again = api.post("/api/v1/prospects", {"company_name": "X", "cui": "1"}, idempotency_key="k-4")
    assert (refused.status_code, again.status_code) == (422, 422)
    assert again["Idempotent-Replayed"] == "true"  # a 4xx answer is an answer: replayed


# --- rate limits ------------------------------------------------------------------------


def test_token_over_its_rate_gets_429_with_retry_after(api, settings):
    settings.SMARTCRM_API_RATE_PER_TOKEN = "3/minute"
    statuses = [api.get("/api/v1/me").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = api.get("/api/v1/me")
    assert limited["Content-Type"] == PROBLEM
    assert 1 <= int(limited["Retry-After"]) <= 60


def test_organisation_rate_is_shared_by_its_tokens(
    org, owner, sales_user, other_org, other_owner, settings
):
    settings.SMARTCRM_API_RATE_PER_ORG = "4/minute"
    ana, ion, beta = (
        ApiClient(org, owner),
        ApiClient(org, sales_user),
        ApiClient(other_org, other_owner),
    )
    statuses = [client.get("/api/v1/me").status_code for client in (ana, ion, ana, ion, ana)]
    assert statuses == [200, 200, 200, 200, 429]
    assert beta.get("/api/v1/me").status_code == 200  # another organisation is not affected


# --- cursor pagination ----------------------------------------------------------------------


def _all_pages(api, url):
    seen, cursor, pages = [], None, 0
    while True:
        page = api.get(url + (f"&cursor={cursor}" if cursor else "")).json()
        seen += [item["id"] for item in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if not cursor:
            return seen, pages


@pytest.mark.parametrize(
    "ordering",
    ["created_at", "-created_at", "company_name", "-company_name", "status", "-priority"],
)
def test_pages_cover_every_row_exactly_once(api, org, owner, ordering):
    names = ["Beta", "Alfa", "Gama", "Alfa", "Delta", "Epsilon", "Zeta"]
    created = {str(ProspectFactory.create(org=org, user=owner, company_name=n).pk) for n in names}
    seen, pages = _all_pages(api, f"/api/v1/prospects?limit=3&ordering={ordering}")
    assert sorted(seen) == sorted(created)
    assert pages == 3


def test_paging_is_stable_while_rows_are_inserted(api, org, owner):
    # given 6 prospects, read newest first 2 at a time
    original = [str(ProspectFactory.create(org=org, user=owner).pk) for _ in range(6)]
    first = api.get("/api/v1/prospects?limit=2").json()
    seen = [item["id"] for item in first["items"]]
    cursor = first["next_cursor"]
    # when others insert rows between page reads
    while cursor:
        ProspectFactory.create(org=org, user=owner)
        page = api.get(f"/api/v1/prospects?limit=2&cursor={cursor}").json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
    # then no original row was skipped or repeated
    assert len(seen) == len(set(seen))
    assert set(original) <= set(seen)
    assert len(seen) == 6


def test_ordering_outside_the_allow_list_is_400(api):
    response = api.get("/api/v1/prospects?ordering=owner__password")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "ordering"


@pytest.mark.parametrize("cursor", ["garbage", "e30", "WyJ4IiwxLDJd"])
def test_foreign_cursor_is_400(api, cursor):
    response = api.get(f"/api/v1/prospects?cursor={cursor}")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "cursor"


def test_limit_is_bounded(api):
    assert api.get("/api/v1/prospects?limit=201").status_code == 400
    assert api.get("/api/v1/prospects?limit=0").status_code == 400


def test_count_only_when_asked_and_capped(api, org, owner, monkeypatch):
    for _ in range(3):
        ProspectFactory.create(org=org, user=owner)
    plain = api.get("/api/v1/prospects").json()
    assert "count" not in plain or plain["count"] is None
    counted = api.get("/api/v1/prospects?count=true&limit=1").json()
    assert (counted["count"], counted["count_capped"]) == (3, False)
    monkeypatch.setattr("smartcrm.api.pagination.COUNT_CAP", 2)
    capped = api.get("/api/v1/prospects?count=true&limit=1").json()
    assert (capped["count"], capped["count_capped"]) == (2, True)


def test_filters_narrow_the_list(api, org, owner):
    ProspectFactory.create(org=org, user=owner, company_name="Cluj Soft SRL", county="CJ")
    ProspectFactory.create(
        org=org, user=owner, company_name="Iași Soft SRL", county="IS", priority="high"
    )
    by_county = api.get("/api/v1/prospects?county=IS").json()["items"]
    by_text = api.get("/api/v1/prospects?q=cluj").json()["items"]
    by_priority = api.get("/api/v1/prospects?priority=high").json()["items"]
    assert [p["company_name"] for p in by_county] == ["Iași Soft SRL"]
    assert [p["company_name"] for p in by_text] == ["Cluj Soft SRL"]
    assert [p["company_name"] for p in by_priority] == ["Iași Soft SRL"]
    assert api.get("/api/v1/prospects?county=XX").status_code == 400
