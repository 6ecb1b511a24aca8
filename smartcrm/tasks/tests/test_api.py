"""REST API of tasks: /api/v1/tasks and its actions."""

from __future__ import annotations

import base64
import datetime as dt
import json
import uuid
from typing import Any

import pytest
from django.utils import timezone

from smartcrm.api.tests.helpers import bearer, error_fields, queries_of, send
from smartcrm.core.modules import Module
from smartcrm.core.services import organization_set_modules
from smartcrm.sales import services as sales
from smartcrm.sales.tests.factories import (
    AccountFactory,
    OfferFactory,
    ProspectFactory,
    qualified_prospect,
)
from smartcrm.tasks.choices import TaskStatus
from smartcrm.tasks.models import Task
from smartcrm.tasks.services import task_complete, task_create, task_set_status

MONDAY_9 = dt.datetime(2026, 3, 9, 9, 0, tzinfo=dt.UTC)
TUESDAY_9 = dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.UTC)
FRIDAY_17 = dt.datetime(2026, 3, 13, 17, 0, tzinfo=dt.UTC)


# --- helpers --------------------------------------------------------------------------


def at(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value)


def _cursor(payload: list[Any]) -> str:
    """A cursor built by hand, as a client tampering with one would."""
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


def without_times(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k not in ("created_at", "updated_at")}


@pytest.fixture
def auth(org, owner) -> dict[str, str]:
    return bearer(org, owner)


@pytest.fixture
def account(org, owner):
    return AccountFactory.create(org=org, user=owner)


@pytest.fixture
def foreign_task(other_org, other_owner):
    """An open task of another organisation."""
    return task_create(org=other_org, user=other_owner, title="Al lor")


def _task(org, user, **fields):
    return task_create(org=org, user=user, **{"title": "Trimite oferta", **fields})


# --- authentication and the module switch ---------------------------------------------

OPERATIONS = [
    ("get", "/api/v1/tasks", None),
    ("post", "/api/v1/tasks", {"title": "X"}),
    ("get", "/api/v1/tasks/{id}", None),
    ("patch", "/api/v1/tasks/{id}", {"title": "X"}),
    ("delete", "/api/v1/tasks/{id}", None),
    ("post", "/api/v1/tasks/{id}/complete", None),
    ("post", "/api/v1/tasks/{id}/status", {"status": "in_progress"}),
    ("post", "/api/v1/tasks/{id}/assign", {"assignee_id": "{owner}"}),
]


def _body(body: Any, owner: Any) -> Any:
    if body and body.get("assignee_id") == "{owner}":
        return {"assignee_id": str(owner.pk)}
    return body


@pytest.mark.parametrize(("method", "path", "body"), OPERATIONS)
def test_every_task_operation_needs_a_token(client, org, owner, method, path, body):
    task = _task(org, owner)

    response = send(client, method, path.format(id=task.pk), _body(body, owner))

    assert error_fields(response, 401) == []
    assert Task.objects.get(pk=task.pk).version == 1


@pytest.mark.parametrize(("method", "path", "body"), OPERATIONS)
def test_every_task_operation_is_not_found_when_the_module_is_off(
    client, auth, org, owner, method, path, body
):
    # given a task, then the tasks module switched off
    task = _task(org, owner)
    organization_set_modules(
        org=org, user=owner, enabled=[Module.CATALOG, Module.ACTIVITIES, Module.NOTES]
    )

    # when any operation is called with a valid request
    response = send(client, method, path.format(id=task.pk), _body(body, owner), **auth)

    # then the module answers as if it did not exist, and its data stays
    assert error_fields(response, 404) == [None]
    assert response.json()["code"] == "module_disabled"
    assert Task.objects.get(pk=task.pk).version == 1
    assert Task.objects.count() == 1


# --- list -----------------------------------------------------------------------------


