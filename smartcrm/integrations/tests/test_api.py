"""REST API: fill from ANAF, fetch BNR's rates."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from smartcrm.api.tests.helpers import ApiClient
from smartcrm.catalog.models import ExchangeRate
from smartcrm.core import services as core
from smartcrm.core.modules import Module
from smartcrm.integrations.tests.conftest import (
    ANAF_PATH,
    BNR_PATH,
    YEAR_PATH,
    Answer,
    anaf_entry,
    anaf_json,
    bnr_xml,
    xml_answer,
)
from smartcrm.sales import services as sales
from smartcrm.sales.models import Prospect

PROBLEM = "application/problem+json"
CUI = "4264242"


def problem(response, status: int) -> tuple[str, list[tuple[str | None, str]]]:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    return body["code"], [(error["field"], error["code"]) for error in body["errors"]]


@pytest.fixture
def api(org, owner) -> ApiClient:
    return ApiClient(org, owner)


@pytest.fixture
def prospect(org, owner):
    return sales.prospect_create(org=org, user=owner, company_name="Cumpana", cui=CUI)


# --- ANAF -----------------------------------------------------------------------------


def test_fill_a_prospect_from_anaf(api, prospect, loopback):
    loopback.answer(ANAF_PATH, anaf_json(found=[anaf_entry(4264242)]))
    response = api.post(f"/api/v1/prospects/{prospect.pk}/fill-from-anaf")
    assert response.status_code == 200, response.content
    assert response["ETag"] == '"2"'
    body = response.json()
    assert {
        key: body[key]
        for key in (
            "company_name",
            "cui",
            "trade_register",
            "address",
            "locality",
            "county",
            "postal_code",
            "phone",
            "vat_payer",
            "version",
        )
    } == {
        "company_name": "CUMPĂNA 1993 SRL",
        "cui": CUI,
        "trade_register": "J1993016655403",
        "address": "Str. Alexander Von Humboldt nr. 10, PARTER",
        "locality": "Sector 3 Mun. București",
        "county": "B",
        "postal_code": "031472",
        "phone": "0219224000",
        "vat_payer": True,
        "version": 2,
    }


def test_fill_an_account_from_anaf(api, org, owner, loopback):
    account = sales.account_create(org=org, user=owner, name="Cumpana", cui=CUI)
    loopback.answer(ANAF_PATH, anaf_json(found=[anaf_entry(4264242)]))
    response = api.post(f"/api/v1/accounts/{account.pk}/fill-from-anaf")
    assert response.status_code == 200, response.content
    assert (response.json()["name"], response["ETag"]) == ("CUMPĂNA 1993 SRL", '"2"')


def test_another_organisations_prospect_is_a_404_and_anaf_is_not_asked(
    api, other_org, other_owner, loopback
):
    theirs = sales.prospect_create(org=other_org, user=other_owner, company_name="B", cui=CUI)
    response = api.post(f"/api/v1/prospects/{theirs.pk}/fill-from-anaf")
    assert problem(response, 404)[0] == "not_found"
    assert loopback.seen == []
    assert Prospect.objects.get(pk=theirs.pk).version == 1


def test_a_prospect_without_cui_is_a_422_on_cui(api, org, owner, loopback):
    prospect = sales.prospect_create(org=org, user=owner, company_name="Fără CUI SRL")
    response = api.post(f"/api/v1/prospects/{prospect.pk}/fill-from-anaf")
    assert problem(response, 422) == ("required", [("cui", "required")])
    assert loopback.seen == []


def test_an_unknown_cui_is_a_422_on_cui(api, prospect, loopback):
    loopback.answer(ANAF_PATH, anaf_json(not_found=[4264242]))
    response = api.post(f"/api/v1/prospects/{prospect.pk}/fill-from-anaf")
    assert problem(response, 422) == ("anaf_not_found", [("cui", "anaf_not_found")])


def test_anaf_timing_out_is_a_409_and_changes_nothing(api, prospect, loopback, settings):
    settings.SMARTCRM_HTTP_TIMEOUT = 0.5
    loopback.answer(ANAF_PATH, Answer(200, b"{}", "application/json", delay=5))
    response = api.post(f"/api/v1/prospects/{prospect.pk}/fill-from-anaf")
    assert problem(response, 409) == ("anaf_unavailable", [("cui", "anaf_unavailable")])
    assert "0.5 s" in response.json()["detail"]
    prospect.refresh_from_db()
    assert (prospect.company_name, prospect.version) == ("Cumpana", 1)


def test_a_stale_if_match_is_a_412(api, prospect, loopback):
    response = api.post(f"/api/v1/prospects/{prospect.pk}/fill-from-anaf", If_Match='"5"')
    assert problem(response, 412)[0] == "stale_version"
    assert loopback.seen == []


# --- BNR ------------------------------------------------------------------------------


FRIDAY_DOC = bnr_xml(("2025-11-21", {"EUR": "5.0812", "USD": "4.4001", "HUF": ("1.3245", 100)}))


def test_a_manager_fetches_the_latest_rates(org, manager, loopback):
    loopback.answer(BNR_PATH, xml_answer(FRIDAY_DOC))
    response = ApiClient(org, manager).post("/api/v1/exchange-rates/bnr/fetch")
    assert response.status_code == 200, response.content
    assert response.json() == {
        "requested_date": None,
        "days": ["2025-11-21"],
        "fell_back": False,
        "rates": 3,
        "unchanged": 0,
        "skipped": [],
    }
    assert ExchangeRate.objects.for_org(org).get(currency="HUF").rate == Decimal("0.013245")


def test_fetching_a_day_without_rates_says_it_fell_back(api, loopback):
    loopback.answer(YEAR_PATH.format(year=2025), xml_answer(FRIDAY_DOC))
    response = api.post("/api/v1/exchange-rates/bnr/fetch", {"date": "2025-11-23"})
    assert response.status_code == 200, response.content
    assert {k: response.json()[k] for k in ("requested_date", "days", "fell_back")} == {
        "requested_date": "2025-11-23",
        "days": ["2025-11-21"],
        "fell_back": True,
    }


def test_a_sales_user_may_not_fetch_rates(org, sales_user, loopback):
    response = ApiClient(org, sales_user).post("/api/v1/exchange-rates/bnr/fetch")
    assert problem(response, 403)[0] == "forbidden"
    assert loopback.seen == []


def test_with_the_catalogue_switched_off_fetching_is_a_404(api, org, owner, loopback):
    core.organization_set_modules(org=org, user=owner, enabled=[Module.NOTES])
    response = api.post("/api/v1/exchange-rates/bnr/fetch")
    assert problem(response, 404)[0] == "module_disabled"
    assert loopback.seen == []


def test_bnr_down_is_a_409_and_stores_nothing(api, org, loopback):
    loopback.answer(BNR_PATH, Answer(503, b"Busy", "text/plain"))
    response = api.post("/api/v1/exchange-rates/bnr/fetch")
    assert problem(response, 409) == ("bnr_unavailable", [("date", "bnr_unavailable")])
    assert not ExchangeRate.objects.for_org(org).exists()


def test_a_future_day_is_a_422_on_date(api):
    tomorrow = dt.date.today() + dt.timedelta(days=2)  # noqa: DTZ011 - any zone's "after tomorrow"
    response = api.post("/api/v1/exchange-rates/bnr/fetch", {"date": tomorrow.isoformat()})
    assert problem(response, 422) == ("future_date", [("date", "future_date")])


def test_an_unknown_body_field_is_a_422(api):
    response = api.post("/api/v1/exchange-rates/bnr/fetch", {"day": "2025-11-21"})
    assert problem(response, 422)[1] == [("day", "extra_forbidden")]
