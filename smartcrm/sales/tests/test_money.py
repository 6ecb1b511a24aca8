"""Offer amounts against a table computed by hand (to the ban).

Rules: per line, half-up to 2 decimals; totals are sums of rounded lines; a price in another
currency is converted at the organisation's rate of the issue date, stored on the line.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from smartcrm.catalog import services as catalog
from smartcrm.core.errors import ValidationFailed
from smartcrm.sales import services
from smartcrm.sales.models import OfferLine
from smartcrm.sales.pricing import line_amounts
from smartcrm.sales.tests.factories import AccountFactory, OfferFactory

ISSUE_DATE = dt.date(2026, 3, 2)
D = Decimal


@pytest.fixture
def eur_rate(org, owner):
    return catalog.exchange_rate_set(
        org=org, user=owner, currency="EUR", date=ISSUE_DATE, rate=D("4.9765")
    )


@pytest.fixture
def ron_offer(org, owner, eur_rate):
    account = AccountFactory.create(org=org, user=owner)
    return OfferFactory.create(org=org, user=owner, account_id=account.pk, issue_date=ISSUE_DATE)


# quantity, unit price, discount %, VAT %, price includes VAT -> net, VAT, gross (by hand)
HAND_TABLE = [
    # 3 × 1234.56 = 3703.68; VAT 21 % = 777.7728 -> 777.77
    ("3", "1234.56", "0", "21", False, "3703.68", "777.77", "4481.45"),
    # 2.5 × 99.99 = 249.975, −10 % = 224.9775 -> 224.98; VAT 11 % = 24.7478 -> 24.75
    ("2.5", "99.99", "10", "11", False, "224.98", "24.75", "249.73"),
    # three-decimal quantity: 0.333 × 45 = 14.985 -> 14.99 (half-up, not half-even)
    ("0.333", "45.00", "0", "0", False, "14.99", "0.00", "14.99"),
    # price with VAT: 121.00 incl. 21 % -> net 100.00, VAT 21.00
    ("1", "121.00", "0", "21", True, "100.00", "21.00", "121.00"),
    # 3 × 19.99 = 59.97, −5 % = 56.9715 -> gross 56.97; net 56.97 / 1.11 = 51.3243 -> 51.32
    ("3", "19.99", "5", "11", True, "51.32", "5.65", "56.97"),
    # half-up on the half cent: 0.125 -> 0.13; VAT 0.0273 -> 0.03
    ("1", "0.125", "0", "21", False, "0.13", "0.03", "0.16"),
    # 100 % discount
    ("4", "250.00", "100", "21", False, "0.00", "0.00", "0.00"),
]


@pytest.mark.parametrize(
    ("quantity", "price", "discount", "vat", "includes_vat", "net", "vat_amount", "gross"),
    HAND_TABLE,
)
def test_line_amounts_match_hand_computation(
    quantity, price, discount, vat, includes_vat, net, vat_amount, gross
):
    # when the amounts of one line are computed
    amounts = line_amounts(
        quantity=D(quantity),
        unit_price=D(price),
        discount_percent=D(discount),
        vat_rate=D(vat),
        price_includes_vat=includes_vat,
    )
    # then they equal the hand-computed ones to the ban
    assert (amounts.net, amounts.vat, amounts.gross) == (D(net), D(vat_amount), D(gross))


def test_offer_totals_are_sums_of_rounded_lines_with_a_eur_product(org, owner, ron_offer):
    # given a catalogue product priced in EUR and a RON offer issued on a day with a rate
    eur_product = catalog.product_create(
        org=org,
        user=owner,
        code="SRV-EU",
        name="Suport anual",
        price=D("100.00"),
        currency="EUR",
        vat_rate=D("21"),
    )
    # when every line of the hand table and the EUR product (× 2) are added
    for quantity, price, discount, vat, includes_vat, *_ in HAND_TABLE:
        services.offer_line_add(
            org=org,
            user=owner,
            offer_id=ron_offer.pk,
            name="Linie",
            quantity=quantity,
            unit_price=price,
            discount_percent=discount,
            vat_rate=vat,
            price_includes_vat=includes_vat,
        )
    eur_line = services.offer_line_add(
        org=org, user=owner, offer_id=ron_offer.pk, product_id=eur_product.pk, quantity="2"
    )
    # then the EUR line was converted at 4.9765 (stored), 100 EUR -> 497.65 RON
    eur_line.refresh_from_db()
    assert eur_line.exchange_rate == D("4.976500")
    assert eur_line.unit_price == D("497.6500")
    assert (eur_line.source_price, eur_line.source_currency) == (D("100.0000"), "EUR")
    # 2 × 497.65 = 995.30; VAT 209.013 -> 209.01
    assert (eur_line.net_amount, eur_line.vat_amount, eur_line.gross_amount) == (
        D("995.30"),
        D("209.01"),
        D("1204.31"),
    )
    # and the offer totals are the sums of the rounded lines, by hand:
    # net 3703.68+224.98+14.99+100.00+51.32+0.13+0.00+995.30 = 5090.40
    ron_offer.refresh_from_db()
    assert ron_offer.total_net == D("5090.40")
    assert ron_offer.total_vat == D("1038.21")
    assert ron_offer.total_gross == D("6128.61")


def test_ron_product_on_eur_offer_uses_inverse_rate(org, owner, eur_rate):
    # given a EUR offer and a RON product
    account = AccountFactory.create(org=org, user=owner)
    offer = OfferFactory.create(
        org=org, user=owner, account_id=account.pk, issue_date=ISSUE_DATE, currency="EUR"
    )
    product = catalog.product_create(
        org=org, user=owner, code="LIC", name="Licență", price=D("500.00"), currency="RON"
    )
    # when the product is added
    line = services.offer_line_add(
        org=org, user=owner, offer_id=offer.pk, product_id=product.pk, quantity="1"
    )
    # then the rate is 1 / 4.9765 = 0.200944 (6 decimals) and 500 RON = 100.4720 EUR
    assert line.exchange_rate == D("0.200944")
    assert line.unit_price == D("100.4720")
    assert (line.net_amount, line.vat_amount, line.gross_amount) == (
        D("100.47"),
        D("21.10"),
        D("121.57"),
    )


def test_rate_of_latest_earlier_day_is_used_when_issue_day_has_none(org, owner):
    # given a rate on Friday only, and an offer issued on Sunday
    catalog.exchange_rate_set(
        org=org, user=owner, currency="EUR", date=dt.date(2026, 2, 27), rate=D("4.9701")
    )
    catalog.exchange_rate_set(
        org=org, user=owner, currency="EUR", date=dt.date(2026, 3, 2), rate=D("4.9999")
    )
    account = AccountFactory.create(org=org, user=owner)
    offer = OfferFactory.create(
        org=org, user=owner, account_id=account.pk, issue_date=dt.date(2026, 3, 1)
    )
    # when a EUR-priced free line is added
    line = services.offer_line_add(
        org=org,
        user=owner,
        offer_id=offer.pk,
        name="Consultanță",
        quantity="1",
        unit_price="10",
        currency="EUR",
    )
    # then Friday's rate is used
    assert line.exchange_rate == D("4.970100")
    assert line.unit_price == D("49.7010")


def test_missing_rate_is_refused_naming_currency_and_changes_nothing(org, owner):
    # given a RON offer and no EUR rate at all
    account = AccountFactory.create(org=org, user=owner)
    offer = OfferFactory.create(org=org, user=owner, account_id=account.pk, issue_date=ISSUE_DATE)
    # when a EUR line is added, then it is refused naming the currency
    with pytest.raises(ValidationFailed) as refused:
        services.offer_line_add(
            org=org,
            user=owner,
            offer_id=offer.pk,
            name="X",
            quantity="1",
            unit_price="10",
            currency="EUR",
        )
    assert refused.value.field == "currency"
    assert refused.value.code == "missing_exchange_rate"
    # and nothing was written
    offer.refresh_from_db()
    assert OfferLine.objects.filter(offer=offer).count() == 0
    assert (offer.total_gross, offer.version) == (D("0.00"), 1)


def test_changing_offer_currency_reprices_every_line(org, owner, ron_offer):
    # given a RON offer with a RON line of 497.65
    services.offer_line_add(
        org=org,
        user=owner,
        offer_id=ron_offer.pk,
        name="Serviciu",
        quantity="1",
        unit_price="497.65",
        vat_rate="21",
    )
    # when the offer switches to EUR
    offer = services.offer_update(org=org, user=owner, offer_id=ron_offer.pk, currency="EUR")
    # then the line is converted at 1/4.9765 and the totals follow
    line = offer.lines.get()
    assert line.exchange_rate == D("0.200944")
    assert line.unit_price == D("99.9998")  # 497.65 × 0.200944 = 99.999775... -> 99.9998
    assert (offer.total_net, offer.total_vat, offer.total_gross) == (
        D("100.00"),
        D("21.00"),
        D("121.00"),
    )


def test_removing_and_changing_lines_recomputes_stored_totals(org, owner, ron_offer):
    # given two lines
    first = services.offer_line_add(
        org=org,
        user=owner,
        offer_id=ron_offer.pk,
        name="A",
        quantity="1",
        unit_price="100",
        vat_rate="21",
    )
    second = services.offer_line_add(
        org=org,
        user=owner,
        offer_id=ron_offer.pk,
        name="B",
        quantity="1",
        unit_price="50",
        vat_rate="11",
    )
    # when the first line's quantity changes and the second is removed
    services.offer_line_update(
        org=org, user=owner, line_id=first.pk, quantity="3", discount_percent="10"
    )
    offer = services.offer_line_remove(org=org, user=owner, line_id=second.pk)
    # then the totals are those of the remaining line: 3 × 100 − 10 % = 270.00 + 56.70 VAT
    offer.refresh_from_db()
    assert (offer.total_net, offer.total_vat, offer.total_gross) == (
        D("270.00"),
        D("56.70"),
        D("326.70"),
    )


@pytest.mark.parametrize(
    ("field", "value", "error_field"),
    [
        ("quantity", "0", "quantity"),
        ("quantity", "-1", "quantity"),
        ("quantity", "1.2345", "quantity"),
        ("quantity", "abc", "quantity"),
        ("unit_price", "-5", "unit_price"),
        ("unit_price", "NaN", "unit_price"),
        ("discount_percent", "101", "discount_percent"),
        ("vat_rate", "-1", "vat_rate"),
    ],
)
def test_bad_line_values_are_refused_naming_the_field(
    org, owner, ron_offer, field, value, error_field
):
    values = {"name": "Linie", "quantity": "1", "unit_price": "10", field: value}
    with pytest.raises(ValidationFailed) as refused:
        services.offer_line_add(org=org, user=owner, offer_id=ron_offer.pk, **values)
    assert [issue.field for issue in refused.value.issues] == [error_field]
    assert OfferLine.objects.filter(offer=ron_offer).count() == 0
