"""The lists that ``q`` searches, and how a test makes their records: shared by the API's
tests (smartcrm/api/tests/test_list_search.py) and the pages' (smartcrm/web/tests)."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone

from smartcrm.activities.services import activity_create
from smartcrm.catalog.services import product_create
from smartcrm.contacts.services import contact_create
from smartcrm.notes.services import note_create
from smartcrm.sales.tests.factories import AccountFactory, OfferFactory, ProspectFactory
from smartcrm.tasks.services import task_create

# What the matching records are called, and what the others are called.
FOUND = "Carpați Ștefan"
OTHER = "Dunărea Beta"
_serial = itertools.count()


@dataclass
class World:
    """An organisation, its user and two accounts to hang records on."""

    org: Any
    user: Any
    first: Any
    second: Any


@dataclass(frozen=True)
class ListSpec:
    """One list: its URL, how to make a record named ``text`` (``filtered``: one that the
    spec's filter keeps), and that filter as a query parameter."""

    key: str
    url: str
    make: Callable[[World, str, bool], Any]
    filter: Callable[[World], tuple[str, str]]


def make_prospect(world: World, text: str, filtered: bool) -> Any:
    return ProspectFactory.create(
        org=world.org,
        user=world.user,
        company_name=f"{text} {next(_serial):03}",
        first_name="Ion",
        last_name="Pop",
        email="",
        priority="high" if filtered else "low",
    )


def make_account(world: World, text: str, filtered: bool) -> Any:
    return AccountFactory.create(
        org=world.org,
        user=world.user,
        name=f"{text} {next(_serial):03}",
        county="CJ" if filtered else "B",
    )


def make_contact(world: World, text: str, filtered: bool) -> Any:
    return contact_create(
        org=world.org,
        user=world.user,
        account_id=(world.first if filtered else world.second).pk,
        first_name="Ion",
        last_name=f"{text} {next(_serial):03}",
    )


def make_offer(world: World, text: str, filtered: bool) -> Any:
    return OfferFactory.create(
        org=world.org,
        user=world.user,
        account_id=(world.first if filtered else world.second).pk,
        title=f"{text} {next(_serial):03}",
    )


def make_product(world: World, text: str, filtered: bool) -> Any:
    serial = next(_serial)
    return product_create(
        org=world.org,
        user=world.user,
        code=f"P-{serial:04}",
        name=f"{text} {serial:03}",
        price=Decimal("10"),
        kind="product" if filtered else "service",
    )


def make_task(world: World, text: str, filtered: bool) -> Any:
    return task_create(
        org=world.org,
        user=world.user,
        title=f"{text} {next(_serial):03}",
        priority="high" if filtered else "low",
    )


def make_activity(world: World, text: str, filtered: bool) -> Any:
    return activity_create(
        org=world.org,
        user=world.user,
        account_id=world.first.pk,
        kind="call" if filtered else "email",
        subject=f"{text} {next(_serial):03}",
        start_at=timezone.now() + dt.timedelta(days=1),
    )


def make_note(world: World, text: str, filtered: bool) -> Any:
    return note_create(
        org=world.org,
        user=world.user,
        account_id=world.first.pk,
        body=f"{text} {next(_serial):03}",
        pinned=filtered,
    )


LISTS = [
    ListSpec("prospects", "/api/v1/prospects", make_prospect, lambda w: ("priority", "high")),
    ListSpec("accounts", "/api/v1/accounts", make_account, lambda w: ("county", "CJ")),
    ListSpec(
        "contacts", "/api/v1/contacts", make_contact, lambda w: ("account_id", str(w.first.pk))
    ),
    ListSpec("offers", "/api/v1/offers", make_offer, lambda w: ("account_id", str(w.first.pk))),
    ListSpec("products", "/api/v1/products", make_product, lambda w: ("kind", "product")),
    ListSpec("tasks", "/api/v1/tasks", make_task, lambda w: ("priority", "high")),
    ListSpec("activities", "/api/v1/activities", make_activity, lambda w: ("kind", "call")),
    ListSpec("notes", "/api/v1/notes", make_note, lambda w: ("pinned", "true")),
]


def make_world(org: Any, user: Any) -> World:
    first = AccountFactory.create(org=org, user=user, name="Client Unu")
    second = AccountFactory.create(org=org, user=user, name="Client Doi")
    return World(org, user, first, second)
