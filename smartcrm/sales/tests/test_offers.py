"""Offers: gap-free numbers, the status flow, stale versions, closed offers."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import connection, transaction

from smartcrm.core.errors import Conflict, NotFound, StaleVersion, ValidationFailed
from smartcrm.sales import services
from smartcrm.sales.choices import OfferStatus
from smartcrm.sales.models import Offer
from smartcrm.sales.tests.factories import AccountFactory, OfferFactory


@pytest.fixture
def account(org, owner):
    return AccountFactory.create(org=org, user=owner)


@pytest.fixture
def offer(org, owner, account):
    offer = OfferFactory.create(
        org=org, user=owner, account_id=account.pk, issue_date=dt.date(2026, 5, 4)
    )
    services.offer_line_add(
        org=org, user=owner, offer_id=offer.pk, name="Licență", quantity="1", unit_price="100"
    )
    offer.refresh_from_db()
    return offer


def test_numbers_are_sequential_per_org_and_year(org, owner, account, other_org, other_owner):
    first = OfferFactory.create(
        org=org, user=owner, account_id=account.pk, issue_date=dt.date(2026, 1, 5)
    )
    second = OfferFactory.create(
        org=org, user=owner, account_id=account.pk, issue_date=dt.date(2026, 12, 30)
    )
    next_year = OfferFactory.create(
        org=org, user=owner, account_id=account.pk, issue_date=dt.date(2027, 1, 2)
    )
    foreign_account = AccountFactory.create(org=other_org, user=other_owner)
    foreign = OfferFactory.create(
        org=other_org,
        user=other_owner,
        account_id=foreign_account.pk,
        issue_date=dt.date(2026, 3, 3),
    )
    assert [first.number, second.number, next_year.number, foreign.number] == [
        "OF-2026-0001",
        "OF-2026-0002",
        "OF-2027-0001",
        "OF-2026-0001",
    ]


def test_a_rolled_back_offer_gives_its_number_back(org, owner, account):
    # given an offer creation that fails after the number was allocated
    with pytest.raises(RuntimeError), transaction.atomic():
        OfferFactory.create(
            org=org, user=owner, account_id=account.pk, issue_date=dt.date(2026, 2, 2)
        )
        raise RuntimeError("the caller failed later in the same transaction")
    # when the next offer is created, then it takes the same number: no gap
    again = OfferFactory.create(
        org=org, user=owner, account_id=account.pk, issue_date=dt.date(2026, 2, 2)
    )
    assert again.number == "OF-2026-0001"


def test_offer_for_account_of_another_org_is_refused(org, owner, other_org, other_owner):
    foreign = AccountFactory.create(org=other_org, user=other_owner)
    with pytest.raises(ValidationFailed) as refused:
        OfferFactory.create(org=org, user=owner, account_id=foreign.pk)
    assert (refused.value.field, refused.value.code) == ("account_id", "not_found")
    assert Offer.objects.count() == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_creation_keeps_numbers_gap_free_and_unique(org, owner):
    # given eight connections creating offers at the same moment
    account = AccountFactory.create(org=org, user=owner)
    workers = 8
    barrier = threading.Barrier(workers)
    errors: list[BaseException] = []

    def create() -> None:
        try:
            barrier.wait(timeout=10)
            OfferFactory.create(
                org=org, user=owner, account_id=account.pk, issue_date=dt.date(2026, 6, 1)
            )
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=create) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    # then every one succeeded with its own number, 0001 to 0008, none missing
    assert errors == []
    numbers = sorted(Offer.objects.for_org(org).values_list("number", flat=True))
    assert numbers == [f"OF-2026-{n:04d}" for n in range(1, workers + 1)]


def test_status_flow_to_won_records_date_and_probability(org, owner, offer):
    services.offer_change_status(org=org, user=owner, offer_id=offer.pk, status="sent")
    services.offer_change_status(org=org, user=owner, offer_id=offer.pk, status="negotiation")
    won = services.offer_change_status(
        org=org, user=owner, offer_id=offer.pk, status="won", closed_date=dt.date(2026, 5, 20)
    )
    assert (won.status, won.closed_date, won.probability) == ("won", dt.date(2026, 5, 20), 100)
    assert won.sent_at is not None


@pytest.mark.parametrize(
    ("path", "target"),
    [
        ([], "won"),
        ([], "negotiation"),
        ([], "lost"),
        (["sent", "negotiation"], "draft"),
    ],
)
def test_illegal_offer_transitions_are_refused_and_change_nothing(org, owner, offer, path, target):
    for step in path:
        services.offer_change_status(org=org, user=owner, offer_id=offer.pk, status=step)
    before = Offer.objects.get(pk=offer.pk)
    with pytest.raises(Conflict) as refused:
        services.offer_change_status(
            org=org,
            user=owner,
            offer_id=offer.pk,
            status=target,
            closed_date=dt.date(2026, 5, 5),
            lost_reason="Preț",
        )
    assert (refused.value.code, refused.value.field) == ("illegal_transition", "status")
    after = Offer.objects.get(pk=offer.pk)
    assert (after.status, after.version, after.closed_date) == (
        before.status,
        before.version,
        before.closed_date,
    )


def test_won_needs_a_date_and_lost_needs_a_reason(org, owner, offer):
    services.offer_change_status(org=org, user=owner, offer_id=offer.pk, status="sent")
    with pytest.raises(ValidationFailed) as no_date:
        services.offer_change_status(org=org, user=owner, offer_id=offer.pk, status="won")
    with pytest.raises(ValidationFailed) as no_reason:
        services.offer_change_status(
            org=org,
            user=owner,
            offer_id=offer.pk,
            status="lost",
            closed_date=dt.date(2026, 5, 6),
            lost_reason="   ",
        )
    assert (no_date.value.field, no_reason.value.field) == ("closed_date", "lost_reason")
    assert Offer.objects.get(pk=offer.pk).status == OfferStatus.SENT


def test_closed_offer_takes_no_new_lines(org, owner, offer):
    services.offer_change_status(org=org, user=owner, offer_id=offer.pk, status="sent")
    services.offer_change_status(
        org=org,
        user=owner,
        offer_id=offer.pk,
        status="lost",
        closed_date=dt.date(2026, 5, 6),
        lost_reason="Buget tăiat",
    )
    with pytest.raises(Conflict) as refused:
        services.offer_line_add(
            org=org, user=owner, offer_id=offer.pk, name="X", quantity="1", unit_price="1"
        )
    assert refused.value.code == "offer_closed"
    assert Offer.objects.get(pk=offer.pk).total_net == Decimal("100.00")


def test_stale_version_update_is_refused_and_changes_nothing(org, owner, offer):
    # given two people who read the offer at version N
    read_version = offer.version
    services.offer_update(
        org=org, user=owner, offer_id=offer.pk, version=read_version, title="Titlu nou"
    )
    # when the second saves with the version it read
    with pytest.raises(StaleVersion) as refused:
        services.offer_update(
            org=org, user=owner, offer_id=offer.pk, version=read_version, title="Suprascris"
        )
    # then it is refused and the first change stands
    assert (refused.value.field, refused.value.code) == ("version", "stale_version")
    current = Offer.objects.get(pk=offer.pk)
    assert (current.title, current.version) == ("Titlu nou", read_version + 1)


def test_offer_fields_that_callers_cannot_set_are_refused(org, owner, offer):
    for field, value in [
        ("number", "OF-1999-9999"),
        ("total_gross", "1"),
        ("organization_id", 1),
        ("account_id", offer.account_id),
        ("status", "won"),
    ]:
        with pytest.raises(ValidationFailed) as refused:
            services.offer_update(org=org, user=owner, offer_id=offer.pk, **{field: value})
        assert refused.value.field == field
    current = Offer.objects.get(pk=offer.pk)
    assert (current.number, current.version) == (offer.number, offer.version)


def test_only_drafts_can_be_deleted(org, owner, offer):
    services.offer_change_status(org=org, user=owner, offer_id=offer.pk, status="sent")
    with pytest.raises(Conflict) as refused:
        services.offer_delete(org=org, user=owner, offer_id=offer.pk)
    assert refused.value.code == "offer_not_draft"
    assert Offer.objects.filter(pk=offer.pk).exists()


def test_offer_of_another_org_is_not_found(org, owner, other_org, other_owner):
    foreign_account = AccountFactory.create(org=other_org, user=other_owner)
    foreign = OfferFactory.create(org=other_org, user=other_owner, account_id=foreign_account.pk)
    with pytest.raises(NotFound):
        services.offer_update(org=org, user=owner, offer_id=foreign.pk, title="Furat")
    assert Offer.objects.get(pk=foreign.pk).version == foreign.version


def test_valid_until_before_issue_date_is_refused(org, owner, account):
    with pytest.raises(ValidationFailed) as refused:
        OfferFactory.create(
            org=org,
            user=owner,
            account_id=account.pk,
            issue_date=dt.date(2026, 5, 4),
            valid_until=dt.date(2026, 5, 1),
        )
    assert "The validity date cannot be before the issue date." in str(refused.value)
    assert Offer.objects.count() == 0


@pytest.mark.parametrize("closed", [dt.date(2026, 5, 3), dt.date(2999, 1, 1)])
def test_closing_date_before_issue_or_in_the_future_is_refused(org, owner, offer, closed):
    services.offer_change_status(org=org, user=owner, offer_id=offer.pk, status="sent")
    with pytest.raises(ValidationFailed) as refused:
        services.offer_change_status(org=org, user=owner, offer_id=offer.pk, status="won",
                                     closed_date=closed)  # fmt: skip
    assert refused.value.field == "closed_date"
    assert Offer.objects.get(pk=offer.pk).status == OfferStatus.SENT
