"""Every page's search box goes the way of the API's ``q``: through the search index,
diacritics- and cedilla-blind, with the page's other filters and its "load more" pages."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from smartcrm.api.tests.list_cases import (
    FOUND,
    LISTS,
    OTHER,
    World,
    make_account,
    make_world,
)
from smartcrm.catalog.services import product_create
from smartcrm.core.tests.queries import queries_of_get
from smartcrm.web.lists import PAGE_SIZE

HTMX = {"HTTP_HX_REQUEST": "true"}
_BY_KEY = {spec.key: spec for spec in LISTS}

# (page, url name, the list whose records it shows)
PAGES = [
    ("prospects", "sales:prospect-list", _BY_KEY["prospects"]),
    ("accounts", "sales:account-list", _BY_KEY["accounts"]),
    ("contacts", "contacts:contact-list", _BY_KEY["contacts"]),
    ("offers", "sales:offer-list", _BY_KEY["offers"]),
    ("products", "catalog:product-list", _BY_KEY["products"]),
    ("my-tasks", "tasks:my-tasks", _BY_KEY["tasks"]),
    ("team-tasks", "tasks:team-tasks", _BY_KEY["tasks"]),
    ("activities", "activities:activity-list", _BY_KEY["activities"]),
]
PAGE_IDS = [page for page, _name, _spec in PAGES]


@pytest.fixture
def world(org, owner) -> World:
    return make_world(org, owner)


@pytest.fixture
def browser(client, owner):
    client.force_login(owner)
    return client


def _page(client: Any, name: str, **params: str) -> Any:
    response = client.get(reverse(name), params)
    assert response.status_code == 200
    assert not response.context["page"].errors
    return response


def _ids(client: Any, name: str, **params: str) -> list[str]:
    return sorted(str(row.pk) for row in _page(client, name, **params).context["page"].rows)


@pytest.mark.parametrize(("page", "name", "spec"), PAGES, ids=PAGE_IDS)
def test_the_search_box_is_diacritics_and_cedilla_blind(browser, world, page, name, spec):
    found = spec.make(world, FOUND, True)
    spec.make(world, OTHER, True)

    assert _ids(browser, name, q="carpati") == [str(found.pk)]
    assert _ids(browser, name, q="Ştefan") == [str(found.pk)]
    assert _ids(browser, name, q="rpați ște") == [str(found.pk)]
    # the box shows what was typed
    assert 'value="Ştefan"' in _page(browser, name, q="Ştefan").content.decode()


@pytest.mark.parametrize(("page", "name", "spec"), PAGES, ids=PAGE_IDS)
def test_the_search_box_combines_with_the_pages_filters(browser, world, page, name, spec):
    kept = spec.make(world, FOUND, True)
    spec.make(world, FOUND, False)
    filter_name, value = spec.filter(world)

    assert _ids(browser, name, q="carpati", **{filter_name: value}) == [str(kept.pk)]


@pytest.mark.parametrize(("page", "name", "spec"), PAGES, ids=PAGE_IDS)
def test_the_search_box_never_shows_another_organisations_records(
    browser, world, page, name, spec, other_org, other_owner
):
    spec.make(make_world(other_org, other_owner), FOUND, True)

    assert _ids(browser, name, q="carpati") == []


@pytest.mark.parametrize(("page", "name", "spec"), PAGES, ids=PAGE_IDS)
def test_load_more_pages_through_the_matches(browser, world, page, name, spec):
    # given one match more than a page holds, and a record that does not match
    found = [spec.make(world, FOUND, True) for _ in range(PAGE_SIZE + 1)]
    spec.make(world, OTHER, True)

    first = _page(browser, name, q="carpati").context["page"]
    more = browser.get(reverse(name), {"q": "carpati", "cursor": first.next_cursor}, **HTMX)

    assert len(first.rows) == PAGE_SIZE
    assert more.status_code == 200
    rest = more.context["page"]
    assert len(rest.rows) == 1
    assert rest.next_cursor is None
    assert sorted(str(row.pk) for row in [*first.rows, *rest.rows]) == sorted(
        str(record.pk) for record in found
    )


@pytest.mark.parametrize(("page", "name", "spec"), PAGES, ids=PAGE_IDS)
def test_the_search_costs_the_same_queries_for_2_and_20_matches(browser, world, page, name, spec):
    url = f"{reverse(name)}?q=carpati"
    for _ in range(2):
        spec.make(world, FOUND, True)
    few = queries_of_get(browser, url)
    for _ in range(18):
        spec.make(world, FOUND, True)

    many = queries_of_get(browser, url)

    assert many == few
    assert len(_ids(browser, name, q="carpati")) == 20


# --- the pickers: accounts (prospect conversion, new offer) and the catalogue typeahead -----


def _picked(client: Any, name: str, **params: str) -> list[str]:
    response = client.get(reverse(name), params)
    assert response.status_code == 200
    return sorted(account.name for account in response.context["accounts"])


@pytest.mark.parametrize(
    ("name", "param"),
    [("sales:account-options", "q"), ("sales:offer-account-options", "account_q")],
)
def test_the_account_pickers_search_like_the_lists(
    browser, world, name, param, other_org, other_owner
):
    # given accounts named with comma-below letters, here and in another organisation
    ours = make_account(world, FOUND, True)
    make_account(world, OTHER, True)
    make_account(make_world(other_org, other_owner), FOUND, True)

    assert _picked(browser, name, **{param: "carpati"}) == [ours.name]
    assert _picked(browser, name, **{param: "Ştefan"}) == [ours.name]
    assert _picked(browser, name, **{param: "rpați ște"}) == [ours.name]


def test_the_offer_editors_catalogue_search_is_diacritics_blind(
    browser, org, owner, other_org, other_owner
):
    # given an active licence, an inactive one, and one of another organisation
    licence = product_create(
        org=org, user=owner, code="LIC-1", name="Licență anuală", price=Decimal("100")
    )
    product_create(
        org=org, user=owner, code="LIC-2", name="Licență veche", price=Decimal("90"), active=False
    )
    product_create(org=org, user=owner, code="CONS", name="Consultanță", price=Decimal("50"))
    product_create(
        org=other_org, user=other_owner, code="LIC-1", name="Licență", price=Decimal("1")
    )

    def found(q: str) -> list[str]:
        response = browser.get(reverse("catalog:product-search"), {"q": q, "format": "json"})
        assert response.status_code == 200
        return [item["id"] for item in response.json()["items"]]

    # then "licenta" and a piece of it find the active licence only
    assert found("licenta") == [str(licence.pk)]
    assert found("CENȚĂ AN") == [str(licence.pk)]
    assert found("lic-1") == [str(licence.pk)]
