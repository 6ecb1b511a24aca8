"""Catalogue pages: products and services, the offer editor's typeahead, exchange rates."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from smartcrm.catalog import services
from smartcrm.catalog.models import ExchangeRate, Product
from smartcrm.core.services import organization_set_modules
from smartcrm.integrations.tests.conftest import (  # the loopback BNR server and its settings
    BNR_PATH,
    _no_internet,  # noqa: F401 - a fixture, used by name below
    bnr_xml,
    loopback,  # noqa: F401 - a fixture, used by name below
    xml_answer,
)

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def product(org, owner):
    return services.product_create(
        org=org, user=owner, code="LIC-12", name="Licență anuală", price=Decimal("1200"),
        unit="an",
    )  # fmt: skip


def _products(org, user, count, start=0):
    for n in range(start, start + count):
        services.product_create(
            org=org, user=user, code=f"P-{n:03d}", name=f"Produs {n}", price=Decimal(n)
        )


def _query_count(client, url):
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries.captured_queries)


def _form(**values):
    return {
        "kind": "product", "code": "CAB-01", "name": "Cablu UTP", "unit": "m", "price": "2,5",
        "currency": "RON", "vat_rate": "21", "active": "on",
    } | values  # fmt: skip


# --- products --------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["owner", "manager", "sales_user"])
def test_product_list_shows_the_catalogue_to_every_role(
    client, request, org, product, other_org, other_owner, role
):
    services.product_create(org=other_org, user=other_owner, code="SECRET", name="X",
                            price=Decimal(1))  # fmt: skip
    client.force_login(request.getfixturevalue(role))
    response = client.get(reverse("catalog:product-list"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "LIC-12" in page and "SECRET" not in page
    new_button = f'class="btn btn-primary" href="{reverse("catalog:product-new")}"'
    assert (new_button in page) == (role != "sales_user")


def test_product_list_filters_by_kind_active_and_text(client, org, owner, product):
    services.product_create(org=org, user=owner, code="SRV-1", name="Instalare",
                            price=Decimal(1), kind="service", active=False)  # fmt: skip
    client.force_login(owner)
    url = reverse("catalog:product-list")
    services_only = client.get(url, {"kind": "service"}).content.decode()
    active_only = client.get(url, {"active": "true"}).content.decode()
    by_text = client.get(url, {"q": "instal"}).content.decode()
    assert "SRV-1" in services_only and "LIC-12" not in services_only
    assert "LIC-12" in active_only and "SRV-1" not in active_only
    assert "SRV-1" in by_text and "LIC-12" not in by_text


def test_product_list_sorts_by_price_descending(client, org, owner):
    _products(org, owner, 3)
    client.force_login(owner)
    page = client.get(reverse("catalog:product-list"), {"ordering": "-price"}).content.decode()
    assert page.index("P-002") < page.index("P-001") < page.index("P-000")


def test_product_list_query_count_does_not_grow_with_rows(client, org, owner):
    client.force_login(owner)
    url = reverse("catalog:product-list")
    _products(org, owner, 2)
    few = _query_count(client, url)
    _products(org, owner, 18, start=2)
    assert _query_count(client, url) == few


def test_product_list_of_a_switched_off_catalogue_is_404(client, org, owner):
    organization_set_modules(org=org, user=owner, enabled=["activities", "notes", "tasks"])
    client.force_login(owner)
    assert client.get(reverse("catalog:product-list")).status_code == 404


def test_manager_adds_a_product_with_a_decimal_comma(client, org, manager):
    client.force_login(manager)
    response = client.post(reverse("catalog:product-new"), _form())
    created = Product.objects.for_org(org).get(code="CAB-01")
    assert response.status_code == 302
    assert response["Location"] == reverse("catalog:product", args=[created.pk])
    assert (created.price, created.unit, created.active) == (Decimal("2.5000"), "m", True)


def test_sales_user_cannot_add_products(client, org, sales_user):
    client.force_login(sales_user)
    assert client.get(reverse("catalog:product-new")).status_code == 403
    assert client.post(reverse("catalog:product-new"), _form()).status_code == 403
    assert not Product.objects.exists()


def test_a_price_that_is_not_a_number_is_refused_next_to_it(client, org, owner):
    client.force_login(owner)
    response = client.post(reverse("catalog:product-new"), _form(price="doi lei"))
    assert response.status_code == 422
    assert response.context["form"].errors["price"] == ["Enter a number, like 12,5."]
    assert 'value="doi lei"' in response.content.decode()
    assert not Product.objects.exists()


def test_a_duplicate_code_is_refused_at_the_code(client, org, owner, product):
    client.force_login(owner)
    response = client.post(reverse("catalog:product-new"), _form(code="lic-12"))
    assert response.status_code == 422
    assert response.context["form"].errors["code"] == ["A product with this code already exists."]
    assert Product.objects.count() == 1


def test_a_service_cannot_track_stock(client, org, owner):
    client.force_login(owner)
    response = client.post(
        reverse("catalog:product-new"), _form(kind="service", track_stock="on", stock_quantity="3")
    )
    assert response.status_code == 422
    assert response.context["form"].errors["track_stock"] == [
        "Only products (not services) track stock."
    ]
    assert not Product.objects.exists()


@pytest.mark.parametrize("role", ["owner", "sales_user"])
def test_product_page_shows_the_product(client, request, org, product, role):
    client.force_login(request.getfixturevalue(role))
    response = client.get(reverse("catalog:product", args=[product.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Licență anuală" in page
    assert ('data-testid="product-form"' in page) == (role == "owner")


def test_product_page_of_another_organisation_is_404(client, other_org, other_owner, product):
    client.force_login(other_owner)
    assert client.get(reverse("catalog:product", args=[product.pk])).status_code == 404
    response = client.post(reverse("catalog:product-active", args=[product.pk]), {"active": "0"})
    assert response.status_code == 404
    assert Product.objects.get(pk=product.pk).active is True


def test_edit_a_product(client, org, owner, product):
    client.force_login(owner)
    response = client.post(
        reverse("catalog:product", args=[product.pk]),
        _form(code="LIC-12", name="Licență 12 luni", price="1300", version=product.version),
    )
    assert response.status_code == 302
    saved = Product.objects.get(pk=product.pk)
    assert (saved.name, saved.price) == ("Licență 12 luni", Decimal("1300.0000"))


def test_a_stale_product_edit_keeps_the_input_and_changes_nothing(client, org, owner, product):
    services.product_update(org=org, user=owner, product_id=product.pk, name="Schimbat")
    client.force_login(owner)
    response = client.post(
        reverse("catalog:product", args=[product.pk]),
        _form(code="LIC-12", name="Al meu", version=product.version),
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "Someone else changed this record meanwhile." in page
    assert 'value="Al meu"' in page
    assert Product.objects.get(pk=product.pk).name == "Schimbat"


def test_sales_user_cannot_edit_a_product(client, org, sales_user, product):
    client.force_login(sales_user)
    response = client.post(reverse("catalog:product", args=[product.pk]), _form(name="X"))
    assert response.status_code == 403
    assert Product.objects.get(pk=product.pk).name == "Licență anuală"


def test_deactivate_and_activate_a_product(client, org, owner, product):
    client.force_login(owner)
    url = reverse("catalog:product-active", args=[product.pk])
    client.post(url, {"active": "0", "version": product.version})
    assert Product.objects.get(pk=product.pk).active is False
    client.post(url, {"active": "1"})
    assert Product.objects.get(pk=product.pk).active is True


# --- the typeahead ---------------------------------------------------------------------


def test_product_search_finds_active_products_of_the_organisation_by_code_or_name(
    client, org, owner, product, other_org, other_owner
):
    services.product_create(org=org, user=owner, code="LIC-OLD", name="Licență veche",
                            price=Decimal(1), active=False)  # fmt: skip
    services.product_create(org=other_org, user=other_owner, code="LIC-99", name="Licență",
                            price=Decimal(1))  # fmt: skip
    client.force_login(owner)
    by_name = client.get(reverse("catalog:product-search"), {"q": "licență"}, **HTMX)
    by_code = client.get(reverse("catalog:product-search"), {"q": "lic-1"}, **HTMX)
    assert by_name.content.decode().count('data-testid="product-hit"') == 1
    assert f'value="{product.pk}"' in by_code.content.decode()


def test_product_search_answers_json_when_asked(client, org, owner, product):
    client.force_login(owner)
    response = client.get(reverse("catalog:product-search"), {"q": "LIC", "format": "json"})
    assert response.json() == {
        "items": [
            {"id": str(product.pk), "code": "LIC-12", "name": "Licență anuală", "unit": "an",
             "price": "1200.0000", "currency": "RON", "vat_rate": "21.00"}
        ]
    }  # fmt: skip


def test_product_search_without_text_finds_nothing(client, org, owner, product):
    client.force_login(owner)
    response = client.get(reverse("catalog:product-search"), {"q": "  "}, **HTMX)
    assert response.status_code == 200
    assert "product-hit" not in response.content.decode()


# --- exchange rates --------------------------------------------------------------------


@pytest.mark.parametrize("role", ["owner", "sales_user"])
def test_exchange_rates_page_lists_the_rates(client, request, org, owner, role):
    services.exchange_rate_set(
        org=org, user=owner, currency="EUR", date=dt.date(2026, 3, 2), rate=Decimal("5.0812")
    )
    client.force_login(request.getfixturevalue(role))
    response = client.get(reverse("catalog:exchange-rates"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "5.0812" in page
    assert ('data-testid="rate-form"' in page) == (role == "owner")


def test_exchange_rates_query_count_does_not_grow_with_rows(client, org, owner):
    client.force_login(owner)
    url = reverse("catalog:exchange-rates")
    for day in range(1, 3):
        services.exchange_rate_set(org=org, user=owner, currency="EUR",
                                   date=dt.date(2026, 1, day), rate=Decimal("5"))  # fmt: skip
    few = _query_count(client, url)
    for day in range(3, 21):
        services.exchange_rate_set(org=org, user=owner, currency="EUR",
                                   date=dt.date(2026, 1, day), rate=Decimal("5"))  # fmt: skip
    assert _query_count(client, url) == few


def test_add_a_rate_by_hand(client, org, owner):
    client.force_login(owner)
    response = client.post(
        reverse("catalog:exchange-rates"),
        {"currency": "EUR", "date": "2026-03-02", "rate": "5,0812"},
    )
    assert response.status_code == 302
    row = ExchangeRate.objects.for_org(org).get()
    assert (row.currency, row.date, row.rate, row.source) == (
        "EUR",
        dt.date(2026, 3, 2),
        Decimal("5.081200"),
        "manual",
    )


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"currency": "EUR", "date": "2026-03-02", "rate": "0"}, "rate"),
        ({"currency": "EUR", "date": "2026-03-02", "rate": "cinci"}, "rate"),
        ({"currency": "EUR", "date": "ieri", "rate": "5"}, "date"),
        ({"currency": "RON", "date": "2026-03-02", "rate": "5"}, "currency"),
    ],
)
def test_a_bad_rate_is_refused_next_to_the_field(client, org, owner, values, field):
    client.force_login(owner)
    response = client.post(reverse("catalog:exchange-rates"), values)
    assert response.status_code == 422
    assert field in response.context["form"].errors
    assert not ExchangeRate.objects.exists()


def test_sales_user_cannot_add_a_rate(client, org, sales_user):
    client.force_login(sales_user)
    response = client.post(
        reverse("catalog:exchange-rates"), {"currency": "EUR", "date": "2026-03-02", "rate": "5"}
    )
    assert response.status_code == 403
    assert not ExchangeRate.objects.exists()


@pytest.mark.usefixtures("_no_internet")
def test_load_bnr_rates_from_a_loopback_server(client, org, owner, loopback):  # noqa: F811 - the fixture
    loopback.answer(BNR_PATH, xml_answer(bnr_xml(("2026-03-02", {"EUR": "5.0812"}))))
    client.force_login(owner)
    response = client.post(reverse("catalog:exchange-rates-fetch"), follow=True)
    assert response.status_code == 200
    assert "BNR rates loaded" in response.content.decode()
    assert ExchangeRate.objects.for_org(org).get().rate == Decimal("5.081200")


@pytest.mark.usefixtures("_no_internet")
def test_bnr_unreachable_says_so_and_stores_nothing(client, org, owner):
    client.force_login(owner)
    response = client.post(reverse("catalog:exchange-rates-fetch"), follow=True)
    assert response.status_code == 200
    assert 'class="alert alert-danger' in response.content.decode()
    assert not ExchangeRate.objects.exists()