def test_list_tasks_shows_the_organisations_tasks_only(client, auth, org, owner, foreign_task):
    task = _task(org, owner, description="Cu discount", priority="high", due_at=MONDAY_9)

    response = client.get("/api/v1/tasks", **auth)

    assert response.status_code == 200
    assert [without_times(item) for item in response.json()["items"]] == [
        {
            "id": str(task.pk),
            "title": "Trimite oferta",
            "description": "Cu discount",
            "status": "open",
            "priority": "high",
            "due_at": "2026-03-09T09:00:00Z",
            "remind_at": "2026-03-09T09:00:00Z",
            "reminder_sent_at": None,
            "is_overdue": True,
            "assignee_id": str(owner.pk),
            "completed_at": None,
            "prospect_id": None,
            "account_id": None,
            "offer_id": None,
            "version": 1,
        }
    ]


def test_list_tasks_filters(client, auth, org, owner, sales_user, account):
    # given tasks with several statuses, assignees, priorities, records and due times
    prospect = ProspectFactory.create(org=org, user=owner)
    offer = OfferFactory.create(org=org, user=owner, account_id=account.pk)
    alone = _task(org, owner, priority="low", due_at=MONDAY_9)
    on_prospect = _task(org, owner, prospect_id=prospect.pk, due_at=TUESDAY_9)
    on_account = _task(org, sales_user, account_id=account.pk, priority="high")
    on_offer = _task(org, owner, offer_id=offer.pk, due_at=FRIDAY_17)
    task_set_status(org=org, user=owner, task_id=on_offer.pk, status=TaskStatus.IN_PROGRESS)

    def ids(query: str) -> set[str]:
        response = client.get(f"/api/v1/tasks?{query}", **auth)
        assert response.status_code == 200, response.content
        return {item["id"] for item in response.json()["items"]}

    # then each filter keeps the matching tasks
    assert ids("status=in_progress") == {str(on_offer.pk)}
    assert ids(f"assignee_id={sales_user.pk}") == {str(on_account.pk)}
    assert ids("priority=low") == {str(alone.pk)}
    assert ids(f"prospect_id={prospect.pk}") == {str(on_prospect.pk)}
    assert ids(f"account_id={account.pk}") == {str(on_account.pk)}
    assert ids(f"offer_id={offer.pk}") == {str(on_offer.pk)}
    assert ids("due_after=2026-03-10T00:00:00Z") == {str(on_prospect.pk), str(on_offer.pk)}
    assert ids("due_before=2026-03-10T09:00:00Z") == {str(alone.pk)}
    assert ids("standalone=true") == {str(alone.pk)}
    assert ids("standalone=false") == {str(on_prospect.pk), str(on_account.pk), str(on_offer.pk)}


def test_list_tasks_soonest_due_first_with_undated_ones_last_across_pages(client, auth, org, owner):
    # given tasks due at different times, and two without a due time
    friday = _task(org, owner, due_at=FRIDAY_17)
    undated_one = _task(org, owner)
    monday = _task(org, owner, due_at=MONDAY_9)
    undated_two = _task(org, owner)

    # when they are read two per page, in the default order and then reversed
    seen = []
    cursor = ""
    for _ in range(3):
        page = client.get(f"/api/v1/tasks?limit=2{cursor}", **auth).json()
        seen.append([item["id"] for item in page["items"]])
        if page["next_cursor"] is None:
            break
        cursor = f"&cursor={page['next_cursor']}"
    latest_first = client.get("/api/v1/tasks?ordering=-due_at&limit=3", **auth).json()
    rest = client.get(
        f"/api/v1/tasks?ordering=-due_at&limit=3&cursor={latest_first['next_cursor']}", **auth
    ).json()

    # then dated tasks come first, undated ones last (in creation order), and pages join
    assert seen == [[str(monday.pk), str(friday.pk)], [str(undated_one.pk), str(undated_two.pk)]]
    assert [item["id"] for item in latest_first["items"] + rest["items"]] == [
        str(undated_two.pk),
        str(undated_one.pk),
        str(friday.pk),
        str(monday.pk),
    ]


def test_list_tasks_orders_priority_by_rank(client, auth, org, owner):
    low = _task(org, owner, priority="low")
    high = _task(org, owner, priority="high")
    medium = _task(org, owner, priority="medium")

    response = client.get("/api/v1/tasks?ordering=-priority", **auth)

    assert [item["id"] for item in response.json()["items"]] == [
        str(high.pk),
        str(medium.pk),
        str(low.pk),
    ]


