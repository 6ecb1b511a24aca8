"""REST API of notes: /api/v1/notes."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from smartcrm.api.tests.helpers import bearer, error_fields, queries_of, send
from smartcrm.core.modules import Module
from smartcrm.core.services import organization_set_modules
from smartcrm.notes.models import Note
from smartcrm.notes.services import note_create
from smartcrm.sales import services as sales
from smartcrm.sales.tests.factories import (
    AccountFactory,
    OfferFactory,
    ProspectFactory,
    qualified_prospect,
)

# --- helpers --------------------------------------------------------------------------


def without_times(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k not in ("created_at", "updated_at")}


@pytest.fixture
def auth(org, owner) -> dict[str, str]:
    return bearer(org, owner)


@pytest.fixture
def account(org, owner):
    return AccountFactory.create(org=org, user=owner)


@pytest.fixture
def foreign_note(other_org, other_owner):
    """A note of another organisation."""
    foreign_account = AccountFactory.create(org=other_org, user=other_owner)
    return note_create(
        org=other_org, user=other_owner, account_id=foreign_account.pk, body="Al lor"
    )


def _note(org, user, **fields):
    return note_create(org=org, user=user, **{"body": "De reținut", **fields})


# --- authentication and the module switch ---------------------------------------------

OPERATIONS = [
    ("get", "/api/v1/notes", None),
    ("post", "/api/v1/notes", {"body": "X"}),
    ("get", "/api/v1/notes/{id}", None),
    ("patch", "/api/v1/notes/{id}", {"body": "X"}),
    ("delete", "/api/v1/notes/{id}", None),
]


@pytest.mark.parametrize(("method", "path", "body"), OPERATIONS)
def test_every_note_operation_needs_a_token(client, org, owner, account, method, path, body):
    note = _note(org, owner, account_id=account.pk)

    response = send(client, method, path.format(id=note.pk), body)

    assert error_fields(response, 401) == []
    assert Note.objects.get(pk=note.pk).version == 1


@pytest.mark.parametrize(("method", "path", "body"), OPERATIONS)
def test_every_note_operation_is_not_found_when_the_module_is_off(
    client, auth, org, owner, account, method, path, body
):
    # given a note, then the notes module switched off
    note = _note(org, owner, account_id=account.pk)
    organization_set_modules(
        org=org, user=owner, enabled=[Module.CATALOG, Module.ACTIVITIES, Module.TASKS]
    )

    # when any operation is called with a valid request
    if method == "post":
        body = {**body, "account_id": str(account.pk)}
    response = send(client, method, path.format(id=note.pk), body, **auth)

    # then the module answers as if it did not exist, and its data stays
    assert error_fields(response, 404) == [None]
    assert response.json()["code"] == "module_disabled"
    assert Note.objects.get(pk=note.pk).version == 1
    assert Note.objects.count() == 1


# --- list -----------------------------------------------------------------------------


def test_list_notes_shows_the_organisations_notes_only(
    client, auth, org, owner, account, foreign_note
):
    note = _note(org, owner, account_id=account.pk, body="Sună luni", pinned=True)

    response = client.get("/api/v1/notes", **auth)

    assert response.status_code == 200
    assert [without_times(item) for item in response.json()["items"]] == [
        {
            "id": str(note.pk),
            "body": "Sună luni",
            "pinned": True,
            "prospect_id": None,
            "account_id": str(account.pk),
            "offer_id": None,
            "author_id": str(owner.pk),
            "version": 1,
        }
    ]


def test_list_notes_filters_by_record_and_pinned(client, auth, org, owner, account):
    # given notes on a prospect, an account and an offer
    prospect = ProspectFactory.create(org=org, user=owner)
    offer = OfferFactory.create(org=org, user=owner, account_id=account.pk)
    on_prospect = _note(org, owner, prospect_id=prospect.pk, pinned=True)
    on_account = _note(org, owner, account_id=account.pk)
    on_offer = _note(org, owner, offer_id=offer.pk)

    def ids(query: str) -> list[str]:
        response = client.get(f"/api/v1/notes?{query}", **auth)
        assert response.status_code == 200, response.content
        return [item["id"] for item in response.json()["items"]]

    # then each filter keeps the matching notes
    assert ids(f"prospect_id={prospect.pk}") == [str(on_prospect.pk)]
    assert ids(f"account_id={account.pk}") == [str(on_account.pk)]
    assert ids(f"offer_id={offer.pk}") == [str(on_offer.pk)]
    assert ids("pinned=true") == [str(on_prospect.pk)]
    assert ids("pinned=false") == [str(on_offer.pk), str(on_account.pk)]


def test_list_notes_newest_first_and_pages(client, auth, org, owner, account):
    first = _note(org, owner, account_id=account.pk)
    second = _note(org, owner, account_id=account.pk)
    third = _note(org, owner, account_id=account.pk)

    page_one = client.get("/api/v1/notes?limit=2", **auth).json()
    page_two = client.get(f"/api/v1/notes?limit=2&cursor={page_one['next_cursor']}", **auth).json()
    oldest_first = client.get("/api/v1/notes?ordering=created_at", **auth).json()

    assert [item["id"] for item in page_one["items"]] == [str(third.pk), str(second.pk)]
    assert [item["id"] for item in page_two["items"]] == [str(first.pk)]
    assert [item["id"] for item in oldest_first["items"]] == [
        str(first.pk),
        str(second.pk),
        str(third.pk),
    ]


def test_list_notes_counts_when_asked(client, auth, org, owner, account):
    for _ in range(3):
        _note(org, owner, account_id=account.pk)

    body = client.get("/api/v1/notes?limit=1&count=true", **auth).json()

    assert (len(body["items"]), body["count"], body["count_capped"]) == (1, 3, False)


def test_list_notes_runs_as_many_queries_for_12_rows_as_for_2(client, auth, org, owner, account):
    for _ in range(2):
        _note(org, owner, account_id=account.pk)
    two = queries_of(client, "/api/v1/notes", auth, rows=2)

    for _ in range(10):
        _note(org, owner, account_id=account.pk)
    twelve = queries_of(client, "/api/v1/notes", auth, rows=12)

    assert twelve == two


def test_list_notes_refuses_an_ordering_outside_the_allow_list(client, auth):
    response = client.get("/api/v1/notes?ordering=owner__password", **auth)

    assert error_fields(response, 400) == ["ordering"]


def test_list_notes_refuses_an_unknown_query_parameter(client, auth):
    response = client.get("/api/v1/notes?created_by=me", **auth)

    assert error_fields(response, 400) == ["created_by"]


def test_list_notes_refuses_a_cursor_it_did_not_give(client, auth):
    response = client.get("/api/v1/notes?cursor=bm90LWEtY3Vyc29y", **auth)

    assert error_fields(response, 400) == ["cursor"]


# --- create ---------------------------------------------------------------------------


def test_create_note(client, auth, org, owner, account):
    response = send(
        client,
        "post",
        "/api/v1/notes",
        {"account_id": str(account.pk), "body": "Preferă plata în 30 de zile", "pinned": True},
        **auth,
    )

    assert response.status_code == 201, response.content
    note = Note.objects.get()
    assert response["Location"] == f"/api/v1/notes/{note.pk}"
    assert response["ETag"] == '"1"'
    assert without_times(response.json()) == {
        "id": str(note.pk),
        "body": "Preferă plata în 30 de zile",
        "pinned": True,
        "prospect_id": None,
        "account_id": str(account.pk),
        "offer_id": None,
        "author_id": str(owner.pk),
        "version": 1,
    }
    assert (note.organization_id, note.created_by_id) == (org.pk, owner.pk)


def test_create_note_refuses_an_empty_body(client, auth, account):
    response = send(
        client, "post", "/api/v1/notes", {"account_id": str(account.pk), "body": ""}, **auth
    )

    assert error_fields(response, 422) == ["body"]
    assert not Note.objects.exists()


def test_create_note_refuses_a_note_on_no_record(client, auth):
    response = send(client, "post", "/api/v1/notes", {"body": "Orfană"}, **auth)

    assert error_fields(response, 422) == ["prospect_id"]
    assert not Note.objects.exists()


@pytest.mark.parametrize("field", ["organization", "version", "created_by", "author_id"])
def test_create_note_refuses_fields_the_server_owns(client, auth, account, sales_user, field):
    response = send(
        client,
        "post",
        "/api/v1/notes",
        {"account_id": str(account.pk), "body": "X", field: str(sales_user.pk)},
        **auth,
    )

    assert error_fields(response, 422) == [field]
    assert not Note.objects.exists()


def test_create_note_on_a_converted_prospect_is_a_conflict(client, auth, org, owner):
    prospect = qualified_prospect(org, owner)
    sales.prospect_convert(org=org, user=owner, prospect_id=prospect.pk)

    response = send(
        client, "post", "/api/v1/notes", {"prospect_id": str(prospect.pk), "body": "X"}, **auth
    )

    assert error_fields(response, 409) == ["prospect_id"]
    assert not Note.objects.filter(prospect=prospect).exists()


def test_create_note_on_another_organisations_offer_is_refused(
    client, auth, other_org, other_owner
):
    foreign_account = AccountFactory.create(org=other_org, user=other_owner)
    foreign_offer = OfferFactory.create(
        org=other_org, user=other_owner, account_id=foreign_account.pk
    )

    response = send(
        client, "post", "/api/v1/notes", {"offer_id": str(foreign_offer.pk), "body": "X"}, **auth
    )

    assert error_fields(response, 422) == ["offer_id"]
    assert not Note.objects.exists()


# --- read -----------------------------------------------------------------------------


def test_get_note_carries_its_version_as_etag(client, auth, org, owner, account):
    note = _note(org, owner, account_id=account.pk)

    response = client.get(f"/api/v1/notes/{note.pk}", **auth)

    assert response.status_code == 200
    assert response["ETag"] == '"1"'
    assert (response.json()["id"], response.json()["body"]) == (str(note.pk), "De reținut")


def test_get_note_of_another_organisation_is_not_found(client, auth, foreign_note):
    response = client.get(f"/api/v1/notes/{foreign_note.pk}", **auth)

    assert error_fields(response, 404) == [None]


def test_get_unknown_note_is_not_found(client, auth):
    response = client.get(f"/api/v1/notes/{uuid.uuid4()}", **auth)

    assert error_fields(response, 404) == [None]


# --- update ---------------------------------------------------------------------------


def test_update_note_by_its_author(client, org, owner, sales_user, account):
    note = _note(org, sales_user, account_id=account.pk)

    response = send(
        client,
        "patch",
        f"/api/v1/notes/{note.pk}",
        {"pinned": True},
        HTTP_IF_MATCH='"1"',
        **bearer(org, sales_user),
    )

    assert response.status_code == 200, response.content
    assert response["ETag"] == '"2"'
    assert (response.json()["pinned"], response.json()["body"]) == (True, "De reținut")
    assert Note.objects.get(pk=note.pk).pinned is True


def test_update_note_by_a_manager(client, org, owner, manager, account):
    note = _note(org, owner, account_id=account.pk)

    response = send(
        client, "patch", f"/api/v1/notes/{note.pk}", {"body": "Corectat"}, **bearer(org, manager)
    )

    assert response.status_code == 200, response.content
    assert Note.objects.get(pk=note.pk).body == "Corectat"


def test_update_someone_elses_note_is_forbidden_to_a_sales_user(
    client, org, owner, sales_user, account
):
    note = _note(org, owner, account_id=account.pk)

    response = send(
        client, "patch", f"/api/v1/notes/{note.pk}", {"body": "Rescris"}, **bearer(org, sales_user)
    )

    assert error_fields(response, 403) == [None]
    stored = Note.objects.get(pk=note.pk)
    assert (stored.body, stored.version) == ("De reținut", 1)


def test_update_note_with_a_stale_version_is_refused(client, auth, org, owner, account):
    note = _note(org, owner, account_id=account.pk)

    response = send(
        client, "patch", f"/api/v1/notes/{note.pk}", {"body": "Nou"}, HTTP_IF_MATCH='"2"', **auth
    )

    assert error_fields(response, 412) == ["version"]
    assert Note.objects.get(pk=note.pk).body == "De reținut"


def test_update_note_refuses_an_empty_body(client, auth, org, owner, account):
    note = _note(org, owner, account_id=account.pk)

    response = send(client, "patch", f"/api/v1/notes/{note.pk}", {"body": "   "}, **auth)

    assert error_fields(response, 422) == ["body"]
    assert Note.objects.get(pk=note.pk).body == "De reținut"


@pytest.mark.parametrize(("field", "value"), [("account_id", None), ("version", 5)])
def test_update_note_refuses_fields_it_cannot_change(
    client, auth, org, owner, account, field, value
):
    note = _note(org, owner, account_id=account.pk)

    response = send(client, "patch", f"/api/v1/notes/{note.pk}", {field: value}, **auth)

    assert error_fields(response, 422) == [field]
    stored = Note.objects.get(pk=note.pk)
    assert (stored.account_id, stored.version) == (account.pk, 1)


def test_update_note_refuses_a_pinned_flag_that_is_not_a_boolean(client, auth, org, owner, account):
    note = _note(org, owner, account_id=account.pk)

    response = send(client, "patch", f"/api/v1/notes/{note.pk}", {"pinned": "sometimes"}, **auth)

    assert error_fields(response, 422) == ["pinned"]


def test_update_note_of_another_organisation_is_not_found(client, auth, foreign_note):
    response = send(client, "patch", f"/api/v1/notes/{foreign_note.pk}", {"body": "X"}, **auth)

    assert error_fields(response, 404) == [None]
    stored = Note.objects.get(pk=foreign_note.pk)
    assert (stored.body, stored.version) == ("Al lor", 1)


# --- delete ---------------------------------------------------------------------------


def test_delete_note_by_its_author(client, org, sales_user, account):
    note = _note(org, sales_user, account_id=account.pk)

    response = client.delete(
        f"/api/v1/notes/{note.pk}", HTTP_IF_MATCH='"1"', **bearer(org, sales_user)
    )

    assert response.status_code == 204
    assert not Note.objects.filter(pk=note.pk).exists()


def test_delete_someone_elses_note_is_forbidden_to_a_sales_user(
    client, org, owner, sales_user, account
):
    note = _note(org, owner, account_id=account.pk)

    response = client.delete(f"/api/v1/notes/{note.pk}", **bearer(org, sales_user))

    assert error_fields(response, 403) == [None]
    assert Note.objects.filter(pk=note.pk).exists()


def test_delete_note_with_a_stale_version_is_refused(client, auth, org, owner, account):
    note = _note(org, owner, account_id=account.pk)

    response = client.delete(f"/api/v1/notes/{note.pk}", HTTP_IF_MATCH='"7"', **auth)

    assert error_fields(response, 412) == ["version"]
    assert Note.objects.filter(pk=note.pk).exists()


def test_delete_note_of_another_organisation_is_not_found(client, auth, foreign_note):
    response = client.delete(f"/api/v1/notes/{foreign_note.pk}", **auth)

    assert error_fields(response, 404) == [None]
    assert Note.objects.filter(pk=foreign_note.pk).exists()
