"""The calendar: a member's secret iCalendar feed and an activity's .ics, with the right UTC
instants on both sides of Romania's summer/winter time changes."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from icalendar import Calendar

from smartcrm.activities.services import activity_cancel, activity_create
from smartcrm.agenda import ics
from smartcrm.agenda.selectors import feed_path
from smartcrm.agenda.services import calendar_feed_regenerate, calendar_feed_revoke
from smartcrm.core.services import membership_update
from smartcrm.sales.tests.factories import AccountFactory
from smartcrm.tasks.services import task_complete, task_create

BUCHAREST = ZoneInfo("Europe/Bucharest")


def local(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=BUCHAREST)


def next_last_sunday(month: int, after: dt.date) -> dt.date:
    """The next last Sunday of ``month`` (when Europe changes its clocks) after ``after``."""
    for year in (after.year, after.year + 1):
        last = dt.date(year, month + 1, 1) - dt.timedelta(days=1) if month < 12 else None
        assert last is not None
        change = last - dt.timedelta(days=(last.weekday() - 6) % 7)
        if change > after + dt.timedelta(days=1):
            return change
    raise AssertionError("unreachable")


@pytest.fixture
def account(org, owner):
    return AccountFactory.create(org=org, user=owner, name="Carpați Logistic SRL")


def _meeting(org, user, account, start, **fields):
    return activity_create(
        org=org,
        user=user,
        account_id=account.pk,
        kind="meeting",
        subject=fields.pop("subject", "Prezentare"),
        start_at=start,
        end_at=start + dt.timedelta(hours=1),
        **fields,
    )


def _events(body: bytes) -> dict[str, dict]:
    calendar = Calendar.from_ical(body)
    return {
        str(event["UID"]): {
            "summary": str(event["SUMMARY"]),
            "start": event.decoded("DTSTART"),
            "end": event.decoded("DTEND"),
        }
        for event in calendar.walk("VEVENT")
    }


def test_an_activity_event_is_in_utc_either_side_of_the_october_change(org, owner, account):
    # Romania leaves summer time (UTC+3 → UTC+2) on 25 October 2026 at 04:00.
    before = _meeting(org, owner, account, local(dt.date(2026, 10, 24), 10))
    after = _meeting(org, owner, account, local(dt.date(2026, 10, 25), 10))

    events = _events(ics.calendar("Test", [ics.activity_event(before), ics.activity_event(after)]))

    assert events[f"activity-{before.pk}@smartcrm"]["start"] == dt.datetime(
        2026, 10, 24, 7, 0, tzinfo=dt.UTC
    )
    assert events[f"activity-{after.pk}@smartcrm"]["start"] == dt.datetime(
        2026, 10, 25, 8, 0, tzinfo=dt.UTC
    )
    assert events[f"activity-{after.pk}@smartcrm"]["end"] == dt.datetime(
        2026, 10, 25, 9, 0, tzinfo=dt.UTC
    )


def test_an_activity_event_is_in_utc_either_side_of_the_march_change(org, owner, account):
    # Romania goes to summer time (UTC+2 → UTC+3) on 28 March 2027 at 03:00.
    before = _meeting(org, owner, account, local(dt.date(2027, 3, 27), 10))
    after = _meeting(org, owner, account, local(dt.date(2027, 3, 28), 10))

    body = ics.calendar("Test", [ics.activity_event(before), ics.activity_event(after)])

    assert b"DTSTART:20270327T080000Z" in body
    assert b"DTSTART:20270328T070000Z" in body


def test_the_feed_holds_my_planned_activities_and_due_tasks_at_their_utc_instants(
    client, org, owner, sales_user, account
):
    owner.language = "en"  # the feed speaks the member's language
    owner.save(update_fields=["language"])
    today = timezone.localdate(timezone=BUCHAREST)
    october, march = next_last_sunday(10, today), next_last_sunday(3, today)
    mine = {
        "oct_before": _meeting(org, owner, account, local(october - dt.timedelta(days=1), 10)),
        "oct_after": _meeting(org, owner, account, local(october, 10)),
        "mar_before": _meeting(org, owner, account, local(march - dt.timedelta(days=1), 10)),
    }
    task = task_create(org=org, user=owner, title="Trimite oferta", due_at=local(march, 17))
    # not in my feed: a cancelled activity, a done task, a task without a due time, and
    # someone else's activity
    activity_cancel(
        org=org,
        user=owner,
        activity_id=_meeting(org, owner, account, local(october, 12), subject="Anulată").pk,
    )
    done = task_create(org=org, user=owner, title="Gata", due_at=local(march, 9))
    task_complete(org=org, user=owner, task_id=done.pk)
    task_create(org=org, user=owner, title="Fără termen")
    _meeting(org, sales_user, account, local(october, 11), subject="A lui Ion")
    feed = calendar_feed_regenerate(org=org, user=owner)

    response = client.get(feed_path(feed))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    events = _events(response.content)
    summer, winter = dt.timedelta(hours=3), dt.timedelta(hours=2)
    assert events == {
        f"activity-{mine['oct_before'].pk}@smartcrm": {
            "summary": "Meeting: Prezentare",
            "start": dt.datetime.combine(october - dt.timedelta(days=1), dt.time(10), dt.UTC)
            - summer,
            "end": dt.datetime.combine(october - dt.timedelta(days=1), dt.time(11), dt.UTC)
            - summer,
        },
        f"activity-{mine['oct_after'].pk}@smartcrm": {
            "summary": "Meeting: Prezentare",
            "start": dt.datetime.combine(october, dt.time(10), dt.UTC) - winter,
            "end": dt.datetime.combine(october, dt.time(11), dt.UTC) - winter,
        },
        f"activity-{mine['mar_before'].pk}@smartcrm": {
            "summary": "Meeting: Prezentare",
            "start": dt.datetime.combine(march - dt.timedelta(days=1), dt.time(10), dt.UTC)
            - winter,
            "end": dt.datetime.combine(march - dt.timedelta(days=1), dt.time(11), dt.UTC) - winter,
        },
        f"task-{task.pk}@smartcrm": {
            "summary": "Task: Trimite oferta",
            "start": dt.datetime.combine(march, dt.time(17), dt.UTC) - summer,
            "end": dt.datetime.combine(march, dt.time(17, 15), dt.UTC) - summer,
        },
    }


def test_the_feed_needs_the_right_secret(client, org, owner, sales_user):
    mine = calendar_feed_regenerate(org=org, user=owner)
    theirs = calendar_feed_regenerate(org=org, user=sales_user)
    my_secret = feed_path(mine).rsplit("/", 1)[1]

    # another member's feed with my secret, or a made-up secret: not found
    assert client.get(f"/calendar/feed/{theirs.pk}/{my_secret}").status_code == 404
    assert my_secret.endswith(".ics")
    assert client.get(f"/calendar/feed/{mine.pk}/{'0' * 40}.ics").status_code == 404
    assert client.get(feed_path(theirs)).status_code == 200


def test_a_revoked_or_regenerated_address_is_404(client, org, owner):
    first = calendar_feed_regenerate(org=org, user=owner)
    second = calendar_feed_regenerate(org=org, user=owner)

    assert client.get(feed_path(first)).status_code == 404
    assert client.get(feed_path(second)).status_code == 200

    calendar_feed_revoke(org=org, user=owner)

    assert client.get(feed_path(second)).status_code == 404


def test_the_feed_of_someone_who_left_is_404(client, org, owner, sales_user):
    from smartcrm.core.models import Membership

    feed = calendar_feed_regenerate(org=org, user=sales_user)
    membership = Membership.objects.get(organization=org, user=sales_user)
    membership_update(org=org, user=owner, membership_id=membership.pk, is_active=False)

    assert client.get(feed_path(feed)).status_code == 404


def test_an_activity_downloads_as_ics_for_members_only(
    client, org, owner, account, other_org, other_owner
):
    activity = _meeting(org, owner, account, local(dt.date(2026, 10, 25), 10), location="Cluj")
    url = f"/agenda/activities/{activity.pk}.ics"

    client.force_login(owner)
    response = client.get(url)

    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="activity-{activity.pk}.ics"'
    (event,) = Calendar.from_ical(response.content).walk("VEVENT")
    assert event.decoded("DTSTART") == dt.datetime(2026, 10, 25, 8, 0, tzinfo=dt.UTC)
    assert str(event["LOCATION"]) == "Cluj"
    (alarm,) = event.walk("VALARM")
    assert alarm.decoded("TRIGGER") == -dt.timedelta(minutes=15)

    client.force_login(other_owner)
    assert client.get(url).status_code == 404