def test_list_tasks_runs_as_many_queries_for_12_rows_as_for_2(client, auth, org, owner, account):
    for _ in range(2):
        _task(org, owner, account_id=account.pk, due_at=MONDAY_9)
    two = queries_of(client, "/api/v1/tasks", auth, rows=2)

    for _ in range(10):
        _task(org, owner, account_id=account.pk, due_at=MONDAY_9)
    twelve = queries_of(client, "/api/v1/tasks", auth, rows=12)

    assert twelve == two


def test_list_tasks_refuses_an_ordering_outside_the_allow_list(client, auth):
    response = client.get("/api/v1/tasks?ordering=owner__password", **auth)

    assert error_fields(response, 400) == ["ordering"]


def test_list_tasks_refuses_an_unknown_query_parameter(client, auth):
    response = client.get("/api/v1/tasks?late=true", **auth)

    assert error_fields(response, 400) == ["late"]


@pytest.mark.parametrize(
    "value",
    ["friday", "2026-03-13T17:00:00", "0001-01-01T00:00:00%2B05:00"],
    ids=["not-a-time", "without-offset", "out-of-range"],
)
def test_list_tasks_refuses_a_malformed_due_filter(client, auth, value):
    response = client.get(f"/api/v1/tasks?due_before={value}", **auth)

    assert error_fields(response, 400) == ["due_before"]


def test_list_tasks_refuses_a_forged_cursor_value(client, auth, org, owner):
    # given a cursor of the priority ordering whose value is not a rank
    cursor = _cursor(["priority", "urgent", str(uuid.uuid4())])

    response = client.get(f"/api/v1/tasks?ordering=priority&cursor={cursor}", **auth)

    assert error_fields(response, 400) == ["cursor"]


def test_list_tasks_refuses_a_cursor_with_a_forged_id(client, auth, org, owner):
    _task(org, owner)
    cursor = _cursor(["created_at", "2026-03-09T09:00:00+00:00", "1"])

    response = client.get(f"/api/v1/tasks?ordering=created_at&cursor={cursor}", **auth)

    assert error_fields(response, 400) == ["cursor"]


def test_list_tasks_refuses_an_unknown_status_filter(client, auth):
    response = client.get("/api/v1/tasks?status=archived", **auth)

    assert error_fields(response, 400) == ["status"]


# --- create ---------------------------------------------------------------------------


def test_create_standalone_task_assigned_to_the_caller(client, auth, org, owner):
    response = send(
        client,
        "post",
        "/api/v1/tasks",
        {"title": "Pregătește raportul", "due_at": "2026-03-13T19:00:00+02:00"},
        **auth,
    )

    assert response.status_code == 201, response.content
    task = Task.objects.get()
    assert response["Location"] == f"/api/v1/tasks/{task.pk}"
    assert response["ETag"] == '"1"'
    assert without_times(response.json()) == {
        "id": str(task.pk),
        "title": "Pregătește raportul",
        "description": "",
        "status": "open",
        "priority": "medium",
        "due_at": "2026-03-13T17:00:00Z",
        "remind_at": "2026-03-13T17:00:00Z",
        "reminder_sent_at": None,
        "is_overdue": True,
        "assignee_id": str(owner.pk),
        "completed_at": None,
        "prospect_id": None,
        "account_id": None,
        "offer_id": None,
        "version": 1,
    }
    assert (task.organization_id, task.due_at) == (org.pk, FRIDAY_17)


def test_create_task_on_an_account_delegated_to_a_colleague(client, auth, account, sales_user):
    response = send(
        client,
        "post",
        "/api/v1/tasks",
        {
            "title": "Sună clientul",
            "account_id": str(account.pk),
            "assignee_id": str(sales_user.pk),
            "priority": "high",
        },
        **auth,
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["account_id"], body["assignee_id"], body["priority"], body["due_at"]) == (
        str(account.pk),
        str(sales_user.pk),
        "high",
        None,
    )


def test_create_task_refuses_an_assignee_of_another_organisation(client, auth, other_owner):
    response = send(
        client,
        "post",
        "/api/v1/tasks",
        {"title": "X", "assignee_id": str(other_owner.pk)},
        **auth,
    )

    assert error_fields(response, 422) == ["assignee_id"]
    assert not Task.objects.exists()


