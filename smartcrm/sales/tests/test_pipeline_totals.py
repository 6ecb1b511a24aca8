"""The pipeline's totals (OfferPipelineTotal), kept by triggers on the offers table: after
every kind of write they equal what the offers themselves add up to."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Count, Sum
from django.utils import timezone

from smartcrm.catalog.services import exchange_rate_set
from smartcrm.sales import selectors, services
from smartcrm.sales.models import NOT_CLOSED, Offer, OfferPipelineTotal
from smartcrm.sales.tests.factories import AccountFactory, OfferFactory


def _kept() -> dict[tuple, tuple[int, Decimal]]:
    """What the totals table holds (rows that count something)."""
    return {
        (row.organization_id, row.status, row.currency, row.closed_date): (
            row.count,
            Decimal(row.total_net_cents) / 100,
        )
        for row in OfferPipelineTotal.objects.all()
        if row.count or row.total_net_cents
    }


def _counted() -> dict[tuple, tuple[int, Decimal]]:
    """What the offers add up to, counted now."""
    rows = (
        Offer.objects.values("organization_id", "status", "currency", "closed_date")
        .annotate(offers=Count("id"), total=Sum("total_net"))
        .order_by()
    )
    return {
        (
            row["organization_id"],
            row["status"],
            row["currency"],
            row["closed_date"] or NOT_CLOSED,
        ): (
            row["offers"],
            Decimal(row["total"]).quantize(Decimal("0.01")),
        )
        for row in rows
    }


@pytest.fixture(autouse=True)
def rates(org, owner):
    for currency, rate in (("EUR", "4.9765"), ("USD", "4.5812")):
        exchange_rate_set(
            org=org, user=owner, currency=currency, date=dt.date(2000, 1, 3), rate=Decimal(rate)
        )


def _line(org, owner, offer, price: str) -> None:
    services.offer_line_add(
        org=org, user=owner, offer_id=offer.pk, name="Licență", quantity="2", unit_price=price
    )


def test_totals_follow_every_write_of_an_offer(org, owner, other_org, other_owner):
    # given offers of two organisations, with lines
    account = AccountFactory.create(org=org, user=owner)
    first = OfferFactory.create(org=org, user=owner, account_id=account.pk)
    second = OfferFactory.create(org=org, user=owner, account_id=account.pk, currency="EUR")
    other = OfferFactory.create(
        org=other_org,
        user=other_owner,
        account_id=AccountFactory.create(org=other_org, user=other_owner).pk,
    )
    _line(org, owner, first, "100.10")
    _line(org, owner, first, "0.35")
    _line(org, owner, second, "250")
    _line(other_org, other_owner, other, "7.77")
    assert _kept() == _counted()
    assert _kept()[(org.pk, "draft", "RON", NOT_CLOSED)] == (1, Decimal("200.90"))

    # when lines change, the currency changes, offers move, win, lose, and one is deleted
    line = first.lines.order_by("position")[0]
    services.offer_line_update(org=org, user=owner, line_id=line.pk, quantity="3")
    assert _kept() == _counted()
    services.offer_update(org=org, user=owner, offer_id=second.pk, currency="USD")
    assert _kept() == _counted()
    services.offer_change_status(org=org, user=owner, offer_id=first.pk, status="sent")
    services.offer_change_status(org=org, user=owner, offer_id=second.pk, status="sent")
    assert _kept() == _counted()
    today = timezone.localdate()
    services.offer_change_status(
        org=org, user=owner, offer_id=first.pk, status="won", closed_date=today
    )
    services.offer_change_status(
        org=org,
        user=owner,
        offer_id=second.pk,
        status="lost",
        closed_date=today,
        lost_reason="Preț",
    )
    assert _kept() == _counted()
    third = OfferFactory.create(org=org, user=owner, account_id=account.pk)
    _line(org, owner, third, "10")
    services.offer_line_remove(org=org, user=owner, line_id=third.lines.get().pk)
    services.offer_delete(org=org, user=owner, offer_id=third.pk)

    # then the totals are what the offers add up to, the other organisation's untouched
    assert _kept() == _counted()
    assert _kept()[(org.pk, "won", "RON", today)] == (1, Decimal("301.00"))
    assert _kept()[(other_org.pk, "draft", "RON", NOT_CLOSED)] == (1, Decimal("15.54"))


def test_the_board_adds_up_the_kept_totals(org, owner):
    # given open offers in two currencies, one won today and one won long ago
    account = AccountFactory.create(org=org, user=owner)
    for currency, price in (("RON", "10"), ("RON", "5.5"), ("EUR", "3")):
        _line(
            org,
            owner,
            OfferFactory.create(org=org, user=owner, account_id=account.pk, currency=currency),
            price,
        )
    old = OfferFactory.create(
        org=org, user=owner, account_id=account.pk, issue_date=dt.date(2020, 1, 6)
    )
    _line(org, owner, old, "1000")
    services.offer_change_status(org=org, user=owner, offer_id=old.pk, status="sent")
    services.offer_change_status(
        org=org, user=owner, offer_id=old.pk, status="won", closed_date=dt.date(2020, 2, 3)
    )

    # when the board's totals are read, in one query
    totals = selectors.pipeline_board_totals(org=org, today=timezone.localdate())

    # then open offers count per currency; a win older than the board's window does not
    assert totals == {"draft": [("EUR", Decimal("6.00"), 1), ("RON", Decimal("31.00"), 2)]}


def test_a_rebuild_gives_the_same_totals(org, owner, other_org, other_owner):
    account = AccountFactory.create(org=org, user=owner)
    for price in ("1.01", "2.02"):
        _line(org, owner, OfferFactory.create(org=org, user=owner, account_id=account.pk), price)
    other_account = AccountFactory.create(org=other_org, user=other_owner)
    _line(
        other_org,
        other_owner,
        OfferFactory.create(org=other_org, user=other_owner, account_id=other_account.pk),
        "9",
    )
    kept = _kept()

    # when one organisation's totals are lost, then rebuilt; then every organisation's
    OfferPipelineTotal.objects.filter(organization=org).delete()
    assert services.pipeline_totals_rebuild(org=org) == 1
    assert _kept() == kept
    OfferPipelineTotal.objects.all().update(count=99)
    assert services.pipeline_totals_rebuild() == 2
    assert _kept() == kept == _counted()


def test_a_delete_takes_off_and_never_makes_a_row(org, owner):
    # given an offer whose totals row went first (as in a cascade that deletes it first)
    account = AccountFactory.create(org=org, user=owner)
    offer = OfferFactory.create(org=org, user=owner, account_id=account.pk)
    OfferPipelineTotal.objects.all().delete()

    services.offer_delete(org=org, user=owner, offer_id=offer.pk)

    assert not OfferPipelineTotal.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_offers_moved_both_ways_at_once_fail_nothing_and_keep_the_totals(org, owner):
    # given two connections, each moving its own offers back and forth between two columns
    account = AccountFactory.create(org=org, user=owner)
    offers = [OfferFactory.create(org=org, user=owner, account_id=account.pk) for _ in range(2)]
    services.offer_change_status(org=org, user=owner, offer_id=offers[1].pk, status="sent")
    rounds = 40
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def move(offer: Offer, path: tuple[str, str]) -> None:
        try:
            barrier.wait(timeout=10)
            for _round in range(rounds):
                for status in path:
                    services.offer_change_status(
                        org=org, user=owner, offer_id=offer.pk, status=status
                    )
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=move, args=(offers[0], ("sent", "draft"))),
        threading.Thread(target=move, args=(offers[1], ("draft", "sent"))),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    # then no move failed, and the totals still add up
    assert errors == []
    assert _kept() == _counted()
