"""The permission matrix, generated: for prospects, accounts, offers, contacts, activities,
notes, tasks and products, every scope (none, own, department, all) and every action (view
the list, view a record, edit, delete, assign), against a record held by me, by a colleague
of a sub-department, and by someone of another department — the API's answer is the one
the grants say. Activities, notes and tasks hang on a record of someone outside the team:
they are held by their own holder here (their owner, author, assignee); a product is
nobody's, so every scope but none reaches it.

Two role shapes: the same scope for every action (outside the view scope a record is not
found: 404, as another organisation's), and "view all, act with this scope" (the record
is seen; acting on it outside the scope is refused: 403). A smaller page variant checks
the list and record pages the same way.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from smartcrm.activities.services import activity_create
from smartcrm.api.tests.helpers import ApiClient
from smartcrm.catalog.services import product_create
from smartcrm.contacts.services import contact_create
from smartcrm.core.scopes import ACTIONS, SCOPES
from smartcrm.core.tests.factories import give_role
from smartcrm.core.tests.teams import sales_team
from smartcrm.notes.models import Note
from smartcrm.notes.services import note_create
from smartcrm.sales import services as sales
from smartcrm.tasks.services import task_create

pytestmark = pytest.mark.django_db

MODULES = (
    "prospects",
    "accounts",
    "offers",
    "contacts",
    "activities",
    "notes",
    "tasks",
    "products",
)
# The children of a record (activities, notes, tasks) and the catalogue.
CHILD_MODULES = ("activities", "notes", "tasks")
HOLDERS = ("me", "colleague", "outsider")
# What a harmless edit of each module sends.
EDITS = {
    "prospects": {"description": "Revenim în martie."},
    "accounts": {"description": "Client din 2024."},
    "offers": {"title": "Ofertă revizuită"},
    "contacts": {"job_title": "Director achiziții"},
    "activities": {"subject": "Apel de revenire"},
    "notes": {"body": "Revenim după sărbători."},
    "tasks": {"title": "Trimite oferta revizuită"},
    "products": {"name": "Licență anuală extinsă"},
}
# Who a record is handed over to, by field. Contacts are held through their parent, a note
# is its author's, a product nobody's: none of them is handed over.
ASSIGN_FIELDS = {
    "prospects": "owner_id",
    "accounts": "owner_id",
    "offers": "owner_id",
    "activities": "owner_id",
    "tasks": "assignee_id",
}
ASSIGNABLE = tuple(ASSIGN_FIELDS)


def _record(org, owner, module, holder, label):
    """A record of ``module`` that ``holder`` holds; returns its id."""
    record: Any
    if module == "prospects":
        record = sales.prospect_create(
            org=org, user=owner, company_name=f"{label} SRL", owner_id=holder.pk
        )
    elif module == "accounts":
        record = sales.account_create(org=org, user=owner, name=f"{label} SRL", owner_id=holder.pk)
    elif module == "offers":
        # the account is everyone's to see: its name must not repeat the offer's label
        account = sales.account_create(org=org, user=owner, name=f"Client {uuid.uuid4().hex}")
        record = sales.offer_create(
            org=org, user=owner, account_id=account.pk, title=label, owner_id=holder.pk
        )
    elif module in CHILD_MODULES:
        record = _child(org, owner, module, holder, label)
    elif module == "products":
        record = product_create(
            org=org,
            user=owner,
            code=f"P-{uuid.uuid4().hex[:10]}",
            name=label,
            price=Decimal("1200"),
        )
    else:
        prospect = sales.prospect_create(
            org=org, user=owner, company_name=f"Firma {label} SRL", owner_id=holder.pk
        )
        record = contact_create(org=org, user=owner, prospect_id=prospect.pk, last_name=label)
    return str(record.pk)


def _child(org, owner, module, holder, label, prospect=None):
    """An activity (its owner), a note (its author) or a task (its assignee) of ``holder``,
    on a prospect of the organisation's owner, who is in none of the team's departments."""
    if prospect is None:
        prospect = sales.prospect_create(
            org=org, user=owner, company_name=f"Client {uuid.uuid4().hex}"
        )
    if module == "activities":
        return activity_create(
            org=org,
            user=owner,
            prospect_id=prospect.pk,
            kind="call",
            subject=label,
            start_at=dt.datetime(2026, 3, 9, 9, 0, tzinfo=dt.UTC),
            owner_id=holder.pk,
        )
    if module == "notes":
        # written by ``holder`` (its author holds it), whatever their role lets them write now
        note = note_create(org=org, user=owner, prospect_id=prospect.pk, body=label)
        Note.objects.filter(pk=note.pk).update(created_by=holder)
        return note
    return task_create(
        org=org, user=owner, prospect_id=prospect.pk, title=label, assignee_id=holder.pk
    )


def _grants(module: str, actions: dict[str, str]) -> dict[str, dict[str, str]]:
    """A role with these scopes in ``module``; with a record's children, it also sees every
    prospect (the records they hang on), so that I write my own notes on them."""
    grants = {module: actions}
    if module in CHILD_MODULES:
        grants["prospects"] = {"view": "all"}
    return grants


def _reaches(scope: str, holder: str, module: str = "") -> bool:
    if module == "products":  # the catalogue is everybody's: any scope but none
        return scope != "none"
    return {
        "none": False,
        "own": holder == "me",
        "department": holder in ("me", "colleague"),
        "all": True,
    }[scope]


SUCCESS = {"view record": 200, "edit": 200, "delete": 204, "assign": 200}


def _answer(api, module, action, record_id, new_owner):
    path = f"/api/v1/{module}/{record_id}"
    if action == "view record":
        return api.get(path)
    if action == "edit":
        return api.patch(path, EDITS[module])
    if action == "delete":
        return api.delete(path)
    return api.patch(path, {ASSIGN_FIELDS[module]: str(new_owner.pk)})


def _check(org, owner, people, module, *, view, act):
    """Every action on a record of each holder; the failures, described."""
    api = ApiClient(org, people["me"])
    failures = []
    listed_ids = {}
    for holder in HOLDERS:
        listed_ids[holder] = _record(org, owner, module, people[holder], f"Listă {holder}")
    response = api.get(f"/api/v1/{module}?limit=200")
    shown = {item["id"] for item in response.json()["items"]}
    expected = {listed_ids[h] for h in HOLDERS if _reaches(view, h, module)}
    if response.status_code != 200 or shown != expected:
        failures.append(f"view list: {response.status_code} {len(shown)} rows, not {expected}")
    actions = ["view record", "edit", "delete"] + (["assign"] if module in ASSIGNABLE else [])
    for action in actions:
        for holder in HOLDERS:
            record_id = _record(org, owner, module, people[holder], f"{action} {holder}")
            if not _reaches(view, holder, module):
                wanted = 404
            elif action == "view record" or _reaches(act, holder, module):
                wanted = SUCCESS[action]
            else:
                wanted = 403
            response = _answer(api, module, action, record_id, owner)
            if response.status_code != wanted:
                failures.append(
                    f"{action} on {holder}'s: {response.status_code}, not {wanted}: "
                    f"{response.content[:160]!r}"
                )
            elif wanted >= 400 and response["Content-Type"] != "application/problem+json":
                failures.append(f"{action} on {holder}'s: {response['Content-Type']}")
    return failures


@pytest.mark.parametrize("scope", SCOPES)
@pytest.mark.parametrize("module", MODULES)
def test_one_scope_for_every_action(org, owner, module, scope):
    # given me with a role giving ``scope`` on every action of ``module``
    people = sales_team(org, owner)
    give_role(org, owner, people["me"], _grants(module, dict.fromkeys(ACTIONS, scope)), "Rol")
    # when I list, read, edit, delete and reassign records of each holder
    # then what is outside my scope is not found
    assert _check(org, owner, people, module, view=scope, act=scope) == []


@pytest.mark.parametrize("scope", [s for s in SCOPES if s != "all"])
@pytest.mark.parametrize("module", MODULES)
def test_seeing_everything_and_acting_within_a_scope(org, owner, module, scope):
    # given me seeing every record of ``module``, acting on them within ``scope``
    people = sales_team(org, owner)
    grants = _grants(module, {**dict.fromkeys(ACTIONS, scope), "view": "all"})
    give_role(org, owner, people["me"], grants, "Rol")
    # then acting outside the scope is refused, reading is not
    assert _check(org, owner, people, module, view="all", act=scope) == []


def test_the_built_in_sales_role_is_the_matrix_of_all_and_own(org, owner):
    """No custom role: a sales user sees and edits everything, deletes and reassigns what
    they hold only (the rules before custom roles)."""
    people = sales_team(org, owner)
    for module in ("prospects", "accounts", "offers", "contacts", "activities", "tasks"):
        failures = _check(org, owner, people, module, view="all", act="all")
        # delete and assign are "own" for sales: the 403s the all-matrix did not expect
        unexpected = [
            f
            for f in failures
            if not (f.startswith(("delete on", "assign on")) and ": 403, not " in f)
            or f.startswith(("delete on me", "assign on me"))
        ]
        assert unexpected == [], module


PAGES = {
    "prospects": ("sales:prospect-list", "sales:prospect"),
    "accounts": ("sales:account-list", "sales:account"),
    "offers": ("sales:offer-list", "sales:offer"),
    "contacts": ("contacts:contact-list", "contacts:contact"),
    "activities": ("activities:activity-list", "activities:activity"),
    "tasks": ("tasks:team-tasks", "tasks:task"),
    "products": ("catalog:product-list", "catalog:product"),
}


@pytest.mark.parametrize("scope", SCOPES)
@pytest.mark.parametrize("module", list(PAGES))
def test_pages_show_what_the_scope_shows(client, org, owner, module, scope):
    people = sales_team(org, owner)
    give_role(org, owner, people["me"], _grants(module, dict.fromkeys(ACTIONS, scope)), "Rol")
    records = {h: _record(org, owner, module, people[h], f"Pagina {h}") for h in HOLDERS}
    client.force_login(people["me"])
    list_page, record_page = PAGES[module]
    listed = client.get(reverse(list_page)).content.decode()
    for holder in HOLDERS:
        reached = _reaches(scope, holder, module)
        assert (f"Pagina {holder}" in listed) == reached, (holder, "list")
        answer = client.get(reverse(record_page, args=[records[holder]])).status_code
        assert answer == (200 if reached else 404), (holder, "record")


@pytest.mark.parametrize("scope", SCOPES)
def test_a_records_notes_section_shows_what_the_scope_shows(client, org, owner, scope):
    """Notes are listed on their record's page: the section shows the notes my scope
    reaches; a note's address leads to its record, or is not found."""
    # given me seeing every prospect, and notes within ``scope``
    people = sales_team(org, owner)
    grants = {"notes": dict.fromkeys(ACTIONS, scope), "prospects": {"view": "all"}}
    give_role(org, owner, people["me"], grants, "Rol")
    prospect = sales.prospect_create(org=org, user=owner, company_name="Carpați Lemn SRL")
    notes = {
        h: _child(org, owner, "notes", people[h], f"Pagina {h}", prospect=prospect) for h in HOLDERS
    }
    client.force_login(people["me"])
    # when I open the prospect's notes section and each note's address
    listed = client.get(reverse("notes:section", args=["prospect", prospect.pk])).content
    # then I see, and reach, the notes of my scope only
    for holder in HOLDERS:
        reached = _reaches(scope, holder)
        assert (f"Pagina {holder}" in listed.decode()) == reached, (holder, "section")
        answer = client.get(reverse("notes:note", args=[notes[holder].pk])).status_code
        assert answer == (302 if reached else 404), (holder, "record")