def test_create_task_refuses_an_empty_title(client, auth):
    response = send(client, "post", "/api/v1/tasks", {"title": ""}, **auth)

    assert error_fields(response, 422) == ["title"]
    assert not Task.objects.exists()


def test_create_task_refuses_an_unknown_priority(client, auth):
    response = send(client, "post", "/api/v1/tasks", {"title": "X", "priority": "urgent"}, **auth)

    assert error_fields(response, 422) == ["priority"]


def test_create_task_refuses_a_due_time_without_offset(client, auth):
    response = send(
        client, "post", "/api/v1/tasks", {"title": "X", "due_at": "2026-03-13T17:00"}, **auth
    )

    assert error_fields(response, 422) == ["due_at"]


def test_create_task_refuses_a_due_time_out_of_range(client, auth):
    response = send(
        client,
        "post",
        "/api/v1/tasks",
        {"title": "X", "due_at": "9999-12-31T23:59:59-05:00"},
        **auth,
    )

    assert error_fields(response, 422) == ["due_at"]
    assert not Task.objects.exists()


@pytest.mark.parametrize("field", ["organization", "version", "status", "completed_at"])
def test_create_task_refuses_fields_the_server_owns(client, auth, field):
    response = send(client, "post", "/api/v1/tasks", {"title": "X", field: "done"}, **auth)

    assert error_fields(response, 422) == [field]
    assert not Task.objects.exists()


def test_create_task_on_a_converted_prospect_is_a_conflict(client, auth, org, owner):
    prospect = qualified_prospect(org, owner)
    sales.prospect_convert(org=org, user=owner, prospect_id=prospect.pk)

    response = send(
        client, "post", "/api/v1/tasks", {"title": "X", "prospect_id": str(prospect.pk)}, **auth
    )

    assert error_fields(response, 409) == ["prospect_id"]
    assert not Task.objects.exists()


def test_create_task_on_two_records_is_refused(client, auth, org, owner, account):
    prospect = ProspectFactory.create(org=org, user=owner)

    response = send(
        client,
        "post",
        "/api/v1/tasks",
        {"title": "X", "prospect_id": str(prospect.pk), "account_id": str(account.pk)},
        **auth,
    )

    assert error_fields(response, 422) == ["prospect_id", "account_id"]


# --- read -----------------------------------------------------------------------------


def test_get_task_carries_its_version_as_etag(client, auth, org, owner):
    task = _task(org, owner)

    response = client.get(f"/api/v1/tasks/{task.pk}", **auth)

    assert response.status_code == 200
    assert response["ETag"] == '"1"'
    assert response.json()["id"] == str(task.pk)


def test_get_task_of_another_organisation_is_not_found(client, auth, foreign_task):
    response = client.get(f"/api/v1/tasks/{foreign_task.pk}", **auth)

    assert error_fields(response, 404) == [None]


# --- update ---------------------------------------------------------------------------


def test_update_task_changes_only_the_fields_sent(client, auth, org, owner):
    task = _task(org, owner, description="Cu anexe", due_at=MONDAY_9)

    response = send(
        client,
        "patch",
        f"/api/v1/tasks/{task.pk}",
        {"due_at": TUESDAY_9.isoformat(), "priority": "high"},
        HTTP_IF_MATCH='"1"',
        **auth,
    )

    assert response.status_code == 200, response.content
    assert response["ETag"] == '"2"'
    body = response.json()
    assert (at(body["due_at"]), body["priority"], body["description"], body["version"]) == (
        TUESDAY_9,
        "high",
        "Cu anexe",
        2,
    )
    stored = Task.objects.get(pk=task.pk)
    assert (stored.due_at, stored.priority) == (TUESDAY_9, "high")


def test_update_task_with_a_stale_version_is_refused(client, auth, org, owner):
    task = _task(org, owner)

    response = send(
        client, "patch", f"/api/v1/tasks/{task.pk}", {"title": "Nou"}, HTTP_IF_MATCH='"3"', **auth
    )

    assert error_fields(response, 412) == ["version"]
    assert Task.objects.get(pk=task.pk).title == "Trimite oferta"


