"""The permission matrix, generated: for prospects, accounts, offers and contacts, every
scope (none, own, department, all) and every action (view the list, view a record, edit,
delete, assign), against a record held by me, by a colleague of a sub-department, and by
someone of another department — the API's answer is the one the grants say.

Two role shapes: the same scope for every action (outside the view scope a record is not
found: 404, as another organisation's), and "view all, act with this scope" (the record
is seen; acting on it outside the scope is refused: 403). A smaller page variant checks
the list and record pages the same way.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.urls import reverse

from smartcrm.api.tests.helpers import ApiClient
from smartcrm.contacts.services import contact_create
from smartcrm.core import services as core
from smartcrm.core.scopes import ACTIONS, SCOPES
from smartcrm.core.tests.factories import UserFactory, add_member, give_role, place
from smartcrm.sales import services as sales

pytestmark = pytest.mark.django_db

MODULES = ("prospects", "accounts", "offers", "contacts")
HOLDERS = ("me", "colleague", "outsider")
# What a harmless edit of each module sends.
EDITS = {
    "prospects": {"description": "Revenim în martie."},
    "accounts": {"description": "Client din 2024."},
    "offers": {"title": "Ofertă revizuită"},
    "contacts": {"job_title": "Director achiziții"},
}
# Contacts are held through their parent: they have no owner of their own to hand over.
ASSIGNABLE = ("prospects", "accounts", "offers")


def _team(org, owner):
    """Me heading "Vânzări", a colleague in "Vânzări Brașov" under it, an outsider in
    "Suport"; the organisation's owner (an admin, built-in) builds the records."""
    parent = core.department_create(org=org, user=owner, name="Vânzări", head_id=owner.pk)
    branch = core.department_create(org=org, user=owner, name="Vânzări Brașov", parent_id=parent.pk)
    support = core.department_create(org=org, user=owner, name="Suport")
    people = {}
    for name, department in (("me", parent), ("colleague", branch), ("outsider", support)):
        person = UserFactory.create()
        add_member(org, owner, person)
        place(org, owner, person, department.pk)
        people[name] = person
    return people


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
    else:
        prospect = sales.prospect_create(
            org=org, user=owner, company_name=f"Firma {label} SRL", owner_id=holder.pk
        )
        record = contact_create(org=org, user=owner, prospect_id=prospect.pk, last_name=label)
    return str(record.pk)


def _reaches(scope: str, holder: str) -> bool:
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
    return api.patch(path, {"owner_id": str(new_owner.pk)})


def _check(org, owner, people, module, *, view, act):
    """Every action on a record of each holder; the failures, described."""
    api = ApiClient(org, people["me"])
    failures = []
    listed_ids = {}
    for holder in HOLDERS:
        listed_ids[holder] = _record(org, owner, module, people[holder], f"Listă {holder}")
    response = api.get(f"/api/v1/{module}?limit=200")
    shown = {item["id"] for item in response.json()["items"]}
    expected = {listed_ids[h] for h in HOLDERS if _reaches(view, h)}
    if response.status_code != 200 or shown != expected:
        failures.append(f"view list: {response.status_code} {len(shown)} rows, not {expected}")
    actions = ["view record", "edit", "delete"] + (["assign"] if module in ASSIGNABLE else [])
    for action in actions:
        for holder in HOLDERS:
            record_id = _record(org, owner, module, people[holder], f"{action} {holder}")
            if not _reaches(view, holder):
                wanted = 404
            elif action == "view record" or _reaches(act, holder):
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
    people = _team(org, owner)
    give_role(org, owner, people["me"], {module: dict.fromkeys(ACTIONS, scope)}, "Rol")
    # when I list, read, edit, delete and reassign records of each holder
    # then what is outside my scope is not found
    assert _check(org, owner, people, module, view=scope, act=scope) == []


@pytest.mark.parametrize("scope", [s for s in SCOPES if s != "all"])
@pytest.mark.parametrize("module", MODULES)
def test_seeing_everything_and_acting_within_a_scope(org, owner, module, scope):
    # given me seeing every record of ``module``, acting on them within ``scope``
    people = _team(org, owner)
    grants = {module: {**dict.fromkeys(ACTIONS, scope), "view": "all"}}
    give_role(org, owner, people["me"], grants, "Rol")
    # then acting outside the scope is refused, reading is not
    assert _check(org, owner, people, module, view="all", act=scope) == []


def test_the_built_in_sales_role_is_the_matrix_of_all_and_own(org, owner):
    """No custom role: a sales user sees and edits everything, deletes and reassigns what
    they hold only (the rules before custom roles)."""
    people = _team(org, owner)
    for module in MODULES:
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
}


@pytest.mark.parametrize("scope", SCOPES)
@pytest.mark.parametrize("module", MODULES)
def test_pages_show_what_the_scope_shows(client, org, owner, module, scope):
    people = _team(org, owner)
    give_role(org, owner, people["me"], {module: dict.fromkeys(ACTIONS, scope)}, "Rol")
    records = {h: _record(org, owner, module, people[h], f"Pagina {h}") for h in HOLDERS}
    client.force_login(people["me"])
    list_page, record_page = PAGES[module]
    listed = client.get(reverse(list_page)).content.decode()
    for holder in HOLDERS:
        reached = _reaches(scope, holder)
        assert (f"Pagina {holder}" in listed) == reached, (holder, "list")
        answer = client.get(reverse(record_page, args=[records[holder]])).status_code
        assert answer == (200 if reached else 404), (holder, "record")
