"""REST API of notifications: the caller's own list, unread count, mark read."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from smartcrm.api.tests.helpers import ApiClient
from smartcrm.notifications.models import Notification
from smartcrm.notifications.services import notification_mark_read, notify


def _notify(org, user, **fields):
    values = {"kind": "offer_accepted", "title": "OF-2026-0001 a fost acceptată", **fields}
    return notify(org=org, user=user, **values)


@pytest.fixture
def api(org, owner) -> ApiClient:
    return ApiClient(org, owner)


def test_the_list_has_only_the_callers_notifications(
    api, org, owner, sales_user, other_org, other_owner
):
    mine = _notify(org, owner)
    _notify(org, sales_user)
    _notify(other_org, other_owner)

    response = api.get("/api/v1/notifications")

    assert response.status_code == 200
    assert [item["id"] for item in response.json()["items"]] == [str(mine.pk)]
    assert response.json()["items"][0]["read_at"] is None


def test_the_list_filters_unread(api, org, owner):
    read = _notify(org, owner, title="Citită")
    unread = _notify(org, owner, title="Necitită")
    notification_mark_read(org=org, user=owner, notification_id=read.pk)

    only_unread = api.get("/api/v1/notifications?unread=true").json()["items"]
    only_read = api.get("/api/v1/notifications?unread=false").json()["items"]

    assert [item["id"] for item in only_unread] == [str(unread.pk)]
    assert [item["id"] for item in only_read] == [str(read.pk)]


def test_the_list_pages_with_a_cursor(api, org, owner):
    created = [_notify(org, owner, title=f"N{n}") for n in range(3)]

    first = api.get("/api/v1/notifications?limit=2").json()
    second = api.get(f"/api/v1/notifications?limit=2&cursor={first['next_cursor']}").json()

    ids = [item["id"] for item in first["items"] + second["items"]]
    assert ids == [str(n.pk) for n in reversed(created)]
    assert second["next_cursor"] is None


def test_the_list_runs_the_same_queries_for_one_or_many(api, org, owner):
    _notify(org, owner)
    api.get("/api/v1/notifications")  # the token's first use is written once
    with CaptureQueriesContext(connection) as one:
        api.get("/api/v1/notifications")
    for n in range(10):
        _notify(org, owner, title=f"N{n}")
    with CaptureQueriesContext(connection) as many:
        response = api.get("/api/v1/notifications")

    assert len(response.json()["items"]) == 11
    assert len(many) == len(one)


def test_unread_count(api, org, owner):
    _notify(org, owner)
    _notify(org, owner)

    response = api.get("/api/v1/notifications/unread-count")

    assert response.status_code == 200
    assert response.json() == {"unread": 2}


def test_marking_read(api, org, owner):
    notification = _notify(org, owner)

    response = api.post(f"/api/v1/notifications/{notification.pk}/read")

    assert response.status_code == 200
    assert response.json()["read_at"] is not None
    assert response["ETag"] == '"2"'
    assert api.get("/api/v1/notifications/unread-count").json() == {"unread": 0}


def test_another_users_notification_is_not_found(api, org, sales_user, other_org, other_owner):
    theirs = _notify(org, sales_user)
    foreign = _notify(other_org, other_owner)

    for notification in (theirs, foreign):
        response = api.post(f"/api/v1/notifications/{notification.pk}/read")
        assert response.status_code == 404
        assert response["Content-Type"] == "application/problem+json"
    assert Notification.objects.filter(read_at__isnull=False).count() == 0


def test_an_unknown_filter_is_a_400(api):
    response = api.get("/api/v1/notifications?colour=red")

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "colour"