@pytest.mark.parametrize(
    ("field", "value"), [("status", "done"), ("prospect_id", None), ("version", 9)]
)
def test_update_task_refuses_fields_it_cannot_change(client, auth, org, owner, field, value):
    task = _task(org, owner)

    response = send(client, "patch", f"/api/v1/tasks/{task.pk}", {field: value}, **auth)

    assert error_fields(response, 422) == [field]
    stored = Task.objects.get(pk=task.pk)
    assert (stored.status, stored.version) == ("open", 1)


def test_update_task_of_another_organisation_is_not_found(client, auth, foreign_task):
    response = send(client, "patch", f"/api/v1/tasks/{foreign_task.pk}", {"title": "X"}, **auth)

    assert error_fields(response, 404) == [None]
    stored = Task.objects.get(pk=foreign_task.pk)
    assert (stored.title, stored.version) == ("Al lor", 1)


# --- delete ---------------------------------------------------------------------------


def test_delete_task(client, auth, org, owner):
    task = _task(org, owner)

    response = client.delete(f"/api/v1/tasks/{task.pk}", HTTP_IF_MATCH='"1"', **auth)

    assert response.status_code == 204
    assert not Task.objects.filter(pk=task.pk).exists()


def test_delete_task_with_a_stale_version_is_refused(client, auth, org, owner):
    task = _task(org, owner)

    response = client.delete(f"/api/v1/tasks/{task.pk}", HTTP_IF_MATCH='"5"', **auth)

    assert error_fields(response, 412) == ["version"]
    assert Task.objects.filter(pk=task.pk).exists()


def test_delete_task_of_another_organisation_is_not_found(client, auth, foreign_task):
    response = client.delete(f"/api/v1/tasks/{foreign_task.pk}", **auth)

    assert error_fields(response, 404) == [None]
    assert Task.objects.filter(pk=foreign_task.pk).exists()


# --- complete, status, assign ---------------------------------------------------------


def test_complete_task(client, auth, org, owner):
    task = _task(org, owner)
    before = timezone.now()

    response = send(
        client, "post", f"/api/v1/tasks/{task.pk}/complete", HTTP_IF_MATCH='"1"', **auth
    )

    assert response.status_code == 200, response.content
    assert response["ETag"] == '"2"'
    assert response.json()["status"] == "done"
    stored = Task.objects.get(pk=task.pk)
    assert stored.status == TaskStatus.DONE
    assert stored.completed_at is not None and stored.completed_at >= before


def test_complete_a_canceled_task_is_a_conflict(client, auth, org, owner):
    task = _task(org, owner)
    task_set_status(org=org, user=owner, task_id=task.pk, status=TaskStatus.CANCELED)

    response = send(client, "post", f"/api/v1/tasks/{task.pk}/complete", **auth)

    assert error_fields(response, 409) == ["status"]
    assert response.json()["code"] == "illegal_transition"
    assert Task.objects.get(pk=task.pk).status == TaskStatus.CANCELED


def test_complete_task_with_a_stale_version_is_refused(client, auth, org, owner):
    task = _task(org, owner)

    response = send(
        client, "post", f"/api/v1/tasks/{task.pk}/complete", HTTP_IF_MATCH='"2"', **auth
    )

    assert error_fields(response, 412) == ["version"]
    assert Task.objects.get(pk=task.pk).status == TaskStatus.OPEN


def test_complete_task_of_another_organisation_is_not_found(client, auth, foreign_task):
    response = send(client, "post", f"/api/v1/tasks/{foreign_task.pk}/complete", **auth)

    assert error_fields(response, 404) == [None]
    assert Task.objects.get(pk=foreign_task.pk).status == TaskStatus.OPEN


def test_set_task_status_to_in_progress(client, auth, org, owner):
    task = _task(org, owner)

    response = send(
        client, "post", f"/api/v1/tasks/{task.pk}/status", {"status": "in_progress"}, **auth
    )

    assert response.status_code == 200, response.content
    assert response["ETag"] == '"2"'
    assert (response.json()["status"], response.json()["completed_at"]) == ("in_progress", None)


