"""Pages: the notification centre, notification settings, the calendar feed address."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from smartcrm.agenda.models import CalendarFeed, DailyAgenda
from smartcrm.notifications.models import Notification
from smartcrm.notifications.selectors import preference_of, unread_count
from smartcrm.notifications.services import notify


@pytest.fixture
def member(client, owner):
    client.force_login(owner)
    return client


def _notify(org, user, title="Ofertă acceptată", **fields):
    return notify(org=org, user=user, kind="offer_accepted", title=title, **fields)


def test_the_centre_lists_my_notifications_only(member, org, owner, sales_user):
    _notify(org, owner, title="Pentru Ana")
    _notify(org, sales_user, title="Pentru Ion")

    response = member.get("/notifications/")

    assert response.status_code == 200
    assert "Pentru Ana" in response.content.decode()
    assert "Pentru Ion" not in response.content.decode()


def test_the_centre_costs_the_same_queries_for_many(member, org, owner):
    _notify(org, owner)
    member.get("/notifications/")
    with CaptureQueriesContext(connection) as one:
        member.get("/notifications/")
    for n in range(10):
        _notify(org, owner, title=f"N{n}")
    with CaptureQueriesContext(connection) as many:
        member.get("/notifications/")

    assert len(many) == len(one)


def test_marking_read_with_htmx_returns_the_row(member, org, owner):
    notification = _notify(org, owner)

    response = member.post(f"/notifications/{notification.pk}/read", HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert f'id="notification-{notification.pk}"' in response.content.decode()
    assert unread_count(org=org, user=owner) == 0


def test_opening_a_notification_marks_it_read_and_follows_its_link(member, org, owner):
    notification = _notify(org, owner, url="/offers/abc/")

    response = member.post(f"/notifications/{notification.pk}/read", {"open": "1"})

    assert (response.status_code, response["Location"]) == (302, "/offers/abc/")
    assert Notification.objects.get(pk=notification.pk).read_at is not None


def test_another_members_notification_is_404(member, org, sales_user):
    theirs = _notify(org, sales_user)

    response = member.post(f"/notifications/{theirs.pk}/read")

    assert response.status_code == 404
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_mark_all_read(member, org, owner):
    _notify(org, owner)
    _notify(org, owner)

    response = member.post("/notifications/read-all")

    assert response.status_code == 302
    assert unread_count(org=org, user=owner) == 0


def test_preferences_page_saves_email_choices(member, org, owner):
    response = member.post(
        "/notifications/preferences/", {"section": "email", "reminder": "on", "mention": "on"}
    )

    assert response.status_code == 200
    preference = preference_of(org=org, user=owner)
    assert preference.email_kinds == ["reminder", "mention"]


def test_preferences_page_saves_the_daily_agenda_and_keeps_a_bad_time(member, org, owner):
    refused = member.post(
        "/notifications/preferences/", {"section": "agenda", "enabled": "on", "send_at": "25:61"}
    )
    saved = member.post(
        "/notifications/preferences/", {"section": "agenda", "enabled": "on", "send_at": "08:15"}
    )

    assert refused.status_code == 422
    assert 'value="25:61"' in refused.content.decode()
    assert saved.status_code == 200
    agenda = DailyAgenda.objects.get(user=owner)
    assert (agenda.enabled, agenda.send_at) == (True, dt.time(8, 15))


def test_calendar_page_makes_shows_and_revokes_the_address(member, org, owner):
    empty = member.get("/notifications/calendar/").content.decode()
    assert "/calendar/feed/" not in empty
    assert 'value="regenerate"' in empty

    member.post("/notifications/calendar/", {"action": "regenerate"})
    feed = CalendarFeed.objects.get(user=owner, revoked_at__isnull=True)
    page = member.get("/notifications/calendar/").content.decode()
    member.post("/notifications/calendar/", {"action": "revoke"})

    assert f"/calendar/feed/{feed.pk}/" in page
    assert not CalendarFeed.objects.filter(revoked_at__isnull=True).exists()
