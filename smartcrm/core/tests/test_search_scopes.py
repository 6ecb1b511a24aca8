"""Search and pickers show only what the member's view scope shows: the global search (its
selector, the API, the top bar), the record picker of activities, the account pickers and
the product typeahead; a list's ``q`` counts only the rows the list shows."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from smartcrm.api.tests.helpers import ApiClient
from smartcrm.catalog.services import product_create
from smartcrm.contacts.services import contact_create
from smartcrm.core.permissions import membership_of
from smartcrm.core.search import search
from smartcrm.core.tests.factories import give_role
from smartcrm.core.tests.teams import sales_team
from smartcrm.sales import services as sales

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
SEARCHED = ("prospects", "accounts", "offers", "contacts")


def _records(org, owner, holder, label):
    """A prospect, an account, an offer on it and a contact at it, all held by ``holder``
    and named "Carpați <label>"."""
    prospect = sales.prospect_create(
        org=org, user=owner, company_name=f"Carpați {label} Prospect SRL", owner_id=holder.pk
    )
    account = sales.account_create(
        org=org, user=owner, name=f"Carpați {label} Client SRL", owner_id=holder.pk
    )
    offer = sales.offer_create(
        org=org, user=owner, account_id=account.pk, title=f"Carpați {label}", owner_id=holder.pk
    )
    contact = contact_create(
        org=org, user=owner, account_id=account.pk, first_name="Ion", last_name=f"Carpați {label}"
    )
    return {"prospect": prospect, "account": account, "offer": offer, "contact": contact}


def _grants(scope, products="all"):
    grants = {module: {"view": scope} for module in SEARCHED}
    grants["products"] = {"view": products}
    return grants


def _found(org, member, q="carpati"):
    hits, _cursor = search(org=org, q=q, member=member, limit=200)
    return {(hit.kind, hit.title) for hit in hits}


def _titles(records):
    return {
        ("prospect", str(records["prospect"])),
        ("account", records["account"].name),
        ("offer", f"{records['offer'].number} {records['offer'].title}"),
        ("contact", records["contact"].full_name),
    }


def test_search_with_own_scope_finds_only_my_records_of_each_kind(org, owner):
    # given my records and an outsider's, all named "Carpați", and a role seeing my own
    people = sales_team(org, owner)
    mine = _records(org, owner, people["me"], "Eu")
    _records(org, owner, people["outsider"], "Altul")
    member = give_role(org, owner, people["me"], _grants("own"), "Agent")
    # when I search
    found = _found(org, membership_of(org, people["me"]))
    # then only my prospect, account, offer and contact are found
    assert member.custom_role_id is not None
    assert found == _titles(mine)


def test_search_with_department_scope_finds_my_sub_department_colleagues_records(org, owner):
    # given records of mine, of a colleague in a sub-department, and of an outsider
    people = sales_team(org, owner)
    mine = _records(org, owner, people["me"], "Eu")
    theirs = _records(org, owner, people["colleague"], "Coleg")
    _records(org, owner, people["outsider"], "Altul")
    give_role(org, owner, people["me"], _grants("department"), "Șef de echipă")
    # when I search
    found = _found(org, membership_of(org, people["me"]))
    # then my department's records are found, the outsider's are not
    assert found == _titles(mine) | _titles(theirs)


def test_search_leaves_out_the_kinds_the_role_does_not_see(org, owner):
    # given a product and a prospect, and a role seeing every prospect but no product
    people = sales_team(org, owner)
    product_create(org=org, user=owner, code="CRP-1", name="Carpați Licență", price=Decimal("10"))
    sales.prospect_create(org=org, user=owner, company_name="Carpați Munte SRL")
    give_role(org, owner, people["me"], _grants("all", products="none"), "Fără catalog")
    # when I search
    found = _found(org, membership_of(org, people["me"]))
    # then the prospect is found, the product is not
    assert found == {("prospect", "Carpați Munte SRL")}


def test_search_for_a_built_in_role_adds_no_sql(org, owner, sales_user):
    # given a sales user (built-in role: sees everything) and a record to find
    sales.prospect_create(org=org, user=owner, company_name="Carpați Munte SRL")
    member = membership_of(org, sales_user)
    # when the same search runs without a member and as the sales user
    with CaptureQueriesContext(connection) as unscoped:
        _found(org, None)
    with CaptureQueriesContext(connection) as scoped:
        found = _found(org, member)
    # then it is the very same SQL
    assert found == {("prospect", "Carpați Munte SRL")}
    assert [q["sql"] for q in scoped.captured_queries] == [
        q["sql"] for q in unscoped.captured_queries
    ]


def test_search_api_answers_only_records_in_my_view_scope(org, owner):
    # given my records and an outsider's, and a role seeing my own
    people = sales_team(org, owner)
    mine = _records(org, owner, people["me"], "Eu")
    theirs = _records(org, owner, people["outsider"], "Altul")
    give_role(org, owner, people["me"], _grants("own"), "Agent")
    # when I search through the API
    response = ApiClient(org, people["me"]).get("/api/v1/search?q=carpati&limit=200")
    # then only my records' ids are in the answer
    ids = {item["id"] for item in response.json()["items"]}
    assert response.status_code == 200
    assert ids == {str(record.pk) for record in mine.values()}
    assert not ids & {str(record.pk) for record in theirs.values()}


def test_top_bar_search_shows_only_records_in_my_view_scope(client, org, owner):
    # given my records and an outsider's, and a role seeing my own
    people = sales_team(org, owner)
    _records(org, owner, people["me"], "Eu")
    theirs = _records(org, owner, people["outsider"], "Altul")
    give_role(org, owner, people["me"], _grants("own"), "Agent")
    client.force_login(people["me"])
    # when I type in the top bar
    html = client.get(reverse("web:search"), {"q": "carpati"}, **HTMX).content.decode()
    # then my records are offered, none of the outsider's
    assert "Carpați Eu Prospect SRL" in html
    assert "Altul" not in html
    assert str(theirs["prospect"].pk) not in html


def test_record_picker_offers_only_records_in_my_view_scope(client, org, owner):
    # given prospects, accounts and offers of mine and of an outsider
    people = sales_team(org, owner)
    _records(org, owner, people["me"], "Eu")
    _records(org, owner, people["outsider"], "Altul")
    give_role(org, owner, people["me"], _grants("own"), "Agent")
    client.force_login(people["me"])
    # when I look for a record to plan an activity on
    response = client.get(reverse("activities:parent-search"), {"q": "carpati"}, **HTMX)
    # then only mine are offered
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('data-testid="parent-choice"') == 3
    assert "Altul" not in html


@pytest.mark.parametrize(
    ("url_name", "parameter"),
    [("sales:account-options", "q"), ("sales:offer-account-options", "account_q")],
)
def test_account_pickers_offer_only_accounts_in_my_view_scope(
    client, org, owner, url_name, parameter
):
    # given an account of mine and one of an outsider
    people = sales_team(org, owner)
    mine = _records(org, owner, people["me"], "Eu")
    theirs = _records(org, owner, people["outsider"], "Altul")
    give_role(org, owner, people["me"], _grants("own"), "Agent")
    client.force_login(people["me"])
    # when I pick an account
    html = client.get(reverse(url_name), {parameter: "carpati"}, **HTMX).content.decode()
    # then only mine is offered
    assert str(mine["account"].pk) in html
    assert str(theirs["account"].pk) not in html
    assert "Altul" not in html


def test_new_offer_page_does_not_name_an_account_outside_my_view_scope(client, org, owner):
    # given an outsider's account, and a role seeing my own accounts
    people = sales_team(org, owner)
    theirs = _records(org, owner, people["outsider"], "Altul")
    give_role(org, owner, people["me"], _grants("own"), "Agent")
    client.force_login(people["me"])
    # when the new offer page is asked to preselect it
    html = client.get(reverse("sales:offer-new"), {"account": str(theirs["account"].pk)})
    # then it is not offered
    assert "Carpați Altul Client SRL" not in html.content.decode()


def test_product_typeahead_offers_nothing_to_a_role_without_the_catalogue(client, org, owner):
    # given a product, and a role that does not see products
    people = sales_team(org, owner)
    product_create(org=org, user=owner, code="CRP-1", name="Carpați Licență", price=Decimal("10"))
    give_role(org, owner, people["me"], _grants("all", products="none"), "Fără catalog")
    client.force_login(people["me"])
    # when I type a product's name in the offer editor
    response = client.get(reverse("catalog:product-search"), {"q": "carpati", "format": "json"})
    # then nothing is offered
    assert response.status_code == 200
    assert response.json() == {"items": []}


@pytest.mark.parametrize("module", SEARCHED)
def test_list_search_counts_only_the_rows_in_my_view_scope(org, owner, module):
    # given records of mine and of an outsider matching "carpati", and a role seeing my own
    people = sales_team(org, owner)
    mine = _records(org, owner, people["me"], "Eu")
    _records(org, owner, people["outsider"], "Altul")
    give_role(org, owner, people["me"], _grants("own"), "Agent")
    # when I search the list with its count
    response = ApiClient(org, people["me"]).get(f"/api/v1/{module}?q=carpati&count=true")
    # then the count and the ids are those of my record alone
    body = response.json()
    assert response.status_code == 200
    assert body["count"] == 1
    assert [item["id"] for item in body["items"]] == [str(mine[module.removesuffix("s")].pk)]