def test_set_task_status_reopens_a_done_task(client, auth, org, owner):
    task = _task(org, owner)
    task_complete(org=org, user=owner, task_id=task.pk)

    response = send(client, "post", f"/api/v1/tasks/{task.pk}/status", {"status": "open"}, **auth)

    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["completed_at"]) == ("open", None)


def test_set_task_status_from_done_to_in_progress_is_a_conflict(client, auth, org, owner):
    task = _task(org, owner)
    task_complete(org=org, user=owner, task_id=task.pk)

    response = send(
        client, "post", f"/api/v1/tasks/{task.pk}/status", {"status": "in_progress"}, **auth
    )

    assert error_fields(response, 409) == ["status"]
    assert Task.objects.get(pk=task.pk).status == TaskStatus.DONE


def test_set_task_status_refuses_an_unknown_status(client, auth, org, owner):
    task = _task(org, owner)

    response = send(
        client, "post", f"/api/v1/tasks/{task.pk}/status", {"status": "archived"}, **auth
    )

    assert error_fields(response, 422) == ["status"]
    assert Task.objects.get(pk=task.pk).status == TaskStatus.OPEN


def test_set_task_status_refuses_an_unknown_body_field(client, auth, org, owner):
    task = _task(org, owner)

    response = send(
        client,
        "post",
        f"/api/v1/tasks/{task.pk}/status",
        {"status": "done", "completed_at": "2020-01-01T00:00:00Z"},
        **auth,
    )

    assert error_fields(response, 422) == ["completed_at"]
    assert Task.objects.get(pk=task.pk).status == TaskStatus.OPEN


def test_set_task_status_with_a_stale_version_is_refused(client, auth, org, owner):
    task = _task(org, owner)

    response = send(
        client,
        "post",
        f"/api/v1/tasks/{task.pk}/status",
        {"status": "canceled"},
        HTTP_IF_MATCH='"4"',
        **auth,
    )

    assert error_fields(response, 412) == ["version"]


def test_set_task_status_of_another_organisation_is_not_found(client, auth, foreign_task):
    response = send(
        client, "post", f"/api/v1/tasks/{foreign_task.pk}/status", {"status": "canceled"}, **auth
    )

    assert error_fields(response, 404) == [None]
    assert Task.objects.get(pk=foreign_task.pk).status == TaskStatus.OPEN


def test_assign_task_to_a_colleague(client, auth, org, owner, sales_user):
    task = _task(org, owner)

    response = send(
        client,
        "post",
        f"/api/v1/tasks/{task.pk}/assign",
        {"assignee_id": str(sales_user.pk)},
        HTTP_IF_MATCH='"1"',
        **auth,
    )

    assert response.status_code == 200, response.content
    assert response["ETag"] == '"2"'
    assert response.json()["assignee_id"] == str(sales_user.pk)
    assert Task.objects.get(pk=task.pk).assignee_id == sales_user.pk


def test_assign_task_to_someone_of_another_organisation_is_refused(
    client, auth, org, owner, other_owner
):
    task = _task(org, owner)

    response = send(
        client,
        "post",
        f"/api/v1/tasks/{task.pk}/assign",
        {"assignee_id": str(other_owner.pk)},
        **auth,
    )

    assert error_fields(response, 422) == ["assignee_id"]
    assert Task.objects.get(pk=task.pk).assignee_id == owner.pk


def test_assign_task_refuses_a_malformed_id(client, auth, org, owner):
    task = _task(org, owner)

    response = send(
        client, "post", f"/api/v1/tasks/{task.pk}/assign", {"assignee_id": "ion"}, **auth
    )

    assert error_fields(response, 422) == ["assignee_id"]


def test_assign_task_with_a_stale_version_is_refused(client, auth, org, owner, sales_user):
    task = _task(org, owner)

    response = send(
        client,
        "post",
        f"/api/v1/tasks/{task.pk}/assign",
        {"assignee_id": str(sales_user.pk)},
        HTTP_IF_MATCH='"8"',
        **auth,
    )

    assert error_fields(response, 412) == ["version"]
    assert Task.objects.get(pk=task.pk).assignee_id == owner.pk


