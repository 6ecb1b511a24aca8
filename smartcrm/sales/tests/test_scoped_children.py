"""The view scope on the children of a record (contacts, activities, notes, tasks), on an
offer's lines and contacts, and on the catalogue: a child is seen with the record it hangs
on and changed by its own holders; nothing new hangs on a record out of sight; a line of
an offer out of sight is not found."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from smartcrm.activities.models import Activity
from smartcrm.activities.services import activity_create
from smartcrm.api.tests.helpers import ApiClient
from smartcrm.catalog.models import Product
from smartcrm.catalog.services import product_create
from smartcrm.contacts.models import Contact, OfferContact
from smartcrm.contacts.services import contact_create, offer_contacts_set
from smartcrm.core.scopes import ACTIONS
from smartcrm.core.tests.factories import give_role
from smartcrm.notes.models import Note
from smartcrm.notes.services import note_create
from smartcrm.sales import services as sales
from smartcrm.sales.models import OfferLine
from smartcrm.sales.tests.factories import AccountFactory, OfferFactory, ProspectFactory
from smartcrm.tasks.models import Task
from smartcrm.tasks.services import task_create

pytestmark = pytest.mark.django_db

MONDAY_9 = dt.datetime(2026, 3, 9, 9, 0, tzinfo=dt.UTC)
CHILDREN = ("activities", "notes", "tasks")
EDITS = {
    "activities": {"subject": "Apel de revenire"},
    "notes": {"body": "Revenim în aprilie."},
    "tasks": {"title": "Sună din nou"},
}


def _own(*modules: str) -> dict[str, dict[str, str]]:
    return {module: dict.fromkeys(ACTIONS, "own") for module in modules}


def _child_of(org, author, module, prospect, label):
    """An activity, a note or a task of ``author`` (its owner, author, assignee and
    creator) on ``prospect``."""
    if module == "activities":
        return activity_create(
            org=org, user=author, prospect_id=prospect.pk, kind="call", subject=label,
            start_at=MONDAY_9,
        )  # fmt: skip
    if module == "notes":
        return note_create(org=org, user=author, prospect_id=prospect.pk, body=label)
    return task_create(org=org, user=author, prospect_id=prospect.pk, title=label)


@pytest.mark.parametrize("module", CHILDREN)
def test_a_child_on_my_record_is_mine_to_see_not_to_change(org, owner, sales_user, module):
    # given me seeing my own prospects and records of ``module``, and the organisation's
    # owner's child of ``module`` on my prospect
    give_role(org, owner, sales_user, _own("prospects", module), "Agent teren")
    mine = ProspectFactory.create(org=org, user=owner, owner_id=sales_user.pk)
    child = _child_of(org, owner, module, mine, "Discuție despre buget")
    api = ApiClient(org, sales_user)
    # when I list and read it, change it and delete it
    listed = api.get(f"/api/v1/{module}").json()["items"]
    read = api.get(f"/api/v1/{module}/{child.pk}")
    edited = api.patch(f"/api/v1/{module}/{child.pk}", EDITS[module])
    deleted = api.delete(f"/api/v1/{module}/{child.pk}")
    # then I see it with my prospect, but it is its holder's to change
    assert [item["id"] for item in listed] == [str(child.pk)]
    assert read.status_code == 200
    assert (edited.status_code, edited.json()["code"]) == (403, "forbidden")
    assert (deleted.status_code, deleted.json()["code"]) == (403, "forbidden")
    child.refresh_from_db()
    assert (child.version, child.trash_id) == (1, None)


@pytest.mark.parametrize("module", CHILDREN)
def test_a_child_on_a_record_out_of_sight_is_not_found(org, owner, sales_user, module):
    # given the owner's child of ``module`` on the owner's prospect, and me seeing my own
    give_role(org, owner, sales_user, _own("prospects", module), "Agent teren")
    theirs = ProspectFactory.create(org=org, user=owner)
    child = _child_of(org, owner, module, theirs, "Discuție despre buget")
    api = ApiClient(org, sales_user)
    # when I read, change and delete it
    answers = [
        api.get(f"/api/v1/{module}/{child.pk}").status_code,
        api.patch(f"/api/v1/{module}/{child.pk}", EDITS[module]).status_code,
        api.delete(f"/api/v1/{module}/{child.pk}").status_code,
    ]
    # then it is not found, as another organisation's
    assert answers == [404, 404, 404]
    assert api.get(f"/api/v1/{module}").json()["items"] == []


NEW_CHILDREN = {
    "contacts": {"last_name": "Dobre"},
    "activities": {"kind": "call", "subject": "Primul apel", "start_at": "2026-03-09T09:00:00Z"},
    "notes": {"body": "Preferă e-mailul."},
    "tasks": {"title": "Trimite prezentarea"},
}
CHILD_MODELS = {"contacts": Contact, "activities": Activity, "notes": Note, "tasks": Task}


@pytest.mark.parametrize("module", list(NEW_CHILDREN))
def test_a_new_child_finds_no_parent_out_of_sight(
    org, owner, sales_user, other_org, other_owner, module
):
    # given me creating ``module`` records on the prospects I own, one prospect of the
    # organisation's owner, and one of another organisation
    grants = {**_own("prospects"), module: dict.fromkeys(ACTIONS, "all")}
    give_role(org, owner, sales_user, grants, "Agent teren")
    theirs = ProspectFactory.create(org=org, user=owner, company_name="Munte Verde SRL")
    foreign = ProspectFactory.create(org=other_org, user=other_owner)
    api = ApiClient(org, sales_user)
    # when I post a child on each
    on_theirs = api.post(
        f"/api/v1/{module}", {"prospect_id": str(theirs.pk)} | NEW_CHILDREN[module]
    )
    on_foreign = api.post(
        f"/api/v1/{module}", {"prospect_id": str(foreign.pk)} | NEW_CHILDREN[module]
    )
    # then the prospect out of sight is not found, exactly as another organisation's
    assert on_theirs.status_code == 422
    assert on_theirs.json()["errors"] == [
        {"field": "prospect_id", "message": "No prospect with this id.", "code": "not_found"}
    ]
    assert on_foreign.json()["errors"] == on_theirs.json()["errors"]
    assert not CHILD_MODELS[module].objects.filter(prospect=theirs).exists()


@pytest.mark.parametrize(
    "route", ["contacts:contact-create", "activities:activity-create", "notes:note-create",
              "tasks:task-create", "contacts:section", "activities:section", "notes:section",
              "tasks:section"],
)  # fmt: skip
def test_a_records_sections_and_dialogs_out_of_sight_are_not_found(
    client, org, owner, sales_user, route
):
    # given me seeing the prospects I own, and every child
    grants = {
        "prospects": {"view": "own"},
        **{m: dict.fromkeys(ACTIONS, "all") for m in ("contacts", *CHILDREN)},
    }
    give_role(org, owner, sales_user, grants, "Agent teren")
    theirs = ProspectFactory.create(org=org, user=owner)
    mine = ProspectFactory.create(org=org, user=owner, owner_id=sales_user.pk)
    client.force_login(sales_user)
    # when I open a section or an "add" dialog of the owner's prospect, and of mine
    # then theirs is not found, mine opens
    assert client.get(reverse(route, args=["prospect", theirs.pk])).status_code == 404
    assert client.get(reverse(route, args=["prospect", mine.pk])).status_code == 200


def test_an_offer_out_of_sight_takes_no_contacts(org, owner, sales_user):
    # given the owner's offer on an account with a contact, and me seeing my own offers
    give_role(org, owner, sales_user, _own("offers") | {"contacts": {"view": "all"}}, "Agent")
    account = AccountFactory.create(org=org, user=owner, name="Dunărea Logistic SRL")
    contact = contact_create(org=org, user=owner, account_id=account.pk, last_name="Mocanu")
    offer = OfferFactory.create(org=org, user=owner, account_id=account.pk)
    api = ApiClient(org, sales_user)
    # when I choose the contact for the offer
    response = api.post(f"/api/v1/offers/{offer.pk}/contacts", {"contact_ids": [str(contact.pk)]})
    # then the offer is not found, and has no contact
    assert (response.status_code, response.json()["code"]) == (404, "not_found")
    assert not OfferContact.objects.filter(offer=offer).exists()


def test_an_offer_takes_only_the_contacts_in_sight_and_keeps_those_it_has(org, owner, sales_user):
    # given my offer on the owner's account, its contact Mocanu chosen by the owner, and
    # a second contact Radu; I see my own contacts only (the account's are the owner's)
    give_role(org, owner, sales_user, _own("offers", "contacts"), "Agent")
    account = AccountFactory.create(org=org, user=owner, name="Dunărea Logistic SRL")
    chosen = contact_create(org=org, user=owner, account_id=account.pk, last_name="Mocanu")
    other = contact_create(org=org, user=owner, account_id=account.pk, last_name="Radu")
    offer = OfferFactory.create(org=org, user=owner, account_id=account.pk, owner_id=sales_user.pk)
    offer_contacts_set(org=org, user=owner, offer_id=offer.pk, contact_ids=[chosen.pk])
    api = ApiClient(org, sales_user)
    # when I add Radu, then keep the offer's contacts as they are
    added = api.post(
        f"/api/v1/offers/{offer.pk}/contacts", {"contact_ids": [str(chosen.pk), str(other.pk)]}
    )
    kept = api.post(f"/api/v1/offers/{offer.pk}/contacts", {"contact_ids": [str(chosen.pk)]})
    # then Radu, out of sight, is not one of the account's; Mocanu stays
    assert added.status_code == 422
    assert [(e["field"], e["code"]) for e in added.json()["errors"]] == [
        ("contact_ids", "not_account_contact")
    ]
    assert kept.status_code == 200
    assert list(OfferContact.objects.filter(offer=offer).values_list("contact_id", flat=True)) == [
        chosen.pk
    ]


def test_an_offer_line_out_of_sight_is_not_found_on_the_pages(client, org, owner, sales_user):
    # given a line on the owner's offer, and me seeing my own offers
    give_role(org, owner, sales_user, _own("offers"), "Agent")
    account = AccountFactory.create(org=org, user=owner)
    offer = OfferFactory.create(org=org, user=owner, account_id=account.pk)
    line = sales.offer_line_add(
        org=org, user=owner, offer_id=offer.pk, name="Consultanță", unit="oră",
        quantity=Decimal("2"), unit_price=Decimal("150"),
    )  # fmt: skip
    client.force_login(sales_user)
    # when I change the line's quantity, then delete it, from the offer editor
    changed = client.post(
        reverse("sales:offer-line-update", args=[line.pk]),
        {"quantity": "5", "unit_price": "150", "discount_percent": "0", "vat_rate": "19"},
    )
    deleted = client.post(reverse("sales:offer-line-delete", args=[line.pk]))
    # then it is not found, and unchanged
    assert (changed.status_code, deleted.status_code) == (404, 404)
    assert OfferLine.objects.get(pk=line.pk).quantity == Decimal("2")
    assert client.get(reverse("sales:offer-lines", args=[offer.pk])).status_code == 404


def _exported_ids(api, module):
    response = api.get(f"/api/v1/{module}/export?format=csv")
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return [row[0] for row in list(csv.reader(io.StringIO(text)))[1:]]


@pytest.mark.parametrize("module", ["activities", "tasks"])
def test_an_export_of_activities_or_tasks_holds_what_the_scope_shows(
    org, owner, sales_user, module
):
    # given my record of ``module`` and the owner's, each on the owner's prospect
    give_role(org, owner, sales_user, _own(module) | {"prospects": {"view": "all"}}, "Agent")
    prospect = ProspectFactory.create(org=org, user=owner)
    mine = _child_of(org, sales_user, module, prospect, "Al meu")
    _child_of(org, owner, module, prospect, "Al proprietarului")
    # when I export them, then only mine is written
    assert _exported_ids(ApiClient(org, sales_user), module) == [str(mine.pk)]


def test_the_catalogue_is_exported_whole_or_not_at_all(org, owner, sales_user, manager):
    # given a product, a member who sees the catalogue in "own" scope, and one who sees none
    product = product_create(
        org=org, user=owner, code="LIC-01", name="Licență anuală", price=Decimal("1200")
    )
    give_role(org, owner, sales_user, _own("products"), "Agent")
    give_role(org, owner, manager, {"products": {"export": "all"}}, "Fără catalog")
    # when each exports it
    # then the product is nobody's own: "own" exports it, no view scope exports nothing
    assert _exported_ids(ApiClient(org, sales_user), "products") == [str(product.pk)]
    assert _exported_ids(ApiClient(org, manager), "products") == []


def test_a_custom_role_changes_the_catalogue_by_its_grants(client, org, owner, sales_user):
    # given a sales user whose role may create and edit the catalogue
    grants = {"products": {"view": "all", "create": "all", "edit": "own"}}
    give_role(org, owner, sales_user, grants, "Responsabil catalog")
    api = ApiClient(org, sales_user)
    # when they add a product through the API, then rename it on its page
    created = api.post("/api/v1/products", {"code": "SRV-02", "name": "Instalare", "price": "300"})
    client.force_login(sales_user)
    page = client.get(reverse("catalog:product", args=[created.json()["id"]]))
    # then both are theirs to do; deleting is not
    assert created.status_code == 201
    assert page.status_code == 200 and page.context["can_edit"] is True
    deleted = api.delete(f"/api/v1/products/{created.json()['id']}")
    assert (deleted.status_code, deleted.json()["code"]) == (403, "forbidden")
    assert Product.objects.filter(pk=created.json()["id"], trash__isnull=True).exists()
