"""Reads through the view scope (TenantQuerySet.for_member): lists, records, exports and
pages of prospects, accounts, offers and contacts show what the member's role reaches;
a record outside it is a 404, as another organisation's is."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from smartcrm.api.tests.helpers import ApiClient
from smartcrm.contacts.models import Contact
from smartcrm.contacts.services import contact_create
from smartcrm.core.models import Membership
from smartcrm.core.scopes import ACTIONS
from smartcrm.core.tests.factories import give_role
from smartcrm.sales.models import Account, Offer, Prospect
from smartcrm.sales.tests.factories import AccountFactory, OfferFactory, ProspectFactory

pytestmark = pytest.mark.django_db

SALES_MODULES = ("prospects", "accounts", "offers", "contacts")


def _own_everywhere() -> dict[str, dict[str, str]]:
    return {module: dict.fromkeys(ACTIONS, "own") for module in SALES_MODULES}


@pytest.mark.parametrize("model", [Prospect, Account, Offer, Contact])
def test_the_all_scope_adds_nothing_to_the_query(org, sales_user, model):
    """Built-in roles see everything: the query is the organisation's, unchanged."""
    membership = Membership.objects.get(organization=org, user=sales_user)
    module = {Prospect: "prospects", Account: "accounts", Offer: "offers"}.get(model, "contacts")
    scoped = model.objects.for_member(membership, module)
    assert str(scoped.query) == str(model.objects.for_org(org).query)


def test_the_own_scope_filters_on_the_owner(org, owner, sales_user):
    give_role(org, owner, sales_user, _own_everywhere(), "Agent teren")
    membership = Membership.objects.get(organization=org, user=sales_user)
    mine = ProspectFactory.create(org=org, user=sales_user)
    ProspectFactory.create(org=org, user=owner)
    assert list(Prospect.objects.for_member(membership, "prospects")) == [mine]
    sql = str(Prospect.objects.for_member(membership, "prospects").query)
    assert "owner_id" in sql and "JOIN" not in sql


def test_contacts_follow_their_parents_owner(org, owner, sales_user):
    give_role(org, owner, sales_user, _own_everywhere(), "Agent teren")
    membership = Membership.objects.get(organization=org, user=sales_user)
    my_prospect = ProspectFactory.create(org=org, user=sales_user)
    my_account = AccountFactory.create(org=org, user=sales_user)
    their_prospect = ProspectFactory.create(org=org, user=owner)
    at_mine = contact_create(org=org, user=owner, prospect_id=my_prospect.pk, last_name="Pop")
    at_my_account = contact_create(
        org=org, user=owner, account_id=my_account.pk, last_name="Ionescu"
    )
    contact_create(org=org, user=owner, prospect_id=their_prospect.pk, last_name="Stan")
    visible = set(Contact.objects.for_member(membership, "contacts"))
    assert visible == {at_mine, at_my_account}


def test_the_api_lists_and_gets_only_what_the_scope_shows(org, owner, sales_user):
    give_role(org, owner, sales_user, _own_everywhere(), "Agent teren")
    mine = ProspectFactory.create(org=org, user=sales_user)
    theirs = ProspectFactory.create(org=org, user=owner)
    api = ApiClient(org, sales_user)
    listed = api.get("/api/v1/prospects?count=true").json()
    assert [item["id"] for item in listed["items"]] == [str(mine.pk)]
    assert api.get(f"/api/v1/prospects/{theirs.pk}").status_code == 404
    assert api.get(f"/api/v1/prospects/{theirs.pk}/timeline").status_code == 404
    assert api.get(f"/api/v1/prospects/{mine.pk}").status_code == 200


def test_an_offers_lines_are_out_of_sight_with_the_offer(org, owner, sales_user):
    give_role(org, owner, sales_user, _own_everywhere(), "Agent teren")
    account = AccountFactory.create(org=org, user=owner)
    theirs = OfferFactory.create(org=org, user=owner, account_id=account.pk)
    line = ApiClient(org, owner).post(
        f"/api/v1/offers/{theirs.pk}/lines",
        {"name": "Consultanță", "unit": "oră", "quantity": "1", "unit_price": "100"},
    )
    assert line.status_code == 201
    api = ApiClient(org, sales_user)
    assert api.get(f"/api/v1/offers/{theirs.pk}/lines").status_code == 404
    assert api.get(f"/api/v1/offers/{theirs.pk}/lines/{line.json()['id']}").status_code == 404


def test_an_export_holds_only_what_the_scope_shows(org, owner, sales_user):
    give_role(org, owner, sales_user, _own_everywhere(), "Agent teren")
    mine = ProspectFactory.create(org=org, user=sales_user, company_name="Lemn Brașov SRL")
    ProspectFactory.create(org=org, user=owner, company_name="Piatra Craiului SRL")
    response = ApiClient(org, sales_user).get("/api/v1/prospects/export?format=csv")
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert [row[0] for row in rows[1:]] == [str(mine.pk)]


def test_pages_show_only_what_the_scope_shows(client, org, owner, sales_user):
    give_role(org, owner, sales_user, _own_everywhere(), "Agent teren")
    mine = ProspectFactory.create(org=org, user=sales_user, company_name="Lemn Brașov SRL")
    theirs = ProspectFactory.create(org=org, user=owner, company_name="Piatra Craiului SRL")
    client.force_login(sales_user)
    listed = client.get(reverse("sales:prospect-list")).content.decode()
    assert "Lemn Brașov SRL" in listed and "Piatra Craiului SRL" not in listed
    assert client.get(reverse("sales:prospect", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("sales:prospect", args=[mine.pk])).status_code == 200
