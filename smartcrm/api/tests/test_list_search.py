"""``q`` on every REST list goes through the search index (core.search.search_filter):
diacritics- and cedilla-blind, substring-aware, combined with the other filters and with
keyset pages, never crossing organisations, at a cost that does not grow with the hits."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from smartcrm.activities.services import activity_create
from smartcrm.api.tests.helpers import ApiClient
from smartcrm.api.tests.list_cases import FOUND, LISTS, OTHER, World, make_world
from smartcrm.core.tests.queries import queries_of_get
from smartcrm.notes.services import note_create
from smartcrm.sales.tests.factories import AccountFactory, OfferFactory
from smartcrm.tasks.services import task_create


@pytest.fixture
def world(org, owner) -> World:
    return make_world(org, owner)


@pytest.fixture
def api(org, owner) -> ApiClient:
    return ApiClient(org, owner)


def _ids(api: ApiClient, url: str, **params: str) -> list[str]:
    response = api.client.get(url, params, HTTP_AUTHORIZATION=f"Bearer {api.token}")
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


def _sorted(records: list[Any]) -> list[str]:
    return sorted(str(record.pk) for record in records)


@pytest.mark.parametrize("spec", LISTS, ids=lambda spec: spec.key)
def test_q_is_diacritics_and_cedilla_blind(api, world, spec):
    # given a record named with comma-below letters, and another one
    found = spec.make(world, FOUND, True)
    spec.make(world, OTHER, True)

    # when the list is searched without diacritics, in capitals, or with the cedilla "Ş"
    # then only the record is found
    assert _ids(api, spec.url, q="carpati") == [str(found.pk)]
    assert _ids(api, spec.url, q="CARPATI STEFAN") == [str(found.pk)]
    assert _ids(api, spec.url, q="Ştefan") == [str(found.pk)]


@pytest.mark.parametrize("spec", LISTS, ids=lambda spec: spec.key)
def test_q_finds_a_substring_inside_words(api, world, spec):
    found = spec.make(world, FOUND, True)
    other = spec.make(world, OTHER, True)

    # a piece spanning two words, and a piece of two letters (below one trigram)
    assert _ids(api, spec.url, q="rpați ște") == [str(found.pk)]
    assert _ids(api, spec.url, q="EA") == [str(other.pk)]


@pytest.mark.parametrize("spec", LISTS, ids=lambda spec: spec.key)
def test_q_combines_with_another_filter(api, world, spec):
    # given two matching records, only one of which the spec's filter keeps
    kept = spec.make(world, FOUND, True)
    spec.make(world, FOUND, False)
    spec.make(world, OTHER, True)
    name, value = spec.filter(world)

    assert _ids(api, spec.url, q="carpati", **{name: value}) == [str(kept.pk)]
    assert len(_ids(api, spec.url, q="carpati")) == 2


@pytest.mark.parametrize("spec", LISTS, ids=lambda spec: spec.key)
def test_q_pages_through_every_match_once(api, world, spec):
    # given five matching records among others
    found = [spec.make(world, FOUND, True) for _ in range(5)]
    for _ in range(2):
        spec.make(world, OTHER, True)

    # when the matches are read two at a time, following next_cursor
    seen: list[str] = []
    pages = 0
    params = {"q": "carpati", "limit": "2"}
    while True:
        response = api.client.get(spec.url, params, HTTP_AUTHORIZATION=f"Bearer {api.token}")
        assert response.status_code == 200, response.content
        body = response.json()
        seen += [item["id"] for item in body["items"]]
        pages += 1
        if not body["next_cursor"]:
            break
        params = {**params, "cursor": body["next_cursor"]}

    # then every match came once, in three pages
    assert pages == 3
    assert sorted(seen) == _sorted(found)


@pytest.mark.parametrize("spec", LISTS, ids=lambda spec: spec.key)
def test_q_never_finds_another_organisations_records(api, world, spec, other_org, other_owner):
    # given the same name in another organisation
    theirs = make_world(other_org, other_owner)
    spec.make(theirs, FOUND, True)
    ours = spec.make(world, FOUND, True)

    assert _ids(api, spec.url, q="carpati") == [str(ours.pk)]
    assert _ids(ApiClient(other_org, other_owner), spec.url, q="dunarea") == []


@pytest.mark.parametrize("spec", LISTS, ids=lambda spec: spec.key)
def test_q_costs_the_same_queries_for_2_and_20_matches(api, world, spec):
    url = f"{spec.url}?q=carpati"
    for _ in range(2):
        spec.make(world, FOUND, True)
    few = queries_of_get(api, url)
    for _ in range(18):
        spec.make(world, FOUND, True)

    many = queries_of_get(api, url)

    assert many == few
    assert len(_ids(api, spec.url, q="carpati")) == 20


def test_an_offer_is_also_found_by_its_accounts_name(api, world):
    # given an offer of an account named with diacritics
    account = AccountFactory.create(org=world.org, user=world.user, name="Brașov Lemn SRL")
    offer = OfferFactory.create(org=world.org, user=world.user, account_id=account.pk, title="X")
    OfferFactory.create(org=world.org, user=world.user, account_id=world.first.pk, title="Y")

    assert _ids(api, "/api/v1/offers", q="brasov") == [str(offer.pk)]


def test_a_task_activity_and_note_are_found_by_their_records_name(api, world):
    account = AccountFactory.create(org=world.org, user=world.user, name="Țesătoria Sibiu")
    task = task_create(org=world.org, user=world.user, title="Sună", account_id=account.pk)
    note = note_create(org=world.org, user=world.user, body="De reținut", account_id=account.pk)
    activity = activity_create(
        org=world.org,
        user=world.user,
        account_id=account.pk,
        kind="call",
        subject="Apel",
        start_at=timezone.now() + dt.timedelta(days=1),
    )

    assert _ids(api, "/api/v1/tasks", q="tesatoria") == [str(task.pk)]
    assert _ids(api, "/api/v1/notes", q="tesatoria") == [str(note.pk)]
    assert _ids(api, "/api/v1/activities", q="tesatoria") == [str(activity.pk)]


@pytest.mark.parametrize("spec", LISTS, ids=lambda spec: spec.key)
def test_a_blank_q_filters_nothing(api, world, spec):
    spec.make(world, FOUND, True)
    spec.make(world, OTHER, True)

    assert len(_ids(api, spec.url, q="   ")) == len(_ids(api, spec.url))


# --- a common term on a list in another order than newest first ------------------------------


def _contacts_sorted(api: ApiClient, q: str, limit: int) -> tuple[list[str], int]:
    """Every contact ``q`` finds, page after page, in last-name order; and the queries of
    the first page."""
    names: list[str] = []
    params = {"q": q, "limit": str(limit), "ordering": "last_name"}

    def page(params: dict[str, str]) -> Any:
        response = api.client.get(
            "/api/v1/contacts", params, HTTP_AUTHORIZATION=f"Bearer {api.token}"
        )
        assert response.status_code == 200, response.content
        return response.json()

    page(params)  # warm up: the token's once-a-minute "last used" write
    with CaptureQueriesContext(connection) as first:
        body = page(params)
    queries = len(first.captured_queries)  # read before the next request clears the log
    while True:
        names += [item["last_name"] for item in body["items"]]
        if not body["next_cursor"]:
            return names, queries
        body = page({**params, "cursor": body["next_cursor"]})


@pytest.mark.parametrize(
    "walk", [3, 1000], ids=["matches past the walk", "matches within the walk"]
)
def test_a_common_term_on_a_list_sorted_by_name_pages_in_order(api, world, monkeypatch, walk):
    # given a term common among the newest rows (from 2 matches), found on the contacts
    # whose last names sort last (every "Popescu" after the "Anghel"s), and one more found
    # by its e-mail alone, in the middle of the order
    from smartcrm.api import pagination
    from smartcrm.contacts.services import contact_create
    from smartcrm.core import search as core_search

    monkeypatch.setattr(core_search, "COMMON_IN_WINDOW", 2)
    monkeypatch.setattr(pagination, "SEARCH_WALK", walk)
    for number in range(6):
        contact_create(
            org=world.org, user=world.user, account_id=world.first.pk,
            first_name="Ion", last_name=f"Anghel {number}",
        )  # fmt: skip
    contact_create(
        org=world.org, user=world.user, account_id=world.first.pk, first_name="Dan",
        last_name="Marin", email="dan.popescu@example.ro",
    )  # fmt: skip
    for first_name in ("Ana", "Ion", "Maria", "Petru"):
        contact_create(
            org=world.org, user=world.user, account_id=world.first.pk,
            first_name=first_name, last_name="Popescu",
        )  # fmt: skip

    names, first_page_queries = _contacts_sorted(api, "popescu", limit=2)

    # then every match once, in last-name order, whichever way the page found them: from
    # the walk alone, or (the walk's three "Anghel"s holding none) gathered and sorted, one
    # query more than a rare term's page
    assert names == ["Marin", "Popescu", "Popescu", "Popescu", "Popescu"]
    rare_term_queries = _contacts_sorted(api, "marin", limit=2)[1]
    assert first_page_queries == rare_term_queries + (1 if walk == 3 else 0)