def _list_queries(api, path):
    api.get(path)  # the first request marks the token used
    with CaptureQueriesContext(connection) as queries:
        response = api.get(path)
    assert response.status_code == 200, response.content
    return len(queries), len(response.json()["items"])


@pytest.mark.parametrize("module", ["activities", "notes", "tasks", "products"])
def test_scoped_lists_run_as_many_queries_as_the_whole_list(org, owner, module):
    """The view scope is a filter of the list's own query (a semi-join for a record's
    children): own runs the queries "all" runs, department adds its one read of the
    department tree and its members, and neither grows with the rows."""
    # given me and two colleagues, each with records of ``module``
    people = sales_team(org, owner)
    for holder in HOLDERS:
        for number in range(3):
            _record(org, owner, module, people[holder], f"Rând {holder} {number}")
    api = ApiClient(org, people["me"])
    counts = {}
    for scope in ("all", "own", "department"):
        give_role(org, owner, people["me"], _grants(module, {"view": scope}), f"Rol {scope}")
        counts[scope] = _list_queries(api, f"/api/v1/{module}?limit=200")
    # when more records come, for each holder
    for holder in HOLDERS:
        for number in range(3, 6):
            _record(org, owner, module, people[holder], f"Rând {holder} {number}")
    more = _list_queries(api, f"/api/v1/{module}?limit=200")
    # then the count of queries is that of the whole list, whatever the scope and the rows
    rows = {"all": 9, "own": 3, "department": 6}
    if module == "products":
        rows = {"all": 9, "own": 9, "department": 9}
    assert {scope: count[1] for scope, count in counts.items()} == rows
    assert counts["own"][0] == counts["all"][0]
    assert counts["department"][0] == counts["all"][0] + 2
    assert more == (counts["department"][0], 2 * rows["department"])
