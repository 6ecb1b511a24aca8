"""REST API of activities: /api/v1/activities and its actions."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from smartcrm.activities.choices import ActivityKind, ActivityStatus
from smartcrm.activities.models import Activity
from smartcrm.activities.services import activity_cancel, activity_complete, activity_create
from smartcrm.api.tests.helpers import bearer, error_fields, queries_of, send
from smartcrm.contacts.services import contact_create
from smartcrm.core.modules import Module
from smartcrm.core.services import organization_set_modules
from smartcrm.sales import services as sales
from smartcrm.sales.tests.factories import (
    AccountFactory,
    OfferFactory,
    ProspectFactory,
    qualified_prospect,
)

MONDAY_9 = dt.datetime(2026, 3, 9, 9, 0, tzinfo=dt.UTC)
MONDAY_10 = dt.datetime(2026, 3, 9, 10, 0, tzinfo=dt.UTC)
TUESDAY_9 = dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.UTC)


# --- helpers --------------------------------------------------------------------------


def at(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value)


@pytest.fixture
def auth(org, owner) -> dict[str, str]:
    return bearer(org, owner)


@pytest.fixture
def account(org, owner):
    return AccountFactory.create(org=org, user=owner)


@pytest.fixture
def foreign_activity(other_org, other_owner):
    """A planned activity of another organisation."""
    foreign_account = AccountFactory.create(org=other_org, user=other_owner)
    return _meeting(other_org, other_owner, account_id=foreign_account.pk, subject="Străin")


def _meeting(org, user, **fields):
    values = {
        "kind": ActivityKind.MEETING,
        "subject": "Prezentare",
        "start_at": MONDAY_9,
        "end_at": MONDAY_10,
        **fields,
    }
    return activity_create(org=org, user=user, **values)


def _switch_off_activities(org, owner):
    organization_set_modules(
        org=org, user=owner, enabled=[Module.CATALOG, Module.NOTES, Module.TASKS]
    )


# --- authentication and the module switch ---------------------------------------------

OPERATIONS = [
    ("get", "/api/v1/activities", None),
    (
        "post",
        "/api/v1/activities",
        {"kind": "call", "subject": "X", "start_at": "2026-03-09T09:00:00Z"},
    ),
    ("get", "/api/v1/activities/{id}", None),
    ("patch", "/api/v1/activities/{id}", {"subject": "X"}),
    ("delete", "/api/v1/activities/{id}", None),
    ("post", "/api/v1/activities/{id}/complete", {}),
    ("post", "/api/v1/activities/{id}/cancel", None),
]


@pytest.mark.parametrize(("method", "path", "body"), OPERATIONS)
def test_every_activity_operation_needs_a_token(client, org, owner, account, method, path, body):
    activity = _meeting(org, owner, account_id=account.pk)

    response = send(client, method, path.format(id=activity.pk), body)

    assert error_fields(response, 401) == []
    assert Activity.objects.get(pk=activity.pk).version == 1


@pytest.mark.parametrize(("method", "path", "body"), OPERATIONS)
def test_every_activity_operation_is_not_found_when_the_module_is_off(
    client, auth, org, owner, account, method, path, body
):
    # given an activity, then the module switched off
    activity = _meeting(org, owner, account_id=account.pk)
    _switch_off_activities(org, owner)

    # when any operation is called with a valid request
    if method == "post" and path == "/api/v1/activities":
        body = {**body, "account_id": str(account.pk)}
    response = send(client, method, path.format(id=activity.pk), body, **auth)

    # then the module answers as if it did not exist, and its data stays
    assert error_fields(response, 404) == [None]
    assert response.json()["code"] == "module_disabled"
    assert Activity.objects.get(pk=activity.pk).version == 1


# --- list -----------------------------------------------------------------------------


def test_list_activities_shows_the_organisations_activities_with_participants(
    client, auth, org, owner, account, foreign_activity
):
    # given an activity with a participant here, and one in another organisation
    contact = contact_create(org=org, user=owner, account_id=account.pk, last_name="Dobre")
    activity = _meeting(
        org,
        owner,
        account_id=account.pk,
        description="Demo",
        location="Cluj",
        participant_ids=[contact.pk],
    )

    # when activities are listed
    response = client.get("/api/v1/activities", **auth)

    # then only this organisation's is there, with every field
    assert response.status_code == 200
    (item,) = response.json()["items"]
    # times go out with millisecond precision
    assert activity.created_at - at(item.pop("created_at")) < dt.timedelta(milliseconds=1)
    assert activity.updated_at - at(item.pop("updated_at")) < dt.timedelta(milliseconds=1)
    assert item == {
        "id": str(activity.pk),
        "kind": "meeting",
        "subject": "Prezentare",
        "description": "Demo",
        "status": "planned",
        "start_at": "2026-03-09T09:00:00Z",
        "end_at": "2026-03-09T10:00:00Z",
        "location": "Cluj",
        "outcome": "",
        "owner_id": str(owner.pk),
        "completed_at": None,
        "reminder_minutes": 15,
        "reminder_sent_at": None,
        "is_overdue": True,
        "prospect_id": None,
        "account_id": str(account.pk),
        "offer_id": None,
        "participant_ids": [str(contact.pk)],
        "version": 1,
    }


def test_list_activities_filters(client, auth, org, owner, sales_user, account):
    # given activities of several kinds, statuses, owners, records and times
    prospect = ProspectFactory.create(org=org, user=owner)
    offer = OfferFactory.create(org=org, user=owner, account_id=account.pk)
    call = _meeting(org, owner, prospect_id=prospect.pk, kind=ActivityKind.CALL, end_at=None)
    meeting = _meeting(org, owner, account_id=account.pk, start_at=TUESDAY_9, end_at=None)
    email = _meeting(
        org, sales_user, offer_id=offer.pk, kind=ActivityKind.EMAIL, start_at=MONDAY_10
    )
    activity_cancel(org=org, user=owner, activity_id=meeting.pk)

    def ids(query: str) -> set[str]:
        response = client.get(f"/api/v1/activities?{query}", **auth)
        assert response.status_code == 200, response.content
        return {item["id"] for item in response.json()["items"]}

    # then each filter keeps the matching activities
    assert ids("kind=call") == {str(call.pk)}
    assert ids("status=canceled") == {str(meeting.pk)}
    assert ids(f"owner_id={sales_user.pk}") == {str(email.pk)}
    assert ids(f"prospect_id={prospect.pk}") == {str(call.pk)}
    assert ids(f"account_id={account.pk}") == {str(meeting.pk)}
    assert ids(f"offer_id={offer.pk}") == {str(email.pk)}
    assert ids("start_after=2026-03-09T09:30:00Z") == {str(meeting.pk), str(email.pk)}
    assert ids("start_before=2026-03-09T10:00:00Z") == {str(call.pk)}
    assert ids("start_after=2026-03-09T09:00:00Z&start_before=2026-03-10T00:00:00Z") == {
        str(call.pk),
        str(email.pk),
    }


def test_list_activities_orders_by_start_latest_first_and_pages(client, auth, org, owner, account):
    # given three activities at three times
    early = _meeting(org, owner, account_id=account.pk, start_at=MONDAY_9, end_at=None)
    late = _meeting(org, owner, account_id=account.pk, start_at=TUESDAY_9, end_at=None)
    middle = _meeting(org, owner, account_id=account.pk, start_at=MONDAY_10, end_at=None)

    # when they are read two per page in the default order, then oldest start first
    first = client.get("/api/v1/activities?limit=2", **auth).json()
    second = client.get(f"/api/v1/activities?limit=2&cursor={first['next_cursor']}", **auth).json()
    ascending = client.get("/api/v1/activities?ordering=start_at", **auth).json()

    # then the pages follow the start time
    assert [item["id"] for item in first["items"]] == [str(late.pk), str(middle.pk)]
    assert [item["id"] for item in second["items"]] == [str(early.pk)]
    assert [item["id"] for item in ascending["items"]] == [
        str(early.pk),
        str(middle.pk),
        str(late.pk),
    ]


def test_list_activities_runs_as_many_queries_for_12_rows_as_for_2(
    client, auth, org, owner, account
):
    # given two activities, each with two participants
    contacts = [
        contact_create(org=org, user=owner, account_id=account.pk, last_name=name).pk
        for name in ("Albu", "Bratu")
    ]
    for _ in range(2):
        _meeting(org, owner, account_id=account.pk, participant_ids=contacts)
    two = queries_of(client, "/api/v1/activities", auth, rows=2)

    # when ten more are added
    for _ in range(10):
        _meeting(org, owner, account_id=account.pk, participant_ids=contacts)
    twelve = queries_of(client, "/api/v1/activities", auth, rows=12)

    # then the participants are fetched in one query whatever the number of rows
    assert twelve == two


def test_list_activities_refuses_an_ordering_outside_the_allow_list(client, auth):
    response = client.get("/api/v1/activities?ordering=owner__password", **auth)

    assert error_fields(response, 400) == ["ordering"]


def test_list_activities_refuses_an_unknown_query_parameter(client, auth):
    response = client.get("/api/v1/activities?subject=Demo", **auth)

    assert error_fields(response, 400) == ["subject"]


@pytest.mark.parametrize(
    "value",
    ["monday", "2026-03-09T09:00:00", "0001-01-01T00:00:00%2B05:00"],
    ids=["not-a-time", "without-offset", "out-of-range"],
)
def test_list_activities_refuses_a_malformed_time_filter(client, auth, value):
    response = client.get(f"/api/v1/activities?start_after={value}", **auth)

    assert error_fields(response, 400) == ["start_after"]


def test_list_activities_takes_the_time_filter_offset_into_account(
    client, auth, org, owner, account
):
    # given a meeting at 09:00 UTC (11:00 in Bucharest)
    activity = _meeting(org, owner, account_id=account.pk)

    # when filtered from 10:30 Bucharest time, then from 11:30
    from_ten_thirty = client.get("/api/v1/activities?start_after=2026-03-09T10:30%2B02:00", **auth)
    from_eleven_thirty = client.get(
        "/api/v1/activities?start_after=2026-03-09T11:30%2B02:00", **auth
    )

    # then the offset decides
    assert [item["id"] for item in from_ten_thirty.json()["items"]] == [str(activity.pk)]
    assert from_eleven_thirty.json()["items"] == []


# --- create ---------------------------------------------------------------------------


def test_create_activity_plans_a_meeting_with_participants(client, auth, org, owner, account):
    # given two contacts of the account
    ana = contact_create(org=org, user=owner, account_id=account.pk, last_name="Albu")
    dan = contact_create(org=org, user=owner, account_id=account.pk, last_name="Bratu")

    # when a meeting is planned with them
    response = send(
        client,
        "post",
        "/api/v1/activities",
        {
            "account_id": str(account.pk),
            "kind": "meeting",
            "subject": "Negociere",
            "start_at": "2026-03-09T11:00:00+02:00",
            "end_at": "2026-03-09T12:00:00+02:00",
            "participant_ids": [str(ana.pk), str(dan.pk)],
        },
        **auth,
    )

    # then it is planned, owned by the caller, with both participants
    assert response.status_code == 201, response.content
    activity = Activity.objects.get()
    assert response["Location"] == f"/api/v1/activities/{activity.pk}"
    assert response["ETag"] == '"1"'
    body = response.json()
    assert (body["status"], body["owner_id"], body["account_id"]) == (
        "planned",
        str(owner.pk),
        str(account.pk),
    )
    assert (body["start_at"], body["end_at"]) == ("2026-03-09T09:00:00Z", "2026-03-09T10:00:00Z")
    assert sorted(body["participant_ids"]) == sorted([str(ana.pk), str(dan.pk)])
    assert set(activity.participants.values_list("pk", flat=True)) == {ana.pk, dan.pk}


def test_create_activity_logs_a_call_that_happened(client, auth, account):
    happened = timezone.now().replace(microsecond=0) - dt.timedelta(hours=2)

    response = send(
        client,
        "post",
        "/api/v1/activities",
        {
            "account_id": str(account.pk),
            "kind": "call",
            "subject": "Apel",
            "status": "done",
            "start_at": happened.isoformat(),
            "outcome": "Interesați",
        },
        **auth,
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["outcome"]) == ("done", "Interesați")
    assert at(body["completed_at"]) == happened


def test_create_activity_refuses_a_canceled_status(client, auth, account):
    response = send(
        client,
        "post",
        "/api/v1/activities",
        {
            "account_id": str(account.pk),
            "kind": "call",
            "subject": "Apel",
            "status": "canceled",
            "start_at": MONDAY_9.isoformat(),
        },
        **auth,
    )

    assert error_fields(response, 422) == ["status"]
    assert not Activity.objects.exists()


def test_create_activity_refuses_a_done_activity_in_the_future(client, auth, account):
    response = send(
        client,
        "post",
        "/api/v1/activities",
        {
            "account_id": str(account.pk),
            "kind": "call",
            "subject": "Apel",
            "status": "done",
            "start_at": (timezone.now() + dt.timedelta(days=1)).isoformat(),
        },
        **auth,
    )

    assert error_fields(response, 422) == ["start_at"]
    assert not Activity.objects.exists()


def test_create_activity_refuses_a_time_without_offset(client, auth, account):
    response = send(
        client,
        "post",
        "/api/v1/activities",
        {
            "account_id": str(account.pk),
            "kind": "call",
            "subject": "Apel",
            "start_at": "2026-03-09T09:00:00",
        },
        **auth,
    )

    assert error_fields(response, 422) == ["start_at"]


def test_create_activity_refuses_a_time_out_of_range(client, auth, account):
    response = send(
        client,
        "post",
        "/api/v1/activities",
        {
            "account_id": str(account.pk),
            "kind": "call",
            "subject": "Apel",
            "start_at": "0001-01-01T00:00:00+05:00",
        },
        **auth,
    )

    assert error_fields(response, 422) == ["start_at"]
    assert not Activity.objects.exists()


def test_create_activity_refuses_an_end_before_the_start(client, auth, account):
    response = send(
        client,
        "post",
        "/api/v1/activities",
        {
            "account_id": str(account.pk),
            "kind": "meeting",
            "subject": "Demo",
            "start_at": MONDAY_10.isoformat(),
            "end_at": MONDAY_9.isoformat(),
        },
        **auth,
    )

    assert response.status_code == 422
    assert not Activity.objects.exists()


def test_create_activity_refuses_a_participant_of_another_record(client, auth, org, owner, account):
    # given a contact of another account
    elsewhere = AccountFactory.create(org=org, user=owner)
    stranger = contact_create(org=org, user=owner, account_id=elsewhere.pk, last_name="Pop")

    # when an activity on the account is posted with them
    response = send(
        client,
        "post",
        "/api/v1/activities",
        {
            "account_id": str(account.pk),
            "kind": "call",
            "subject": "Apel",
            "start_at": MONDAY_9.isoformat(),
            "participant_ids": [str(stranger.pk)],
        },
        **auth,
    )

    # then it is refused and nothing is created
    assert error_fields(response, 422) == ["participant_ids"]
    assert not Activity.objects.exists()


def test_create_activity_refuses_an_unknown_kind(client, auth, account):
    response = send(
        client,
        "post",
        "/api/v1/activities",
        {
            "account_id": str(account.pk),
            "kind": "fax",
            "subject": "Fax",
            "start_at": MONDAY_9.isoformat(),
        },
        **auth,
    )

    assert error_fields(response, 422) == ["kind"]


@pytest.mark.parametrize("field", ["organization", "version", "completed_at"])
def test_create_activity_refuses_fields_the_server_owns(client, auth, account, field):
    response = send(
        client,
        "post",
        "/api/v1/activities",
        {
            "account_id": str(account.pk),
            "kind": "call",
            "subject": "Apel",
            "start_at": MONDAY_9.isoformat(),
            field: "2026-03-09T09:00:00Z",
        },
        **auth,
    )

    assert error_fields(response, 422) == [field]
    assert not Activity.objects.exists()


def test_create_activity_on_a_converted_prospect_is_a_conflict(client, auth, org, owner):
    prospect = qualified_prospect(org, owner)
    sales.prospect_convert(org=org, user=owner, prospect_id=prospect.pk)

    response = send(
        client,
        "post",
        "/api/v1/activities",
        {
            "prospect_id": str(prospect.pk),
            "kind": "call",
            "subject": "Apel",
            "start_at": MONDAY_9.isoformat(),
        },
        **auth,
    )

    assert error_fields(response, 409) == ["prospect_id"]
    assert not Activity.objects.exists()


def test_create_activity_on_another_organisations_account_is_refused(
    client, auth, other_org, other_owner
):
    foreign_account = AccountFactory.create(org=other_org, user=other_owner)

    response = send(
        client,
        "post",
        "/api/v1/activities",
        {
            "account_id": str(foreign_account.pk),
            "kind": "call",
            "subject": "Apel",
            "start_at": MONDAY_9.isoformat(),
        },
        **auth,
    )

    assert error_fields(response, 422) == ["account_id"]
    assert not Activity.objects.exists()


# --- read -----------------------------------------------------------------------------


def test_get_activity_carries_its_version_as_etag(client, auth, org, owner, account):
    contact = contact_create(org=org, user=owner, account_id=account.pk, last_name="Dobre")
    activity = _meeting(org, owner, account_id=account.pk, participant_ids=[contact.pk])

    response = client.get(f"/api/v1/activities/{activity.pk}", **auth)

    assert response.status_code == 200
    assert response["ETag"] == '"1"'
    assert (response.json()["id"], response.json()["participant_ids"]) == (
        str(activity.pk),
        [str(contact.pk)],
    )


def test_get_activity_of_another_organisation_is_not_found(client, auth, foreign_activity):
    response = client.get(f"/api/v1/activities/{foreign_activity.pk}", **auth)

    assert error_fields(response, 404) == [None]


# --- update ---------------------------------------------------------------------------


def test_update_activity_reschedules_and_replaces_participants(client, auth, org, owner, account):
    # given a meeting with one participant
    ana = contact_create(org=org, user=owner, account_id=account.pk, last_name="Albu")
    dan = contact_create(org=org, user=owner, account_id=account.pk, last_name="Bratu")
    activity = _meeting(org, owner, account_id=account.pk, participant_ids=[ana.pk])

    # when it is moved a day later with the other participant
    response = send(
        client,
        "patch",
        f"/api/v1/activities/{activity.pk}",
        {
            "start_at": TUESDAY_9.isoformat(),
            "end_at": None,
            "participant_ids": [str(dan.pk)],
        },
        HTTP_IF_MATCH='"1"',
        **auth,
    )

    # then both changed, in one new version
    assert response.status_code == 200, response.content
    assert response["ETag"] == '"2"'
    body = response.json()
    assert (at(body["start_at"]), body["end_at"], body["participant_ids"]) == (
        TUESDAY_9,
        None,
        [str(dan.pk)],
    )
    stored = Activity.objects.get(pk=activity.pk)
    assert (stored.start_at, stored.version) == (TUESDAY_9, 2)
    assert list(stored.participants.values_list("pk", flat=True)) == [dan.pk]


def test_update_activity_with_a_stale_version_is_refused(client, auth, org, owner, account):
    activity = _meeting(org, owner, account_id=account.pk)

    response = send(
        client,
        "patch",
        f"/api/v1/activities/{activity.pk}",
        {"subject": "Altceva"},
        HTTP_IF_MATCH='"4"',
        **auth,
    )

    assert error_fields(response, 412) == ["version"]
    assert Activity.objects.get(pk=activity.pk).subject == "Prezentare"


@pytest.mark.parametrize(
    ("field", "value"),
    [("status", "done"), ("account_id", None), ("completed_at", "2026-03-09T09:00:00Z")],
)
def test_update_activity_refuses_fields_it_cannot_change(
    client, auth, org, owner, account, field, value
):
    activity = _meeting(org, owner, account_id=account.pk)

    response = send(client, "patch", f"/api/v1/activities/{activity.pk}", {field: value}, **auth)

    assert error_fields(response, 422) == [field]
    stored = Activity.objects.get(pk=activity.pk)
    assert (stored.status, stored.account_id, stored.version) == ("planned", account.pk, 1)


def test_update_activity_refuses_an_owner_from_another_organisation(
    client, auth, org, owner, account, other_owner
):
    activity = _meeting(org, owner, account_id=account.pk)

    response = send(
        client,
        "patch",
        f"/api/v1/activities/{activity.pk}",
        {"owner_id": str(other_owner.pk)},
        **auth,
    )

    assert error_fields(response, 422) == ["owner_id"]
    assert Activity.objects.get(pk=activity.pk).owner_id == owner.pk


def test_update_activity_of_another_organisation_is_not_found(client, auth, foreign_activity):
    response = send(
        client, "patch", f"/api/v1/activities/{foreign_activity.pk}", {"subject": "X"}, **auth
    )

    assert error_fields(response, 404) == [None]
    stored = Activity.objects.get(pk=foreign_activity.pk)
    assert (stored.subject, stored.version) == ("Străin", 1)


# --- delete ---------------------------------------------------------------------------


def test_delete_activity(client, auth, org, owner, account):
    activity = _meeting(org, owner, account_id=account.pk)

    response = client.delete(f"/api/v1/activities/{activity.pk}", HTTP_IF_MATCH='"1"', **auth)

    assert response.status_code == 204
    assert not Activity.objects.filter(pk=activity.pk).exists()


def test_delete_activity_with_a_stale_version_is_refused(client, auth, org, owner, account):
    activity = _meeting(org, owner, account_id=account.pk)

    response = client.delete(f"/api/v1/activities/{activity.pk}", HTTP_IF_MATCH='"2"', **auth)

    assert error_fields(response, 412) == ["version"]
    assert Activity.objects.filter(pk=activity.pk).exists()


def test_delete_activity_of_another_organisation_is_not_found(client, auth, foreign_activity):
    response = client.delete(f"/api/v1/activities/{foreign_activity.pk}", **auth)

    assert error_fields(response, 404) == [None]
    assert Activity.objects.filter(pk=foreign_activity.pk).exists()


# --- complete and cancel --------------------------------------------------------------


def test_complete_activity_with_its_outcome(client, auth, org, owner, account):
    activity = _meeting(org, owner, account_id=account.pk)
    before = timezone.now()

    response = send(
        client,
        "post",
        f"/api/v1/activities/{activity.pk}/complete",
        {"outcome": "Comandă fermă"},
        HTTP_IF_MATCH='"1"',
        **auth,
    )

    assert response.status_code == 200, response.content
    assert response["ETag"] == '"2"'
    body = response.json()
    assert (body["status"], body["outcome"], body["version"]) == ("done", "Comandă fermă", 2)
    stored = Activity.objects.get(pk=activity.pk)
    assert stored.status == ActivityStatus.DONE
    assert stored.completed_at is not None and stored.completed_at >= before


def test_complete_activity_without_a_body(client, auth, org, owner, account):
    activity = _meeting(org, owner, account_id=account.pk, outcome="Pregătit")

    response = send(client, "post", f"/api/v1/activities/{activity.pk}/complete", **auth)

    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["outcome"]) == ("done", "Pregătit")


def test_complete_activity_twice_is_a_conflict(client, auth, org, owner, account):
    activity = _meeting(org, owner, account_id=account.pk)
    activity_complete(org=org, user=owner, activity_id=activity.pk)

    response = send(client, "post", f"/api/v1/activities/{activity.pk}/complete", **auth)

    assert error_fields(response, 409) == ["status"]
    assert response.json()["code"] == "illegal_transition"
    assert Activity.objects.get(pk=activity.pk).version == 2


def test_complete_activity_refuses_an_unknown_body_field(client, auth, org, owner, account):
    activity = _meeting(org, owner, account_id=account.pk)

    response = send(
        client,
        "post",
        f"/api/v1/activities/{activity.pk}/complete",
        {"status": "canceled"},
        **auth,
    )

    assert error_fields(response, 422) == ["status"]
    assert Activity.objects.get(pk=activity.pk).status == ActivityStatus.PLANNED


def test_complete_activity_with_a_stale_version_is_refused(client, auth, org, owner, account):
    activity = _meeting(org, owner, account_id=account.pk)

    response = send(
        client, "post", f"/api/v1/activities/{activity.pk}/complete", HTTP_IF_MATCH='"9"', **auth
    )

    assert error_fields(response, 412) == ["version"]
    assert Activity.objects.get(pk=activity.pk).status == ActivityStatus.PLANNED


def test_complete_activity_of_another_organisation_is_not_found(client, auth, foreign_activity):
    response = send(client, "post", f"/api/v1/activities/{foreign_activity.pk}/complete", **auth)

    assert error_fields(response, 404) == [None]
    assert Activity.objects.get(pk=foreign_activity.pk).status == ActivityStatus.PLANNED


def test_cancel_activity(client, auth, org, owner, account):
    activity = _meeting(org, owner, account_id=account.pk)

    response = send(client, "post", f"/api/v1/activities/{activity.pk}/cancel", **auth)

    assert response.status_code == 200, response.content
    assert response["ETag"] == '"2"'
    assert (response.json()["status"], response.json()["completed_at"]) == ("canceled", None)


def test_cancel_a_done_activity_is_a_conflict(client, auth, org, owner, account):
    activity = _meeting(org, owner, account_id=account.pk)
    activity_complete(org=org, user=owner, activity_id=activity.pk)

    response = send(client, "post", f"/api/v1/activities/{activity.pk}/cancel", **auth)

    assert error_fields(response, 409) == ["status"]
    assert Activity.objects.get(pk=activity.pk).status == ActivityStatus.DONE


def test_cancel_activity_with_a_stale_version_is_refused(client, auth, org, owner, account):
    activity = _meeting(org, owner, account_id=account.pk)

    response = send(
        client, "post", f"/api/v1/activities/{activity.pk}/cancel", HTTP_IF_MATCH='"0"', **auth
    )

    assert error_fields(response, 412) == ["version"]


def test_cancel_activity_of_another_organisation_is_not_found(client, auth, foreign_activity):
    response = send(client, "post", f"/api/v1/activities/{foreign_activity.pk}/cancel", **auth)

    assert error_fields(response, 404) == [None]
    assert Activity.objects.get(pk=foreign_activity.pk).status == ActivityStatus.PLANNED


def test_unknown_activity_is_not_found(client, auth):
    response = send(client, "post", f"/api/v1/activities/{uuid.uuid4()}/cancel", **auth)

    assert error_fields(response, 404) == [None]


# --- who may delete or reassign an activity ---------------------------------------------


def test_a_sales_user_cannot_delete_someone_elses_activity(client, org, owner, sales_user, account):
    activity = _meeting(org, owner, account_id=account.pk)

    response = client.delete(f"/api/v1/activities/{activity.pk}", **bearer(org, sales_user))

    assert error_fields(response, 403) == [None]
    assert Activity.objects.filter(pk=activity.pk).exists()


def test_a_sales_user_deletes_their_own_activity(client, org, owner, sales_user, account):
    activity = _meeting(org, owner, account_id=account.pk, owner_id=sales_user.pk)
    response = client.delete(f"/api/v1/activities/{activity.pk}", **bearer(org, sales_user))
    assert response.status_code == 204


def test_a_manager_deletes_anyones_activity(client, org, owner, manager, account):
    activity = _meeting(org, owner, account_id=account.pk)
    response = client.delete(f"/api/v1/activities/{activity.pk}", **bearer(org, manager))
    assert response.status_code == 204


def test_a_sales_user_cannot_take_someone_elses_activity(client, org, owner, sales_user, account):
    activity = _meeting(org, owner, account_id=account.pk)

    response = send(
        client,
        "patch",
        f"/api/v1/activities/{activity.pk}",
        {"owner_id": str(sales_user.pk)},
        **bearer(org, sales_user),
    )

    assert error_fields(response, 403) == ["owner_id"]
    assert Activity.objects.filter(pk=activity.pk, owner_id=owner.pk, version=1).exists()


def test_a_sales_user_hands_their_activity_to_a_colleague(client, org, owner, sales_user, account):
    activity = _meeting(org, sales_user, account_id=account.pk)
    response = send(
        client,
        "patch",
        f"/api/v1/activities/{activity.pk}",
        {"owner_id": str(owner.pk)},
        **bearer(org, sales_user),
    )
    assert (response.status_code, response.json()["owner_id"]) == (200, str(owner.pk))
