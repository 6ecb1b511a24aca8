"""The catalogue: unique codes, stock only for products, exchange rates per day."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from smartcrm.catalog import services
from smartcrm.catalog.models import ExchangeRate, Product
from smartcrm.catalog.selectors import conversion_rate, exchange_rate_on
from smartcrm.core.errors import Forbidden, NotFound, ValidationFailed
from smartcrm.core.services import organization_set_modules


def _product(org, user, **fields):
    values = {"code": "LIC-01", "name": "Licență anuală", "price": Decimal("1200")} | fields
    return services.product_create(org=org, user=user, **values)


def test_product_code_is_unique_per_org_case_insensitively(org, owner, other_org, other_owner):
    _product(org, owner, code="lic-01")
    _product(other_org, other_owner, code="LIC-01")
    with pytest.raises(ValidationFailed) as refused:
        _product(org, owner, code="Lic-01")
    assert "A product with this code already exists." in str(refused.value)
    assert Product.objects.for_org(org).count() == 1


def test_code_is_stored_upper_case(org, owner):
    assert _product(org, owner, code=" srv-7 ").code == "SRV-7"


def test_service_cannot_track_stock(org, owner):
    with pytest.raises(ValidationFailed):
        _product(org, owner, kind="service", track_stock=True, stock_quantity=Decimal("3"))
    assert Product.objects.count() == 0


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"price": Decimal("-1")}, "price"),
        ({"vat_rate": Decimal("120")}, "vat_rate"),
        ({"currency": "EUO"}, "currency"),
        ({"name": ""}, "name"),
        ({"kind": "gift"}, "kind"),
    ],
)
def test_bad_product_input_names_the_field(org, owner, fields, field):
    with pytest.raises(ValidationFailed) as refused:
        _product(org, owner, **fields)
    assert field in {issue.field for issue in refused.value.issues}


def test_sales_user_cannot_edit_the_catalogue(org, sales_user):
    with pytest.raises(Forbidden):
        _product(org, sales_user)


def test_switched_off_catalogue_answers_not_found(org, owner):
    organization_set_modules(org=org, user=owner, enabled=["activities", "notes", "tasks"])
    with pytest.raises(NotFound) as refused:
        _product(org, owner)
    assert refused.value.code == "module_disabled"


def test_rate_is_set_once_per_day_and_corrected_in_place(org, owner):
    day = dt.date(2026, 4, 1)
    services.exchange_rate_set(org=org, user=owner, currency="eur", date=day, rate=Decimal("4.97"))
    services.exchange_rate_set(org=org, user=owner, currency="EUR", date=day, rate=Decimal("4.98"))
    rate = ExchangeRate.objects.for_org(org).get()
    assert (rate.currency, rate.rate, rate.version) == ("EUR", Decimal("4.980000"), 2)


def test_rate_must_be_positive_and_not_of_the_base_currency(org, owner):
    with pytest.raises(ValidationFailed):
        services.exchange_rate_set(
            org=org, user=owner, currency="EUR", date=dt.date(2026, 4, 1), rate=Decimal("0")
        )
    with pytest.raises(ValidationFailed) as refused:
        services.exchange_rate_set(
            org=org, user=owner, currency="RON", date=dt.date(2026, 4, 1), rate=Decimal("1")
        )
    assert refused.value.field == "currency"
    assert ExchangeRate.objects.count() == 0


def test_cross_rate_goes_through_the_base_currency(org, owner):
    day = dt.date(2026, 4, 1)
    services.exchange_rate_set(org=org, user=owner, currency="EUR", date=day, rate=Decimal("5"))
    services.exchange_rate_set(org=org, user=owner, currency="USD", date=day, rate=Decimal("4"))
    # 1 EUR = 5 RON = 1.25 USD
    assert conversion_rate(org=org, source="EUR", target="USD", on_date=day) == Decimal("1.25")
    assert conversion_rate(org=org, source="RON", target="RON", on_date=day) == Decimal(1)


def test_rate_lookup_falls_back_to_the_latest_earlier_day(org, owner):
    services.exchange_rate_set(
        org=org, user=owner, currency="EUR", date=dt.date(2026, 4, 1), rate=Decimal("4.9")
    )
    found = exchange_rate_on(org=org, currency="EUR", on_date=dt.date(2026, 4, 5))
    assert found is not None and found.date == dt.date(2026, 4, 1)
    assert exchange_rate_on(org=org, currency="EUR", on_date=dt.date(2026, 3, 31)) is None
