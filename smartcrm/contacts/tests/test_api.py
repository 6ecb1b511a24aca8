"""REST API of contacts: /api/v1/contacts."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from smartcrm.api.tests.helpers import bearer, error_fields, queries_of, send
from smartcrm.contacts.models import Contact
from smartcrm.contacts.services import contact_create
from smartcrm.sales import services as sales
from smartcrm.sales.tests.factories import AccountFactory, ProspectFactory, qualified_prospect

# --- helpers --------------------------------------------------------------------------


def without_times(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k not in ("created_at", "updated_at")}


@pytest.fixture
def auth(org, owner) -> dict[str, str]:
    return bearer(org, owner)


@pytest.fixture
def prospect(org, owner):
    return ProspectFactory.create(org=org, user=owner)


@pytest.fixture
def account(org, owner):
    return AccountFactory.create(org=org, user=owner)


@pytest.fixture
def foreign_contact(other_org, other_owner):
    """A contact of another organisation."""
    foreign_prospect = ProspectFactory.create(org=other_org, user=other_owner)
    return contact_create(
        org=other_org, user=other_owner, prospect_id=foreign_prospect.pk, last_name="Străin"
    )


def _contact(org, user, parent, **fields):
    parent_field = "account_id" if parent.__class__.__name__ == "Account" else "prospect_id"
    values = {"last_name": "Dobre", **fields}
    return contact_create(org=org, user=user, **{parent_field: parent.pk}, **values)


# --- authentication -------------------------------------------------------------------

OPERATIONS = [
    ("get", "/api/v1/contacts"),
    ("post", "/api/v1/contacts"),
    ("get", "/api/v1/contacts/{id}"),
    ("patch", "/api/v1/contacts/{id}"),
    ("delete", "/api/v1/contacts/{id}"),
]


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_every_contact_operation_needs_a_token(client, org, owner, prospect, method, path):
    # given a contact, and a caller without a token
    contact = _contact(org, owner, prospect)

    # when any operation is called
    body = {"last_name": "X"} if method in ("post", "patch") else None
    response = send(client, method, path.format(id=contact.pk), body)

    # then it is a 401 problem, and the contact is unchanged
    assert error_fields(response, 401) == []
    assert response["WWW-Authenticate"] == 'Bearer realm="smartcrm"'
    assert Contact.objects.get(pk=contact.pk).version == 1


# --- list -----------------------------------------------------------------------------


def test_list_contacts_shows_the_organisations_contacts_only(
    client, auth, org, owner, prospect, foreign_contact
):
    # given a contact here, and one in another organisation
    contact = _contact(
        org,
        owner,
        prospect,
        first_name="Ioana",
        email="ioana@client.ro",
        phone="+40721000000",
        job_title="Director",
        department="finance",
        is_primary=True,
    )

    # when the contacts are listed
    response = client.get("/api/v1/contacts", **auth)

    # then only this organisation's contact is there, with every field
    assert response.status_code == 200
    body = response.json()
    assert body["next_cursor"] is None
    assert [without_times(item) for item in body["items"]] == [
        {
            "id": str(contact.pk),
            "first_name": "Ioana",
            "last_name": "Dobre",
            "full_name": "Ioana Dobre",
            "email": "ioana@client.ro",
            "phone": "+40721000000",
            "job_title": "Director",
            "department": "finance",
            "is_primary": True,
            "prospect_id": str(prospect.pk),
            "account_id": None,
            "version": 1,
        }
    ]


def test_list_contacts_filters_by_record_department_primary_and_text(
    client, auth, org, owner, prospect, account
):
    # given contacts on a prospect and on an account
    ana = _contact(org, owner, prospect, first_name="Ana", last_name="Marin", is_primary=True)
    dan = _contact(org, owner, account, first_name="Dan", last_name="Pop", department="technical")
    eva = _contact(org, owner, account, first_name="Eva", last_name="Stan", email="eva@x.ro")

    def ids(query: str) -> list[str]:
        response = client.get(f"/api/v1/contacts?{query}", **auth)
        assert response.status_code == 200, response.content
        return [item["id"] for item in response.json()["items"]]

    # then each filter keeps the matching contacts
    assert ids(f"prospect_id={prospect.pk}") == [str(ana.pk)]
    assert ids(f"account_id={account.pk}") == [str(dan.pk), str(eva.pk)]
    assert ids("department=technical") == [str(dan.pk)]
    assert ids("is_primary=true") == [str(ana.pk)]
    assert ids("q=EVA@x") == [str(eva.pk)]
    assert ids("q=pop") == [str(dan.pk)]


def test_list_contacts_pages_with_a_cursor_in_the_requested_order(
    client, auth, org, owner, account
):
    # given three contacts created one after the other
    first = _contact(org, owner, account, last_name="Albu")
    second = _contact(org, owner, account, last_name="Bratu")
    third = _contact(org, owner, account, last_name="Cazan")

    # when they are read newest first, two per page
    page_one = client.get("/api/v1/contacts?ordering=-created_at&limit=2", **auth).json()
    page_two = client.get(
        f"/api/v1/contacts?ordering=-created_at&limit=2&cursor={page_one['next_cursor']}", **auth
    ).json()

    # then the pages follow each other without overlap
    assert [item["id"] for item in page_one["items"]] == [str(third.pk), str(second.pk)]
    assert [item["id"] for item in page_two["items"]] == [str(first.pk)]
    assert page_two["next_cursor"] is None


def test_list_contacts_runs_as_many_queries_for_12_rows_as_for_2(client, auth, org, owner, account):
    # given two contacts
    for index in range(2):
        _contact(org, owner, account, last_name=f"Nume{index}")
    two = queries_of(client, "/api/v1/contacts", auth, rows=2)

    # when ten more are added
    for index in range(2, 12):
        _contact(org, owner, account, last_name=f"Nume{index}")
    twelve = queries_of(client, "/api/v1/contacts", auth, rows=12)

    # then the list costs the same number of queries
    assert twelve == two


def test_list_contacts_refuses_an_ordering_outside_the_allow_list(client, auth):
    response = client.get("/api/v1/contacts?ordering=owner__password", **auth)

    assert error_fields(response, 400) == ["ordering"]


def test_list_contacts_refuses_an_unknown_query_parameter(client, auth):
    response = client.get("/api/v1/contacts?organization_id=1", **auth)

    assert error_fields(response, 400) == ["organization_id"]


def test_list_contacts_refuses_a_malformed_filter_value(client, auth):
    response = client.get("/api/v1/contacts?department=ceo", **auth)

    assert error_fields(response, 400) == ["department"]


# --- create ---------------------------------------------------------------------------


def test_create_contact_on_a_prospect(client, auth, org, prospect):
    # when a contact is posted on a prospect
    response = send(
        client,
        "post",
        "/api/v1/contacts",
        {
            "prospect_id": str(prospect.pk),
            "first_name": "Ştefan",
            "last_name": "Ionescu",
            "email": "Stefan@Client.RO",
            "department": "procurement",
        },
        **auth,
    )

    # then it is created there, with its location and version
    assert response.status_code == 201, response.content
    contact = Contact.objects.get()
    assert response["Location"] == f"/api/v1/contacts/{contact.pk}"
    assert response["ETag"] == '"1"'
    assert without_times(response.json()) == {
        "id": str(contact.pk),
        "first_name": "Ștefan",
        "last_name": "Ionescu",
        "full_name": "Ștefan Ionescu",
        "email": "stefan@client.ro",
        "phone": "",
        "job_title": "",
        "department": "procurement",
        "is_primary": False,
        "prospect_id": str(prospect.pk),
        "account_id": None,
        "version": 1,
    }
    assert contact.organization_id == org.pk


def test_create_contact_on_an_account(client, auth, account):
    response = send(
        client,
        "post",
        "/api/v1/contacts",
        {"account_id": str(account.pk), "last_name": "Dobre"},
        **auth,
    )

    assert response.status_code == 201, response.content
    assert (response.json()["account_id"], response.json()["prospect_id"]) == (
        str(account.pk),
        None,
    )


def test_create_contact_refuses_a_bad_email(client, auth, prospect):
    response = send(
        client,
        "post",
        "/api/v1/contacts",
        {"prospect_id": str(prospect.pk), "last_name": "Dobre", "email": "not-an-email"},
        **auth,
    )

    assert error_fields(response, 422) == ["email"]
    assert not Contact.objects.exists()


def test_create_contact_refuses_a_missing_last_name(client, auth, prospect):
    response = send(client, "post", "/api/v1/contacts", {"prospect_id": str(prospect.pk)}, **auth)

    assert error_fields(response, 422) == ["last_name"]


@pytest.mark.parametrize("field", ["organization", "version", "id", "created_by"])
def test_create_contact_refuses_fields_the_server_owns(client, auth, prospect, field, other_org):
    response = send(
        client,
        "post",
        "/api/v1/contacts",
        {"prospect_id": str(prospect.pk), "last_name": "Dobre", field: str(other_org.pk)},
        **auth,
    )

    assert error_fields(response, 422) == [field]
    assert not Contact.objects.exists()


def test_create_contact_refuses_both_parents(client, auth, prospect, account):
    response = send(
        client,
        "post",
        "/api/v1/contacts",
        {"prospect_id": str(prospect.pk), "account_id": str(account.pk), "last_name": "Dobre"},
        **auth,
    )

    assert error_fields(response, 422) == ["prospect_id", "account_id"]


def test_create_contact_refuses_another_organisations_prospect(
    client, auth, other_org, other_owner
):
    # given a prospect of another organisation
    foreign_prospect = ProspectFactory.create(org=other_org, user=other_owner)

    # when a contact is posted on it
    response = send(
        client,
        "post",
        "/api/v1/contacts",
        {"prospect_id": str(foreign_prospect.pk), "last_name": "Dobre"},
        **auth,
    )

    # then the prospect is not found, and it got no contact
    assert error_fields(response, 422) == ["prospect_id"]
    assert response.json()["errors"][0]["code"] == "not_found"
    assert not Contact.objects.filter(prospect=foreign_prospect).exists()


def test_create_contact_on_a_converted_prospect_is_a_conflict(client, auth, org, owner):
    # given a converted prospect
    prospect = qualified_prospect(org, owner)
    sales.prospect_convert(org=org, user=owner, prospect_id=prospect.pk)

    # when a contact is posted on it
    response = send(
        client,
        "post",
        "/api/v1/contacts",
        {"prospect_id": str(prospect.pk), "last_name": "Dobre"},
        **auth,
    )

    # then it is refused: contacts go on the account now
    assert error_fields(response, 409) == ["prospect_id"]
    assert response.json()["code"] == "prospect_converted"
    assert not Contact.objects.exists()


def test_create_contact_refuses_a_nul_character(client, auth, prospect):
    response = send(
        client,
        "post",
        "/api/v1/contacts",
        {"prospect_id": str(prospect.pk), "last_name": "Do\u0000bre"},
        **auth,
    )

    assert error_fields(response, 422) == ["last_name"]
    assert not Contact.objects.exists()


def test_create_contact_refuses_a_body_that_is_not_json(client, auth, prospect):
    response = client.post(
        "/api/v1/contacts", data="last_name=Dobre", content_type="text/plain", **auth
    )

    assert error_fields(response, 415) == []


# --- read -----------------------------------------------------------------------------


def test_get_contact_carries_its_version_as_etag(client, auth, org, owner, prospect):
    contact = _contact(org, owner, prospect, first_name="Ana")

    response = client.get(f"/api/v1/contacts/{contact.pk}", **auth)

    assert response.status_code == 200
    assert response["ETag"] == '"1"'
    assert response.json()["id"] == str(contact.pk)
    assert response.json()["full_name"] == "Ana Dobre"


def test_get_contact_of_another_organisation_is_not_found(client, auth, foreign_contact):
    response = client.get(f"/api/v1/contacts/{foreign_contact.pk}", **auth)

    assert error_fields(response, 404) == [None]
    assert response.json()["code"] == "not_found"


def test_get_contact_with_a_malformed_id_is_a_bad_request(client, auth):
    response = client.get("/api/v1/contacts/not-a-uuid", **auth)

    assert error_fields(response, 400) == ["contact_id"]


# --- update ---------------------------------------------------------------------------


def test_update_contact_changes_only_the_fields_sent(client, auth, org, owner, prospect):
    # given a contact
    contact = _contact(org, owner, prospect, first_name="Ana", phone="0721000000")

    # when its job title is changed, with the version read
    response = send(
        client,
        "patch",
        f"/api/v1/contacts/{contact.pk}",
        {"job_title": "Achiziții", "is_primary": True},
        HTTP_IF_MATCH='"1"',
        **auth,
    )

    # then only that changed, and the version moved on
    assert response.status_code == 200, response.content
    assert response["ETag"] == '"2"'
    body = response.json()
    assert (body["job_title"], body["is_primary"], body["phone"], body["version"]) == (
        "Achiziții",
        True,
        "0721000000",
        2,
    )
    stored = Contact.objects.get(pk=contact.pk)
    assert (stored.job_title, stored.first_name, stored.version) == ("Achiziții", "Ana", 2)


def test_update_contact_with_a_stale_version_is_refused(client, auth, org, owner, prospect):
    # given a contact changed since the caller read version 1
    contact = _contact(org, owner, prospect)
    send(client, "patch", f"/api/v1/contacts/{contact.pk}", {"phone": "0722"}, **auth)

    # when the caller sends its change with If-Match "1"
    response = send(
        client,
        "patch",
        f"/api/v1/contacts/{contact.pk}",
        {"job_title": "Director"},
        HTTP_IF_MATCH='"1"',
        **auth,
    )

    # then it is refused and nothing is overwritten
    assert error_fields(response, 412) == ["version"]
    stored = Contact.objects.get(pk=contact.pk)
    assert (stored.job_title, stored.version) == ("", 2)


def test_update_contact_refuses_a_malformed_if_match(client, auth, org, owner, prospect):
    contact = _contact(org, owner, prospect)

    response = send(
        client,
        "patch",
        f"/api/v1/contacts/{contact.pk}",
        {"phone": "0722"},
        HTTP_IF_MATCH="yesterday",
        **auth,
    )

    assert error_fields(response, 400) == ["If-Match"]


@pytest.mark.parametrize(
    ("field", "value"),
    [("prospect_id", None), ("account_id", None), ("organization", None), ("version", 7)],
)
def test_update_contact_refuses_fields_it_cannot_change(
    client, auth, org, owner, prospect, account, field, value
):
    contact = _contact(org, owner, prospect)

    response = send(
        client,
        "patch",
        f"/api/v1/contacts/{contact.pk}",
        {field: value if value is not None else str(account.pk)},
        **auth,
    )

    assert error_fields(response, 422) == [field]
    stored = Contact.objects.get(pk=contact.pk)
    assert (stored.prospect_id, stored.account_id, stored.version) == (prospect.pk, None, 1)


def test_update_contact_refuses_a_bad_email(client, auth, org, owner, prospect):
    contact = _contact(org, owner, prospect)

    response = send(client, "patch", f"/api/v1/contacts/{contact.pk}", {"email": "ioana@"}, **auth)

    assert error_fields(response, 422) == ["email"]
    assert Contact.objects.get(pk=contact.pk).email == ""


def test_update_contact_of_another_organisation_is_not_found(client, auth, foreign_contact):
    response = send(
        client, "patch", f"/api/v1/contacts/{foreign_contact.pk}", {"last_name": "Furat"}, **auth
    )

    assert error_fields(response, 404) == [None]
    stored = Contact.objects.get(pk=foreign_contact.pk)
    assert (stored.last_name, stored.version) == ("Străin", 1)


# --- delete ---------------------------------------------------------------------------


def test_delete_contact(client, auth, org, owner, prospect):
    contact = _contact(org, owner, prospect)

    response = client.delete(f"/api/v1/contacts/{contact.pk}", HTTP_IF_MATCH='"1"', **auth)

    assert response.status_code == 204
    assert response.content == b""
    assert not Contact.objects.filter(pk=contact.pk).exists()


def test_delete_contact_with_a_stale_version_is_refused(client, auth, org, owner, prospect):
    contact = _contact(org, owner, prospect)

    response = client.delete(f"/api/v1/contacts/{contact.pk}", HTTP_IF_MATCH='"3"', **auth)

    assert error_fields(response, 412) == ["version"]
    assert Contact.objects.filter(pk=contact.pk).exists()


def test_delete_contact_of_another_organisation_is_not_found(client, auth, foreign_contact):
    response = client.delete(f"/api/v1/contacts/{foreign_contact.pk}", **auth)

    assert error_fields(response, 404) == [None]
    assert Contact.objects.filter(pk=foreign_contact.pk).exists()


def test_delete_unknown_contact_is_not_found(client, auth):
    response = client.delete(f"/api/v1/contacts/{uuid.uuid4()}", **auth)

    assert error_fields(response, 404) == [None]


def test_a_sales_user_edits_the_contacts_of_someone_elses_record_but_does_not_delete_them(
    client, org, owner, sales_user, prospect
):
    # given a contact of a prospect the owner owns
    contact = _contact(org, owner, prospect)

    # when a sales user changes it, then tries to delete it
    headers = bearer(org, sales_user)
    changed = send(client, "patch", f"/api/v1/contacts/{contact.pk}", {"phone": "0733"}, **headers)
    deleted = client.delete(f"/api/v1/contacts/{contact.pk}", **headers)

    # then the change is allowed, the deletion is not: a contact is its record owner's
    assert changed.status_code == 200
    assert error_fields(deleted, 403) == [None]
    assert Contact.objects.filter(pk=contact.pk).exists()


@pytest.mark.parametrize("kind", ["prospect", "account"])
def test_a_sales_user_deletes_the_contacts_of_their_own_record(
    client, org, owner, sales_user, kind
):
    parent = (ProspectFactory if kind == "prospect" else AccountFactory).create(
        org=org, user=sales_user
    )
    contact = _contact(org, owner, parent)  # added by someone else

    response = client.delete(f"/api/v1/contacts/{contact.pk}", **bearer(org, sales_user))

    assert response.status_code == 204
    assert not Contact.objects.filter(pk=contact.pk).exists()


def test_a_manager_deletes_the_contacts_of_anyones_record(client, org, owner, manager, account):
    contact = _contact(org, owner, account)
    response = client.delete(f"/api/v1/contacts/{contact.pk}", **bearer(org, manager))
    assert response.status_code == 204
