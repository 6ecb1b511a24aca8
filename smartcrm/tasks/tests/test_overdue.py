"""Overdue, in the organisation's time zone: due before today began there."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from smartcrm.activities.services import activity_create
from smartcrm.agenda.selectors import overdue_cutoff
from smartcrm.api.tests.helpers import ApiClient
from smartcrm.core.services import organization_update
from smartcrm.sales.tests.factories import AccountFactory
from smartcrm.tasks.services import task_complete, task_create


def _midnight(org) -> dt.datetime:
    tz = ZoneInfo(org.time_zone)
    return dt.datetime.combine(timezone.localdate(timezone=tz), dt.time(0), tzinfo=tz)


def test_the_cutoff_is_the_start_of_today_in_the_organisations_zone(org, owner):
    bucharest = overdue_cutoff(org)

    organization_update(org=org, user=owner, time_zone="America/New_York")
    org.refresh_from_db()
    new_york = overdue_cutoff(org)

    assert timezone.localtime(bucharest, ZoneInfo("Europe/Bucharest")).time() == dt.time(0)
    assert timezone.localtime(new_york, ZoneInfo("America/New_York")).time() == dt.time(0)
    assert new_york == _midnight(org)
    assert new_york != bucharest


@pytest.fixture
def api(org, owner) -> ApiClient:
    return ApiClient(org, owner)


def test_tasks_overdue_filter_and_field(api, org, owner):
    midnight = _midnight(org)
    late = task_create(org=org, user=owner, title="Ieri", due_at=midnight - dt.timedelta(minutes=1))
    today = task_create(org=org, user=owner, title="Azi", due_at=midnight)
    closed = task_create(
        org=org, user=owner, title="Închisă", due_at=midnight - dt.timedelta(days=2)
    )
    task_complete(org=org, user=owner, task_id=closed.pk)
    undated = task_create(org=org, user=owner, title="Fără termen")

    overdue = api.get("/api/v1/tasks?overdue=true").json()["items"]
    others = api.get("/api/v1/tasks?overdue=false").json()["items"]

    assert [item["id"] for item in overdue] == [str(late.pk)]
    assert overdue[0]["is_overdue"] is True
    assert {item["id"] for item in others} == {str(today.pk), str(closed.pk), str(undated.pk)}
    assert {item["is_overdue"] for item in others} == {False}


def test_activities_overdue_filter_and_field(api, org, owner):
    account = AccountFactory.create(org=org, user=owner)
    midnight = _midnight(org)

    def plan(subject: str, start: dt.datetime):
        return activity_create(
            org=org, user=owner, account_id=account.pk, kind="call", subject=subject, start_at=start
        )

    late = plan("Ieri", midnight - dt.timedelta(hours=1))
    today = plan("Azi", midnight + dt.timedelta(minutes=1))

    overdue = api.get("/api/v1/activities?overdue=true").json()["items"]
    others = api.get("/api/v1/activities?overdue=false").json()["items"]

    assert [(item["id"], item["is_overdue"]) for item in overdue] == [(str(late.pk), True)]
    assert [(item["id"], item["is_overdue"]) for item in others] == [(str(today.pk), False)]


def test_the_overdue_field_costs_no_query_per_row(api, org, owner):
    midnight = _midnight(org)
    task_create(org=org, user=owner, title="Una", due_at=midnight - dt.timedelta(days=1))
    api.get("/api/v1/tasks")  # the token's first use is written once
    with CaptureQueriesContext(connection) as one:
        api.get("/api/v1/tasks?overdue=true")
    for n in range(8):
        task_create(org=org, user=owner, title=f"T{n}", due_at=midnight - dt.timedelta(days=n + 1))
    with CaptureQueriesContext(connection) as many:
        response = api.get("/api/v1/tasks?overdue=true")

    assert len(response.json()["items"]) == 9
    assert len(many) == len(one)
