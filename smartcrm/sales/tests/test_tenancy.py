"""Tenancy: a service called for organisation A never reads or changes organisation B's rows.

Every service that takes an id is called for A with the id of B's record; each answers
"not found" (never "forbidden"), and B's rows are exactly as they were.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from smartcrm.activities import services as activities
from smartcrm.activities.models import Activity
from smartcrm.audit.selectors import record_history_for
from smartcrm.catalog import services as catalog
from smartcrm.catalog.models import ExchangeRate, Product
from smartcrm.contacts import services as contacts
from smartcrm.contacts.models import Contact, OfferContact
from smartcrm.core import services as core
from smartcrm.core.errors import NotFound, ValidationFailed
from smartcrm.core.models import Department, Membership
from smartcrm.notes import services as notes
from smartcrm.notes.models import Note
from smartcrm.sales import services as sales
from smartcrm.sales.models import Account, Offer, OfferLine, Prospect
from smartcrm.tasks import services as tasks
from smartcrm.tasks.models import Task

TENANT_MODELS = (
    Prospect,
    Account,
    Offer,
    OfferLine,
    Contact,
    OfferContact,
    Activity,
    Note,
    Task,
    Product,
    ExchangeRate,
    Department,
)


@pytest.fixture
def b(other_org, other_owner):
    """Organisation B with one record of every kind."""
    org, user = other_org, other_owner
    catalog.exchange_rate_set(
        org=org, user=user, currency="EUR", date=dt.date(2026, 1, 5), rate=Decimal("4.97")
    )
    product = catalog.product_create(
        org=org, user=user, code="B-1", name="Produs B", price=Decimal("10")
    )
    prospect = sales.prospect_create(org=org, user=user, company_name="Beta Prospect SRL")
    account = sales.account_create(org=org, user=user, name="Beta Client SRL")
    offer = sales.offer_create(org=org, user=user, account_id=account.pk, title="Ofertă B")
    line = sales.offer_line_add(
        org=org, user=user, offer_id=offer.pk, product_id=product.pk, quantity="1"
    )
    contact = contacts.contact_create(org=org, user=user, account_id=account.pk, last_name="Beta")
    contacts.offer_contacts_set(org=org, user=user, offer_id=offer.pk, contact_ids=[contact.pk])
    activity = activities.activity_create(
        org=org,
        user=user,
        account_id=account.pk,
        kind="call",
        subject="Apel B",
        start_at=timezone.now(),
    )
    note = notes.note_create(org=org, user=user, account_id=account.pk, body="Notă B")
    task = tasks.task_create(org=org, user=user, account_id=account.pk, title="Sarcină B")
    department = core.department_create(org=org, user=user, name="Vânzări B")
    membership = Membership.objects.get(organization=org, user=user)
    return {
        "product": product,
        "prospect": prospect,
        "account": account,
        "offer": offer,
        "line": line,
        "contact": contact,
        "activity": activity,
        "note": note,
        "task": task,
        "department": department,
        "membership": membership,
    }


def _snapshot() -> set[tuple[str, str, int]]:
    rows = set()
    for model in TENANT_MODELS:
        for pk, version in model.objects.values_list("pk", "version"):
            rows.add((model.__name__, str(pk), version))
    return rows


HISTORY_KINDS = ("prospect", "account", "offer", "contact", "activity", "note", "task", "product")


def _history_of(kind: str) -> Callable[[dict[str, Any], dict[str, Any]], Any]:
    return lambda a, b: record_history_for(**a, kind=kind, record_id=b[kind].pk)


CALLS = {
    "prospect_update": lambda a, b: sales.prospect_update(
        **a, prospect_id=b["prospect"].pk, phone="1"
    ),
    "prospect_qualify": lambda a, b: sales.prospect_qualify(**a, prospect_id=b["prospect"].pk),
    "prospect_disqualify": lambda a, b: sales.prospect_disqualify(
        **a, prospect_id=b["prospect"].pk, reason="x"
    ),
    "prospect_convert": lambda a, b: sales.prospect_convert(**a, prospect_id=b["prospect"].pk),
    "prospect_delete": lambda a, b: sales.prospect_delete(**a, prospect_id=b["prospect"].pk),
    "account_update": lambda a, b: sales.account_update(**a, account_id=b["account"].pk, phone="1"),
    "account_delete": lambda a, b: sales.account_delete(**a, account_id=b["account"].pk),
    "offer_create": lambda a, b: sales.offer_create(**a, account_id=b["account"].pk, title="x"),
    "offer_update": lambda a, b: sales.offer_update(**a, offer_id=b["offer"].pk, title="x"),
    "offer_change_status": lambda a, b: sales.offer_change_status(
        **a, offer_id=b["offer"].pk, status="sent"
    ),
    "offer_delete": lambda a, b: sales.offer_delete(**a, offer_id=b["offer"].pk),
    "offer_line_add": lambda a, b: sales.offer_line_add(
        **a, offer_id=b["offer"].pk, name="x", quantity="1", unit_price="1"
    ),
    "offer_line_update": lambda a, b: sales.offer_line_update(
        **a, line_id=b["line"].pk, quantity="2"
    ),
    "offer_line_remove": lambda a, b: sales.offer_line_remove(**a, line_id=b["line"].pk),
    "offer_contacts_set": lambda a, b: contacts.offer_contacts_set(
        **a, offer_id=b["offer"].pk, contact_ids=[]
    ),
    "contact_create": lambda a, b: contacts.contact_create(
        **a, account_id=b["account"].pk, last_name="x"
    ),
    "contact_update": lambda a, b: contacts.contact_update(
        **a, contact_id=b["contact"].pk, phone="1"
    ),
    "contact_delete": lambda a, b: contacts.contact_delete(**a, contact_id=b["contact"].pk),
    "activity_create": lambda a, b: activities.activity_create(
        **a, offer_id=b["offer"].pk, kind="call", subject="x", start_at=timezone.now()
    ),
    "activity_update": lambda a, b: activities.activity_update(
        **a, activity_id=b["activity"].pk, subject="x"
    ),
    "activity_complete": lambda a, b: activities.activity_complete(
        **a, activity_id=b["activity"].pk
    ),
    "activity_cancel": lambda a, b: activities.activity_cancel(**a, activity_id=b["activity"].pk),
    "activity_delete": lambda a, b: activities.activity_delete(**a, activity_id=b["activity"].pk),
    "note_create": lambda a, b: notes.note_create(**a, prospect_id=b["prospect"].pk, body="x"),
    "note_update": lambda a, b: notes.note_update(**a, note_id=b["note"].pk, body="x"),
    "note_delete": lambda a, b: notes.note_delete(**a, note_id=b["note"].pk),
    "task_create": lambda a, b: tasks.task_create(**a, offer_id=b["offer"].pk, title="x"),
    "task_update": lambda a, b: tasks.task_update(**a, task_id=b["task"].pk, title="x"),
    "task_complete": lambda a, b: tasks.task_complete(**a, task_id=b["task"].pk),
    "task_delete": lambda a, b: tasks.task_delete(**a, task_id=b["task"].pk),
    "product_update": lambda a, b: catalog.product_update(
        **a, product_id=b["product"].pk, name="x"
    ),
    "product_delete": lambda a, b: catalog.product_delete(**a, product_id=b["product"].pk),
    "department_update": lambda a, b: core.department_update(
        **a, department_id=b["department"].pk, name="x"
    ),
    "department_delete": lambda a, b: core.department_delete(**a, department_id=b["department"].pk),
    "membership_update": lambda a, b: core.membership_update(
        **a, membership_id=b["membership"].pk, role="sales"
    ),
    # a record's audit history (its events are B's; A's owner, an admin, finds none)
    **{f"{kind}_history": _history_of(kind) for kind in HISTORY_KINDS},
}


@pytest.mark.parametrize("call", CALLS.values(), ids=CALLS.keys())
def test_service_for_org_a_cannot_touch_org_b(org, owner, b, call):
    # given organisation B's rows
    before = _snapshot()
    # when A's owner calls the service for A with B's id
    with pytest.raises((NotFound, ValidationFailed)) as refused:
        call({"org": org, "user": owner}, b)
    # then it is "not found" for A (never "forbidden") and B is exactly as it was
    assert refused.value.code in {"not_found", "not_member"}
    assert _snapshot() == before


def test_a_task_cannot_be_assigned_to_a_member_of_another_org(org, owner, other_owner):
    with pytest.raises(ValidationFailed) as refused:
        tasks.task_create(org=org, user=owner, title="x", assignee_id=other_owner.pk)
    assert refused.value.field == "assignee_id"
    assert Task.objects.count() == 0


def test_an_offer_line_cannot_use_a_product_of_another_org(org, owner, b):
    account = sales.account_create(org=org, user=owner, name="Alfa Client")
    offer = sales.offer_create(org=org, user=owner, account_id=account.pk, title="Ofertă A")
    with pytest.raises(ValidationFailed) as refused:
        sales.offer_line_add(
            org=org, user=owner, offer_id=offer.pk, product_id=b["product"].pk, quantity="1"
        )
    assert (refused.value.field, refused.value.code) == ("product_id", "not_found")
    assert OfferLine.objects.filter(offer=offer).count() == 0


def test_exchange_rates_of_another_org_are_not_used(org, owner, b):
    account = sales.account_create(org=org, user=owner, name="Alfa Client")
    offer = sales.offer_create(
        org=org,
        user=owner,
        account_id=account.pk,
        title="Ofertă A",
        issue_date=dt.date(2026, 1, 10),
    )
    with pytest.raises(ValidationFailed) as refused:
        sales.offer_line_add(
            org=org,
            user=owner,
            offer_id=offer.pk,
            name="x",
            quantity="1",
            unit_price="1",
            currency="EUR",
        )
    assert refused.value.code == "missing_exchange_rate"
