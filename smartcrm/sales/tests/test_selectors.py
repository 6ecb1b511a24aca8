from decimal import Decimal

from smartcrm.sales import selectors, services
from smartcrm.sales.tests.factories import AccountFactory, OfferFactory, ProspectFactory


def test_pipeline_sums_open_offers_by_status_and_currency(org, owner, other_org, other_owner):
    account = AccountFactory.create(org=org, user=owner)
    for price in ("100", "50.5"):
        offer = OfferFactory.create(org=org, user=owner, account_id=account.pk)
        services.offer_line_add(org=org, user=owner, offer_id=offer.pk, name="X", quantity="1",
                                unit_price=price)  # fmt: skip
    sent = OfferFactory.create(org=org, user=owner, account_id=account.pk)
    services.offer_line_add(org=org, user=owner, offer_id=sent.pk, name="Y", quantity="2",
                            unit_price="10")  # fmt: skip
    services.offer_change_status(org=org, user=owner, offer_id=sent.pk, status="sent")
    foreign = AccountFactory.create(org=other_org, user=other_owner)
    OfferFactory.create(org=other_org, user=other_owner, account_id=foreign.pk)

    rows = selectors.pipeline(org=org)

    assert [(r.status, r.currency, r.count, r.total_net) for r in rows] == [
        ("draft", "RON", 2, Decimal("150.50")),
        ("sent", "RON", 1, Decimal("20.00")),
    ]


def test_prospect_counts_cover_every_status(org, owner):
    ProspectFactory.create(org=org, user=owner)
    ProspectFactory.create(org=org, user=owner, status="qualified")
    counts = selectors.prospect_counts_by_status(org=org)
    assert counts == {"new": 1, "in_progress": 0, "qualified": 1, "disqualified": 0,
                      "converted": 0}  # fmt: skip


def test_vat_breakdown_groups_lines_by_rate(org, owner):
    account = AccountFactory.create(org=org, user=owner)
    offer = OfferFactory.create(org=org, user=owner, account_id=account.pk)
    for price, vat in (("100", "21"), ("200", "21"), ("50", "11"), ("10", "0")):
        services.offer_line_add(org=org, user=owner, offer_id=offer.pk, name="L", quantity="1",
                                unit_price=price, vat_rate=vat)  # fmt: skip
    rows = selectors.offer_vat_breakdown(offer=offer)
    assert [(r.vat_rate, r.net, r.vat, r.gross) for r in rows] == [
        (Decimal("21.00"), Decimal("300.00"), Decimal("63.00"), Decimal("363.00")),
        (Decimal("11.00"), Decimal("50.00"), Decimal("5.50"), Decimal("55.50")),
        (Decimal("0.00"), Decimal("10.00"), Decimal("0.00"), Decimal("10.00")),
    ]
