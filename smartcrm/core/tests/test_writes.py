"""The write path every service shares: validation as Django's full_clean gives it, without
the queries the database makes needless, and constraint violations named at save."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F, Q

from smartcrm.activities.models import Activity
from smartcrm.catalog.models import Product
from smartcrm.contacts.models import Contact
from smartcrm.core import writes
from smartcrm.core.constraints import Undecided, truth
from smartcrm.core.errors import FieldIssue, ValidationFailed
from smartcrm.core.ids import uuid7
from smartcrm.core.models import Organization, User
from smartcrm.sales.models import Offer, OfferLine, Prospect
from smartcrm.sales.tests.factories import AccountFactory, OfferFactory, ProspectFactory
from smartcrm.tasks.models import Task

# --- the CHECK conditions answered in Python ---------------------------------------------


@pytest.mark.parametrize(
    ("condition", "values", "expected"),
    [
        (Q(status="new"), {"status": "new"}, True),
        (Q(status="new"), {"status": "lost"}, False),
        (Q(status="new"), {"status": None}, None),  # NULL = 'new' is unknown
        (Q(account=None), {"account": None}, True),  # "= None" is IS NULL
        (Q(account__isnull=False), {"account": None}, False),
        (Q(status__in=["new", "won"]), {"status": "won"}, True),
        (Q(status__in=["new", None]), {"status": "lost"}, False),
        (Q(status__in=["new"]), {"status": None}, None),
        (Q(quantity__gt=0), {"quantity": Decimal("0.001")}, True),
        (Q(quantity__gt=0), {"quantity": Decimal("0")}, False),
        (Q(rate__lte=100, rate__gte=0), {"rate": Decimal("100.00")}, True),
        (Q(end__gte=F("start")), {"end": dt.date(2026, 1, 2), "start": dt.date(2026, 1, 3)}, False),
        (Q(end__gte=F("start")), {"end": dt.date(2026, 1, 2), "start": None}, None),
        # Three-valued AND, OR, NOT: unknown only where SQL says so.
        (Q(a=1) | Q(b=2), {"a": None, "b": 2}, True),
        (Q(a=1) | Q(b=2), {"a": None, "b": 3}, None),
        (Q(a=1) & Q(b=2), {"a": None, "b": 3}, False),
        (~Q(a=1), {"a": None}, None),
        (~Q(status="lost") | ~Q(reason=""), {"status": "lost", "reason": ""}, False),
    ],
)
def test_a_condition_is_true_false_or_unknown_as_sql_says(
    condition: Q, values: dict[str, Any], expected: bool | None
) -> None:
    assert truth(condition, values) is expected


@pytest.mark.parametrize(
    ("condition", "values"),
    [
        (Q(name__gt="m"), {"name": "z"}),  # text order follows the database's collation
        (Q(name__iexact="x"), {"name": "X"}),
        (Q(account__name="x"), {"account": 1}),  # a join
        (Q(a=1), {"a": "1"}),  # text against a number: each database casts its own way
        (Q(a__gt=F("b") + 1), {"a": 1, "b": 0}),
        (Q(a__in=[]), {"a": 1}),
        (Q(a=1) ^ Q(b=1), {"a": 1, "b": 1}),
    ],
)
def test_what_python_cannot_answer_is_left_to_the_database(
    condition: Q, values: dict[str, Any]
) -> None:
    with pytest.raises(Undecided):
        truth(condition, values)


# --- the same errors as full_clean -------------------------------------------------------


def _issues_of(check: Any, instance: models.Model) -> list[FieldIssue]:
    try:
        check()
    except ValidationFailed as error:
        return error.issues
    except ValidationError as error:
        return writes.validation_failed(error, instance).issues
    return []


def _bad_records(org: Organization, user: User) -> dict[str, tuple[models.Model, list[str]]]:
    """Records breaking CHECKs, field rules and unique constraints, with what to leave out."""
    prospect = ProspectFactory.create(org=org, user=user)
    account = AccountFactory.create(org=org, user=user)
    offer = OfferFactory.create(org=org, user=user, account_id=account.pk)
    today = dt.date(2026, 3, 10)
    tenant = {"organization": org, "created_by": user}
    return {
        "disqualified without a reason": (
            Prospect(**tenant, owner=user, company_name="A", status="disqualified"),
            ["converted_account"],
        ),
        "unknown status and converted without account": (
            Prospect(**tenant, company_name="A", status="bogus"),
            [],
        ),
        "converted without account": (Prospect(**tenant, company_name="A", status="converted"), []),
        "owner who does not exist": (
            Prospect(**tenant, company_name="A", owner_id=uuid7()),
            ["converted_account"],
        ),
        "valid before issued": (
            Offer(
                **tenant,
                account=account,
                title="T",
                issue_date=today,
                valid_until=today - dt.timedelta(days=1),
            ),
            ["number"],
        ),
        "lost without a date or a reason": (
            Offer(**tenant, account=account, title="T", issue_date=today, status="lost"),
            ["number"],
        ),
        "probability over 100": (
            Offer(**tenant, account=account, title="T", issue_date=today, probability=120),
            ["number"],
        ),
        "number taken": (
            Offer(**tenant, account=account, title="T", issue_date=today, number=offer.number),
            [],
        ),
        "line of zero, discount 150": (
            OfferLine(
                **tenant,
                offer=offer,
                name="L",
                quantity=Decimal(0),
                source_price=Decimal("-1"),
                source_currency="RON",
                unit_price=Decimal(0),
                discount_percent=Decimal(150),
                vat_rate=Decimal(21),
                exchange_rate=Decimal(0),
            ),
            ["net_amount", "vat_amount", "gross_amount"],
        ),
        "contact of two records": (
            Contact(**tenant, prospect=prospect, account=account, last_name="Pop"),
            [],
        ),
        "contact of no record": (Contact(**tenant, last_name="Pop"), []),
        "second primary contact": (
            Contact(**tenant, prospect=prospect, last_name="Pop", is_primary=True),
            [],
        ),
        "activity ending before it starts": (
            Activity(
                **tenant,
                prospect=prospect,
                owner=user,
                kind="call",
                subject="S",
                start_at=dt.datetime(2026, 3, 10, 10, tzinfo=dt.UTC),
                end_at=dt.datetime(2026, 3, 10, 9, tzinfo=dt.UTC),
            ),
            [],
        ),
        "task done without completion": (
            Task(**tenant, assignee=user, title="T", status="done"),
            ["prospect", "account", "offer"],
        ),
        "product code taken, service tracking stock": (
            Product(
                **tenant,
                code="ABC",
                name="P",
                unit="buc",
                kind="service",
                track_stock=True,
                price=Decimal(-1),
                vat_rate=Decimal(21),
            ),
            [],
        ),
    }


def test_validate_reports_what_full_clean_reports(org, owner):
    # given records breaking every kind of rule (and a product whose code they take)
    Product.objects.create(organization=org, code="ABC", name="P", unit="buc", price=1, vat_rate=21)
    Contact.objects.create(
        organization=org,
        prospect=ProspectFactory.create(org=org, user=owner, company_name="Primary SRL"),
        last_name="Ion",
        is_primary=True,
    )
    for label, (record, exclude) in _bad_records(org, owner).items():
        if isinstance(record, Contact) and record.is_primary:
            record.prospect = Contact.objects.get(is_primary=True).prospect
        # when validated by the write path and by Django's full_clean
        ours = _issues_of(lambda r=record, e=exclude: writes.validate(r, exclude=e), record)
        django = _issues_of(lambda r=record, e=exclude: r.full_clean(exclude=e or None), record)
        # then both name the same fields, codes and messages
        assert ours, label
        assert ours == django, label


def test_validate_asks_nothing_of_a_new_record_whose_relations_it_holds(
    org, owner, django_assert_num_queries
):
    # given a new prospect given its organisation, creator and owner, breaking a CHECK
    prospect = Prospect(
        organization=org, created_by=owner, owner=owner, company_name="A", status="disqualified"
    )
    # when validated, then without a query (no key looked up, no CHECK asked)
    with django_assert_num_queries(0), pytest.raises(ValidationFailed) as refused:
        writes.validate(prospect, exclude=["converted_account"])
    assert [(i.field, i.code) for i in refused.value.issues] == [(None, "invalid")]
    assert refused.value.message == "Constraint “prospect_disqualified_has_reason” is violated."


def test_validate_asks_nothing_of_a_locked_row_whose_keys_are_unchanged(
    org, owner, django_assert_num_queries
):
    # given a prospect read by lock
    prospect = ProspectFactory.create(org=org, user=owner)
    row = writes.lock(Prospect.objects.for_org(org), prospect.pk)
    row.description = "Changed"
    # when validated, then without a query
    with django_assert_num_queries(0):
        writes.validate(row, exclude=["converted_account"])


def test_validate_looks_up_a_key_that_changed_since_the_lock(org, owner):
    # given a locked prospect given an owner who does not exist
    prospect = ProspectFactory.create(org=org, user=owner)
    row = writes.lock(Prospect.objects.for_org(org), prospect.pk)
    row.owner_id = uuid7()
    # when validated, then the owner is refused as full_clean refuses it
    with pytest.raises(ValidationFailed) as refused:
        writes.validate(row, exclude=["converted_account"])
    assert (refused.value.field, refused.value.code) == ("owner", "invalid")


# --- a constraint broken at save (a race past the check) ---------------------------------


def test_a_unique_constraint_broken_at_save_gives_the_error_validate_gives(org, owner):
    # given a product, and a second one with its code that skipped the check (a race)
    Product.objects.create(organization=org, code="ABC", name="P", unit="buc", price=1, vat_rate=21)
    twin = Product(
        organization=org, created_by=owner, code="ABC", name="Q", unit="buc", price=1, vat_rate=21
    )
    with pytest.raises(ValidationFailed) as checked:
        writes.validate(twin)
    # when saved (in a transaction of its own, as a service saves)
    with pytest.raises(ValidationFailed) as refused, transaction.atomic():
        writes.save(twin)
    # then the error is the one validation gives: field, code and message
    assert refused.value.issues == checked.value.issues
    assert (refused.value.field, refused.value.code) == ("code", "duplicate_code")
    assert Product.objects.filter(organization=org).count() == 1


def test_a_check_constraint_broken_at_save_gives_the_error_validate_gives(org, owner):
    # given an offer valid before it is issued that skipped the check
    account = AccountFactory.create(org=org, user=owner)
    today = dt.date(2026, 3, 10)
    offer = Offer(
        organization=org,
        created_by=owner,
        account=account,
        number="OF-2026-9999",
        title="T",
        issue_date=today,
        valid_until=today - dt.timedelta(days=1),
    )
    with pytest.raises(ValidationFailed) as checked:
        writes.validate(offer)
    # when saved, then refused with the same field, code and message, and nothing written
    with pytest.raises(ValidationFailed) as refused, transaction.atomic():
        writes.save(offer)
    assert refused.value.issues == checked.value.issues
    assert (refused.value.field, refused.value.code) == ("valid_until", "valid_before_issue")
    assert not Offer.objects.filter(number="OF-2026-9999").exists()