def test_assign_task_of_another_organisation_is_not_found(client, auth, owner, foreign_task):
    response = send(
        client,
        "post",
        f"/api/v1/tasks/{foreign_task.pk}/assign",
        {"assignee_id": str(owner.pk)},
        **auth,
    )

    assert error_fields(response, 404) == [None]
    assert Task.objects.get(pk=foreign_task.pk).assignee_id != owner.pk


def test_unknown_task_is_not_found(client, auth):
    response = send(client, "post", f"/api/v1/tasks/{uuid.uuid4()}/complete", **auth)

    assert error_fields(response, 404) == [None]


# --- who may delete or reassign a task ----------------------------------------------------


def test_a_sales_user_cannot_delete_someone_elses_task(client, org, owner, sales_user):
    task = _task(org, owner)

    response = client.delete(f"/api/v1/tasks/{task.pk}", **bearer(org, sales_user))

    assert error_fields(response, 403) == [None]
    assert Task.objects.filter(pk=task.pk).exists()


@pytest.mark.parametrize("given_to", ["sales_user", "owner"])
def test_a_sales_user_deletes_a_task_they_hold_or_gave(
    client, request, org, owner, sales_user, given_to
):
    """Their own: the task is assigned to them, or they created it for someone else."""
    if given_to == "sales_user":
        task = _task(org, owner, assignee_id=sales_user.pk)
    else:
        task = _task(org, sales_user, assignee_id=owner.pk)

    response = client.delete(f"/api/v1/tasks/{task.pk}", **bearer(org, sales_user))

    assert response.status_code == 204, response.content
    assert not Task.objects.filter(pk=task.pk).exists()


def test_a_manager_deletes_anyones_task(client, org, owner, manager):
    task = _task(org, owner)
    response = client.delete(f"/api/v1/tasks/{task.pk}", **bearer(org, manager))
    assert response.status_code == 204


@pytest.mark.parametrize(
    ("method", "path"), [("post", "/api/v1/tasks/{id}/assign"), ("patch", "/api/v1/tasks/{id}")]
)
def test_a_sales_user_cannot_take_someone_elses_task(client, org, owner, sales_user, method, path):
    task = _task(org, owner)

    response = send(
        client,
        method,
        path.format(id=task.pk),
        {"assignee_id": str(sales_user.pk)},
        **bearer(org, sales_user),
    )

    assert error_fields(response, 403) == ["assignee_id"]
    assert Task.objects.filter(pk=task.pk, assignee_id=owner.pk, version=1).exists()


def test_a_sales_user_cannot_hand_someone_elses_task_to_a_third_member(
    client, org, owner, sales_user, manager
):
    task = _task(org, owner)
    response = send(
        client,
        "post",
        f"/api/v1/tasks/{task.pk}/assign",
        {"assignee_id": str(manager.pk)},
        **bearer(org, sales_user),
    )
    assert error_fields(response, 403) == ["assignee_id"]
    assert Task.objects.get(pk=task.pk).assignee_id == owner.pk


def test_a_sales_user_hands_their_task_to_a_colleague(client, org, owner, sales_user):
    task = _task(org, owner, assignee_id=sales_user.pk)
    response = send(
        client,
        "post",
        f"/api/v1/tasks/{task.pk}/assign",
        {"assignee_id": str(owner.pk)},
        **bearer(org, sales_user),
    )
    assert (response.status_code, response.json()["assignee_id"]) == (200, str(owner.pk))


def test_a_sales_user_edits_someone_elses_task_without_reassigning_it(
    client, org, owner, sales_user
):
    task = _task(org, owner)
    response = send(
        client,
        "patch",
        f"/api/v1/tasks/{task.pk}",
        {"title": "Sună clientul", "assignee_id": str(owner.pk)},
        **bearer(org, sales_user),
    )
    assert (response.status_code, response.json()["title"]) == (200, "Sună clientul")


def test_a_malformed_assignee_of_someone_elses_task_is_refused_naming_the_field(
    client, org, owner, sales_user
):
    task = _task(org, owner)
    response = send(
        client,
        "post",
        f"/api/v1/tasks/{task.pk}/assign",
        {"assignee_id": "ion"},
        **bearer(org, sales_user),
    )
    assert error_fields(response, 422) == ["assignee_id"]
    assert Task.objects.get(pk=task.pk).assignee_id == owner.pk
