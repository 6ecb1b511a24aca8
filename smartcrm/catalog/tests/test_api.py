"""REST API of the catalogue: /api/v1/products and /api/v1/exchange-rates."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

import pytest

from smartcrm.api.tests.helpers import PROBLEM, bearer, error_fields, queries_of, send
from smartcrm.catalog.choices import RateSource
from smartcrm.catalog.models import ExchangeRate, Product
from smartcrm.catalog.services import exchange_rate_set, product_create
from smartcrm.core.modules import Module
from smartcrm.core.services import organization_set_modules

MARCH_2 = dt.date(2026, 3, 2)
MARCH_3 = dt.date(2026, 3, 3)
MARCH_4 = dt.date(2026, 3, 4)


# --- helpers --------------------------------------------------------------------------


def without_times(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k not in ("created_at", "updated_at")}


@pytest.fixture
def auth(org, owner) -> dict[str, str]:
    return bearer(org, owner)


@pytest.fixture
def foreign_product(other_org, other_owner):
    return _product(other_org, other_owner, code="STRAIN", name="Al lor")


@pytest.fixture
def foreign_rate(other_org, other_owner):
    return exchange_rate_set(
        org=other_org, user=other_owner, currency="EUR", date=MARCH_2, rate=Decimal("4.9")
    )


def _product(org, user, **fields):
    values = {"code": "CRM-LIC", "name": "Licență CRM", "price": Decimal("100"), **fields}
    return product_create(org=org, user=user, **values)


def _rate(org, user, currency="EUR", date=MARCH_2, rate="4.9771"):
    return exchange_rate_set(org=org, user=user, currency=currency, date=date, rate=Decimal(rate))


def _switch_off_catalogue(org, owner):
    organization_set_modules(
        org=org, user=owner, enabled=[Module.ACTIVITIES, Module.NOTES, Module.TASKS]
    )


# --- authentication and the module switch ---------------------------------------------

PRODUCT_OPERATIONS = [
    ("get", "/api/v1/products", None),
    ("post", "/api/v1/products", {"code": "NOU", "name": "Nou", "price": "1"}),
    ("get", "/api/v1/products/{id}", None),
    ("patch", "/api/v1/products/{id}", {"name": "X"}),
    ("delete", "/api/v1/products/{id}", None),
]
RATE_OPERATIONS = [
    ("get", "/api/v1/exchange-rates", None),
    ("post", "/api/v1/exchange-rates", {"currency": "USD", "date": "2026-03-02", "rate": "4.5"}),
    ("get", "/api/v1/exchange-rates/{id}", None),
    ("patch", "/api/v1/exchange-rates/{id}", {"rate": "5"}),
    ("delete", "/api/v1/exchange-rates/{id}", None),
]


@pytest.mark.parametrize(("method", "path", "body"), PRODUCT_OPERATIONS + RATE_OPERATIONS)
def test_every_catalogue_operation_needs_a_token(client, org, owner, method, path, body):
    product, rate = _product(org, owner), _rate(org, owner)
    record = rate if "exchange" in path else product

    response = send(client, method, path.format(id=record.pk), body)

    assert error_fields(response, 401) == []
    assert (Product.objects.get().version, ExchangeRate.objects.get().version) == (1, 1)


@pytest.mark.parametrize(("method", "path", "body"), PRODUCT_OPERATIONS + RATE_OPERATIONS)
def test_every_catalogue_operation_is_not_found_when_the_module_is_off(
    client, auth, org, owner, method, path, body
):
    # given a product and a rate, then the catalogue switched off
    product, rate = _product(org, owner), _rate(org, owner)
    record = rate if "exchange" in path else product
    _switch_off_catalogue(org, owner)

    # when any operation is called with a valid request
    response = send(client, method, path.format(id=record.pk), body, **auth)

    # then the module answers as if it did not exist, and its data stays
    assert error_fields(response, 404) == [None]
    assert response.json()["code"] == "module_disabled"
    assert (Product.objects.get().version, ExchangeRate.objects.get().version) == (1, 1)


# --- products: list -------------------------------------------------------------------


def test_list_products_shows_the_organisations_products_only(
    client, auth, org, owner, foreign_product
):
    product = _product(
        org,
        owner,
        description="Anual",
        unit="an",
        price=Decimal("1200.5"),
        currency="EUR",
        vat_rate=Decimal("21"),
    )

    response = client.get("/api/v1/products", **auth)

    assert response.status_code == 200
    assert [without_times(item) for item in response.json()["items"]] == [
        {
            "id": str(product.pk),
            "kind": "product",
            "code": "CRM-LIC",
            "name": "Licență CRM",
            "description": "Anual",
            "unit": "an",
            "price": "1200.5000",
            "currency": "EUR",
            "price_includes_vat": False,
            "vat_rate": "21.00",
            "track_stock": False,
            "stock_quantity": None,
            "active": True,
            "version": 1,
        }
    ]


def test_list_products_filters_by_kind_active_currency_and_text(client, auth, org, owner):
    licence = _product(org, owner, code="LIC", name="Licență", currency="EUR")
    training = _product(org, owner, code="TRN", name="Instruire", kind="service")
    old = _product(org, owner, code="OLD", name="Modul vechi", active=False)

    def ids(query: str) -> list[str]:
        response = client.get(f"/api/v1/products?{query}", **auth)
        assert response.status_code == 200, response.content
        return [item["id"] for item in response.json()["items"]]

    assert ids("kind=service") == [str(training.pk)]
    assert ids("active=false") == [str(old.pk)]
    assert ids("currency=EUR") == [str(licence.pk)]
    assert ids("q=instr") == [str(training.pk)]
    assert ids("q=lic") == [str(licence.pk)]


def test_list_products_orders_by_price_and_pages(client, auth, org, owner):
    cheap = _product(org, owner, code="A", price=Decimal("5"))
    dear = _product(org, owner, code="B", price=Decimal("500"))
    middle = _product(org, owner, code="C", price=Decimal("50.25"))

    first = client.get("/api/v1/products?ordering=-price&limit=2", **auth).json()
    second = client.get(
        f"/api/v1/products?ordering=-price&limit=2&cursor={first['next_cursor']}", **auth
    ).json()
    by_code = client.get("/api/v1/products", **auth).json()

    assert [item["id"] for item in first["items"]] == [str(dear.pk), str(middle.pk)]
    assert [item["id"] for item in second["items"]] == [str(cheap.pk)]
    assert [item["code"] for item in by_code["items"]] == ["A", "B", "C"]


def test_list_products_refuses_a_cursor_of_another_ordering(client, auth, org, owner):
    for code in ("A", "B"):
        _product(org, owner, code=code)
    cursor = client.get("/api/v1/products?ordering=price&limit=1", **auth).json()["next_cursor"]

    response = client.get(f"/api/v1/products?ordering=name&cursor={cursor}", **auth)

    assert error_fields(response, 400) == ["cursor"]


def test_list_products_runs_as_many_queries_for_12_rows_as_for_2(client, auth, org, owner):
    for index in range(2):
        _product(org, owner, code=f"P{index:02}")
    two = queries_of(client, "/api/v1/products", auth, rows=2)

    for index in range(2, 12):
        _product(org, owner, code=f"P{index:02}")
    twelve = queries_of(client, "/api/v1/products", auth, rows=12)

    assert twelve == two


def test_list_products_refuses_an_ordering_outside_the_allow_list(client, auth):
    response = client.get("/api/v1/products?ordering=owner__password", **auth)

    assert error_fields(response, 400) == ["ordering"]


def test_list_products_refuses_an_unknown_query_parameter(client, auth):
    response = client.get("/api/v1/products?price_max=10", **auth)

    assert error_fields(response, 400) == ["price_max"]


def test_a_sales_user_reads_the_catalogue(client, org, owner, sales_user):
    product = _product(org, owner)

    response = client.get(f"/api/v1/products/{product.pk}", **bearer(org, sales_user))

    assert response.status_code == 200


# --- products: create -----------------------------------------------------------------


def test_create_product(client, auth, org):
    response = send(
        client,
        "post",
        "/api/v1/products",
        {
            "code": "srv-01",
            "name": "Mentenanţă lunară",
            "kind": "service",
            "unit": "lună",
            "price": "250.00",
            "currency": "EUR",
            "vat_rate": "21",
        },
        **auth,
    )

    assert response.status_code == 201, response.content
    product = Product.objects.get()
    assert response["Location"] == f"/api/v1/products/{product.pk}"
    assert response["ETag"] == '"1"'
    assert without_times(response.json()) == {
        "id": str(product.pk),
        "kind": "service",
        "code": "SRV-01",
        "name": "Mentenanță lunară",
        "description": "",
        "unit": "lună",
        "price": "250.0000",
        "currency": "EUR",
        "price_includes_vat": False,
        "vat_rate": "21.00",
        "track_stock": False,
        "stock_quantity": None,
        "active": True,
        "version": 1,
    }
    assert (product.organization_id, product.price) == (org.pk, Decimal("250.00"))


def test_create_product_is_forbidden_to_a_sales_user(client, org, sales_user):
    response = send(
        client,
        "post",
        "/api/v1/products",
        {"code": "X", "name": "X", "price": "1"},
        **bearer(org, sales_user),
    )

    assert error_fields(response, 403) == [None]
    assert not Product.objects.exists()


def test_create_product_by_a_manager(client, org, manager):
    response = send(
        client,
        "post",
        "/api/v1/products",
        {"code": "X", "name": "X", "price": "1"},
        **bearer(org, manager),
    )

    assert response.status_code == 201, response.content


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("price", "-1"),
        ("price", "abc"),
        ("vat_rate", "150"),
        ("currency", "EUO"),
        ("kind", "bundle"),
        ("name", ""),
    ],
)
def test_create_product_refuses_a_bad_value(client, auth, field, value):
    response = send(
        client,
        "post",
        "/api/v1/products",
        {"code": "X", "name": "X", "price": "1", field: value},
        **auth,
    )

    assert error_fields(response, 422) == [field]
    assert not Product.objects.exists()


def test_create_product_refuses_a_code_in_use_naming_the_code(client, auth, org, owner):
    _product(org, owner, code="CRM-LIC")

    response = send(
        client, "post", "/api/v1/products", {"code": "crm-lic", "name": "X", "price": "1"}, **auth
    )

    assert error_fields(response, 422) == ["code"]


def test_create_product_refuses_a_code_in_use(client, auth, org, owner):
    _product(org, owner, code="CRM-LIC")

    response = send(
        client, "post", "/api/v1/products", {"code": "crm-lic", "name": "X", "price": "1"}, **auth
    )

    assert response.status_code == 422
    assert response["Content-Type"] == PROBLEM
    assert Product.objects.count() == 1


def test_create_product_refuses_stock_on_a_service(client, auth):
    response = send(
        client,
        "post",
        "/api/v1/products",
        {"code": "S", "name": "S", "price": "1", "kind": "service", "track_stock": True},
        **auth,
    )

    assert response.status_code == 422
    assert response["Content-Type"] == PROBLEM
    assert not Product.objects.exists()


@pytest.mark.parametrize("field", ["organization", "version", "id"])
def test_create_product_refuses_fields_the_server_owns(client, auth, field, other_org):
    response = send(
        client,
        "post",
        "/api/v1/products",
        {"code": "X", "name": "X", "price": "1", field: str(other_org.pk)},
        **auth,
    )

    assert error_fields(response, 422) == [field]
    assert not Product.objects.exists()


# --- products: read, update, delete ---------------------------------------------------


def test_get_product_carries_its_version_as_etag(client, auth, org, owner):
    product = _product(org, owner)

    response = client.get(f"/api/v1/products/{product.pk}", **auth)

    assert response.status_code == 200
    assert response["ETag"] == '"1"'
    assert (response.json()["id"], response.json()["code"]) == (str(product.pk), "CRM-LIC")


def test_get_product_of_another_organisation_is_not_found(client, auth, foreign_product):
    response = client.get(f"/api/v1/products/{foreign_product.pk}", **auth)

    assert error_fields(response, 404) == [None]


def test_update_product(client, auth, org, owner):
    product = _product(org, owner)

    response = send(
        client,
        "patch",
        f"/api/v1/products/{product.pk}",
        {"price": "120.1234", "active": False},
        HTTP_IF_MATCH='"1"',
        **auth,
    )

    assert response.status_code == 200, response.content
    assert response["ETag"] == '"2"'
    body = response.json()
    assert (body["price"], body["active"], body["name"], body["version"]) == (
        "120.1234",
        False,
        "Licență CRM",
        2,
    )
    stored = Product.objects.get(pk=product.pk)
    assert (stored.price, stored.active) == (Decimal("120.1234"), False)


def test_update_product_is_forbidden_to_a_sales_user(client, org, owner, sales_user):
    product = _product(org, owner)

    response = send(
        client,
        "patch",
        f"/api/v1/products/{product.pk}",
        {"price": "1"},
        **bearer(org, sales_user),
    )

    assert error_fields(response, 403) == [None]
    assert Product.objects.get(pk=product.pk).price == Decimal("100")


def test_update_product_with_a_stale_version_is_refused(client, auth, org, owner):
    product = _product(org, owner)

    response = send(
        client,
        "patch",
        f"/api/v1/products/{product.pk}",
        {"price": "1"},
        HTTP_IF_MATCH='"2"',
        **auth,
    )

    assert error_fields(response, 412) == ["version"]
    assert Product.objects.get(pk=product.pk).price == Decimal("100")


def test_update_product_refuses_too_many_decimals(client, auth, org, owner):
    product = _product(org, owner)

    response = send(client, "patch", f"/api/v1/products/{product.pk}", {"price": "1.23456"}, **auth)

    assert error_fields(response, 422) == ["price"]


@pytest.mark.parametrize(("field", "value"), [("organization", None), ("version", 3)])
def test_update_product_refuses_fields_it_cannot_change(
    client, auth, org, owner, other_org, field, value
):
    product = _product(org, owner)

    response = send(
        client,
        "patch",
        f"/api/v1/products/{product.pk}",
        {field: value if value is not None else str(other_org.pk)},
        **auth,
    )

    assert error_fields(response, 422) == [field]
    stored = Product.objects.get(pk=product.pk)
    assert (stored.organization_id, stored.version) == (org.pk, 1)


def test_update_product_of_another_organisation_is_not_found(client, auth, foreign_product):
    response = send(
        client, "patch", f"/api/v1/products/{foreign_product.pk}", {"price": "0"}, **auth
    )

    assert error_fields(response, 404) == [None]
    stored = Product.objects.get(pk=foreign_product.pk)
    assert (stored.price, stored.version) == (Decimal("100"), 1)


def test_delete_product(client, auth, org, owner):
    product = _product(org, owner)

    response = client.delete(f"/api/v1/products/{product.pk}", HTTP_IF_MATCH='"1"', **auth)

    assert response.status_code == 204
    assert not Product.objects.filter(pk=product.pk).exists()


def test_delete_product_is_forbidden_to_a_sales_user(client, org, owner, sales_user):
    product = _product(org, owner)

    response = client.delete(f"/api/v1/products/{product.pk}", **bearer(org, sales_user))

    assert error_fields(response, 403) == [None]
    assert Product.objects.filter(pk=product.pk).exists()


def test_delete_product_with_a_stale_version_is_refused(client, auth, org, owner):
    product = _product(org, owner)

    response = client.delete(f"/api/v1/products/{product.pk}", HTTP_IF_MATCH='"6"', **auth)

    assert error_fields(response, 412) == ["version"]
    assert Product.objects.filter(pk=product.pk).exists()


def test_delete_product_of_another_organisation_is_not_found(client, auth, foreign_product):
    response = client.delete(f"/api/v1/products/{foreign_product.pk}", **auth)

    assert error_fields(response, 404) == [None]
    assert Product.objects.filter(pk=foreign_product.pk).exists()


def test_unknown_product_is_not_found(client, auth):
    response = client.get(f"/api/v1/products/{uuid.uuid4()}", **auth)

    assert error_fields(response, 404) == [None]


# --- exchange rates: list -------------------------------------------------------------


def test_list_exchange_rates_shows_the_organisations_rates_only(
    client, auth, org, owner, foreign_rate
):
    rate = _rate(org, owner, rate="4.9771")

    response = client.get("/api/v1/exchange-rates", **auth)

    assert response.status_code == 200
    assert [without_times(item) for item in response.json()["items"]] == [
        {
            "id": str(rate.pk),
            "currency": "EUR",
            "date": "2026-03-02",
            "rate": "4.977100",
            "source": "manual",
            "version": 1,
        }
    ]


def test_list_exchange_rates_filters_by_currency_and_dates(client, auth, org, owner):
    eur_2 = _rate(org, owner, "EUR", MARCH_2)
    eur_3 = _rate(org, owner, "EUR", MARCH_3)
    usd_4 = _rate(org, owner, "USD", MARCH_4, rate="4.5")

    def ids(query: str) -> list[str]:
        response = client.get(f"/api/v1/exchange-rates?{query}", **auth)
        assert response.status_code == 200, response.content
        return [item["id"] for item in response.json()["items"]]

    assert ids("currency=EUR") == [str(eur_3.pk), str(eur_2.pk)]
    assert ids("date_from=2026-03-03") == [str(usd_4.pk), str(eur_3.pk)]
    assert ids("date_to=2026-03-03") == [str(eur_3.pk), str(eur_2.pk)]
    assert ids("date_from=2026-03-03&date_to=2026-03-03") == [str(eur_3.pk)]


def test_list_exchange_rates_latest_day_first_and_pages(client, auth, org, owner):
    eur_2 = _rate(org, owner, "EUR", MARCH_2)
    usd_3 = _rate(org, owner, "USD", MARCH_3, rate="4.5")
    chf_4 = _rate(org, owner, "CHF", MARCH_4, rate="5.2")

    first = client.get("/api/v1/exchange-rates?limit=2", **auth).json()
    second = client.get(
        f"/api/v1/exchange-rates?limit=2&cursor={first['next_cursor']}", **auth
    ).json()
    by_currency = client.get("/api/v1/exchange-rates?ordering=currency", **auth).json()

    assert [item["id"] for item in first["items"]] == [str(chf_4.pk), str(usd_3.pk)]
    assert [item["id"] for item in second["items"]] == [str(eur_2.pk)]
    assert [item["currency"] for item in by_currency["items"]] == ["CHF", "EUR", "USD"]


def test_list_exchange_rates_runs_as_many_queries_for_12_rows_as_for_2(client, auth, org, owner):
    for day in range(1, 3):
        _rate(org, owner, date=dt.date(2026, 3, day))
    two = queries_of(client, "/api/v1/exchange-rates", auth, rows=2)

    for day in range(3, 13):
        _rate(org, owner, date=dt.date(2026, 3, day))
    twelve = queries_of(client, "/api/v1/exchange-rates", auth, rows=12)

    assert twelve == two


def test_list_exchange_rates_refuses_an_ordering_outside_the_allow_list(client, auth):
    response = client.get("/api/v1/exchange-rates?ordering=owner__password", **auth)

    assert error_fields(response, 400) == ["ordering"]


def test_list_exchange_rates_refuses_an_unknown_query_parameter(client, auth):
    response = client.get("/api/v1/exchange-rates?on=2026-03-02", **auth)

    assert error_fields(response, 400) == ["on"]


def test_list_exchange_rates_refuses_a_malformed_date(client, auth):
    response = client.get("/api/v1/exchange-rates?date_from=02.03.2026", **auth)

    assert error_fields(response, 400) == ["date_from"]


# --- exchange rates: set --------------------------------------------------------------


def test_set_exchange_rate_for_a_new_day(client, auth, org):
    response = send(
        client,
        "post",
        "/api/v1/exchange-rates",
        {"currency": "eur", "date": "2026-03-02", "rate": "4.9771", "source": "bnr"},
        **auth,
    )

    assert response.status_code == 201, response.content
    rate = ExchangeRate.objects.get()
    assert response["Location"] == f"/api/v1/exchange-rates/{rate.pk}"
    assert response["ETag"] == '"1"'
    assert without_times(response.json()) == {
        "id": str(rate.pk),
        "currency": "EUR",
        "date": "2026-03-02",
        "rate": "4.977100",
        "source": "bnr",
        "version": 1,
    }
    assert (rate.organization_id, rate.rate, rate.source) == (
        org.pk,
        Decimal("4.9771"),
        RateSource.BNR,
    )


def test_set_exchange_rate_again_for_the_same_day_corrects_it(client, auth, org, owner):
    rate = _rate(org, owner, "EUR", MARCH_2, rate="4.9")

    response = send(
        client,
        "post",
        "/api/v1/exchange-rates",
        {"currency": "EUR", "date": "2026-03-02", "rate": "4.9771"},
        **auth,
    )

    assert response.status_code == 200, response.content
    assert response["ETag"] == '"2"'
    assert (response.json()["id"], response.json()["rate"]) == (str(rate.pk), "4.977100")
    assert ExchangeRate.objects.get().rate == Decimal("4.9771")


def test_set_exchange_rate_is_forbidden_to_a_sales_user(client, org, sales_user):
    response = send(
        client,
        "post",
        "/api/v1/exchange-rates",
        {"currency": "EUR", "date": "2026-03-02", "rate": "4.9771"},
        **bearer(org, sales_user),
    )

    assert error_fields(response, 403) == [None]
    assert not ExchangeRate.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("currency", "RON"),
        ("currency", "EUO"),
        ("rate", "0"),
        ("rate", "-4.9"),
        ("rate", "4.12345678"),
        ("date", "2026-02-30"),
        ("source", "guess"),
    ],
)
def test_set_exchange_rate_refuses_a_bad_value(client, auth, field, value):
    body = {"currency": "EUR", "date": "2026-03-02", "rate": "4.9771", field: value}

    response = send(client, "post", "/api/v1/exchange-rates", body, **auth)

    assert error_fields(response, 422) == [field]
    assert not ExchangeRate.objects.exists()


@pytest.mark.parametrize("field", ["organization", "version", "id"])
def test_set_exchange_rate_refuses_fields_the_server_owns(client, auth, other_org, field):
    body = {"currency": "EUR", "date": "2026-03-02", "rate": "4.9771", field: str(other_org.pk)}

    response = send(client, "post", "/api/v1/exchange-rates", body, **auth)

    assert error_fields(response, 422) == [field]
    assert not ExchangeRate.objects.exists()


# --- exchange rates: read, correct, delete --------------------------------------------


def test_get_exchange_rate_carries_its_version_as_etag(client, auth, org, owner):
    rate = _rate(org, owner)

    response = client.get(f"/api/v1/exchange-rates/{rate.pk}", **auth)

    assert response.status_code == 200
    assert response["ETag"] == '"1"'
    assert (response.json()["id"], response.json()["currency"]) == (str(rate.pk), "EUR")


def test_get_exchange_rate_of_another_organisation_is_not_found(client, auth, foreign_rate):
    response = client.get(f"/api/v1/exchange-rates/{foreign_rate.pk}", **auth)

    assert error_fields(response, 404) == [None]


def test_update_exchange_rate(client, auth, org, owner):
    rate = _rate(org, owner, rate="4.9")

    response = send(
        client,
        "patch",
        f"/api/v1/exchange-rates/{rate.pk}",
        {"rate": "4.9771", "source": "file"},
        HTTP_IF_MATCH='"1"',
        **auth,
    )

    assert response.status_code == 200, response.content
    assert response["ETag"] == '"2"'
    body = response.json()
    assert (body["rate"], body["source"], body["currency"], body["date"], body["version"]) == (
        "4.977100",
        "file",
        "EUR",
        "2026-03-02",
        2,
    )
    stored = ExchangeRate.objects.get(pk=rate.pk)
    assert (stored.rate, stored.source) == (Decimal("4.9771"), RateSource.FILE)


def test_update_exchange_rate_keeps_the_source_when_left_out(client, auth, org, owner):
    rate = exchange_rate_set(
        org=org, user=owner, currency="EUR", date=MARCH_2, rate=Decimal("4.9"), source="bnr"
    )

    response = send(client, "patch", f"/api/v1/exchange-rates/{rate.pk}", {"rate": "5"}, **auth)

    assert response.status_code == 200, response.content
    assert (response.json()["rate"], response.json()["source"]) == ("5.000000", "bnr")


def test_update_exchange_rate_with_a_stale_version_is_refused(client, auth, org, owner):
    rate = _rate(org, owner, rate="4.9")

    response = send(
        client,
        "patch",
        f"/api/v1/exchange-rates/{rate.pk}",
        {"rate": "5"},
        HTTP_IF_MATCH='"2"',
        **auth,
    )

    assert error_fields(response, 412) == ["version"]
    stored = ExchangeRate.objects.get(pk=rate.pk)
    assert (stored.rate, stored.version) == (Decimal("4.9"), 1)


def test_update_exchange_rate_is_forbidden_to_a_sales_user(client, org, owner, sales_user):
    rate = _rate(org, owner, rate="4.9")

    response = send(
        client,
        "patch",
        f"/api/v1/exchange-rates/{rate.pk}",
        {"rate": "5"},
        **bearer(org, sales_user),
    )

    assert error_fields(response, 403) == [None]
    assert ExchangeRate.objects.get(pk=rate.pk).rate == Decimal("4.9")


@pytest.mark.parametrize(
    ("field", "value"), [("rate", "0"), ("currency", "USD"), ("date", "2026-03-03")]
)
def test_update_exchange_rate_refuses_a_bad_or_fixed_field(client, auth, org, owner, field, value):
    rate = _rate(org, owner, rate="4.9")

    response = send(
        client,
        "patch",
        f"/api/v1/exchange-rates/{rate.pk}",
        {"rate": "5", field: value},
        **auth,
    )

    assert error_fields(response, 422) == [field]
    stored = ExchangeRate.objects.get(pk=rate.pk)
    assert (stored.currency, stored.date, stored.rate) == ("EUR", MARCH_2, Decimal("4.9"))


def test_update_exchange_rate_of_another_organisation_is_not_found(client, auth, foreign_rate):
    response = send(
        client, "patch", f"/api/v1/exchange-rates/{foreign_rate.pk}", {"rate": "1"}, **auth
    )

    assert error_fields(response, 404) == [None]
    stored = ExchangeRate.objects.get(pk=foreign_rate.pk)
    assert (stored.rate, stored.version) == (Decimal("4.9"), 1)


def test_delete_exchange_rate(client, auth, org, owner):
    rate = _rate(org, owner)

    response = client.delete(f"/api/v1/exchange-rates/{rate.pk}", HTTP_IF_MATCH='"1"', **auth)

    assert response.status_code == 204
    assert not ExchangeRate.objects.filter(pk=rate.pk).exists()


def test_delete_exchange_rate_is_forbidden_to_a_sales_user(client, org, owner, sales_user):
    rate = _rate(org, owner)

    response = client.delete(f"/api/v1/exchange-rates/{rate.pk}", **bearer(org, sales_user))

    assert error_fields(response, 403) == [None]
    assert ExchangeRate.objects.filter(pk=rate.pk).exists()


def test_delete_exchange_rate_with_a_stale_version_is_refused(client, auth, org, owner):
    rate = _rate(org, owner)

    response = client.delete(f"/api/v1/exchange-rates/{rate.pk}", HTTP_IF_MATCH='"3"', **auth)

    assert error_fields(response, 412) == ["version"]
    assert ExchangeRate.objects.filter(pk=rate.pk).exists()


def test_delete_exchange_rate_of_another_organisation_is_not_found(client, auth, foreign_rate):
    response = client.delete(f"/api/v1/exchange-rates/{foreign_rate.pk}", **auth)

    assert error_fields(response, 404) == [None]
    assert ExchangeRate.objects.filter(pk=foreign_rate.pk).exists()
