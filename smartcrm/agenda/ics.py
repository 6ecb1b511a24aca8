"""iCalendar (RFC 5545) documents of activities and tasks, built with ``icalendar``.

Times are written in UTC (``…Z``): every calendar app reads them, and an instant in UTC is
right on both sides of a summer/winter time change, whatever zone the reader is in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Alarm, Calendar, Event

from smartcrm.activities.choices import ActivityKind, ActivityStatus
from smartcrm.activities.models import Activity
from smartcrm.tasks.models import Task

PRODID = "-//SmartCRM//SmartCRM agenda//RO"
UID_DOMAIN = "smartcrm"
# A task is a moment, not a span; calendar apps hide zero-length events, so it lasts this.
TASK_LENGTH = dt.timedelta(minutes=15)
# An activity without an end lasts this long in the calendar.
ACTIVITY_LENGTH = dt.timedelta(minutes=30)


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC)


def _record_of(item: Activity | Task) -> Any:
    return item.prospect or item.account or item.offer


def _stamp(item: Activity | Task) -> dt.datetime:
    return _utc(item.updated_at or timezone.now())


def activity_event(activity: Activity, *, url: str = "", about: bool = True) -> Event:
    """One VEVENT: its UTC start and end, what, where, about which record (unless ``about``
    is false: a record the reader may not see); a VALARM when the activity has a reminder."""
    event = Event()
    event.add("uid", f"activity-{activity.pk}@{UID_DOMAIN}")
    event.add("dtstamp", _stamp(activity))
    event.add("last-modified", _stamp(activity))
    event.add("sequence", activity.version)
    event.add("dtstart", _utc(activity.start_at))
    event.add("dtend", _utc(activity.end_at or activity.start_at + ACTIVITY_LENGTH))
    kind = ActivityKind(activity.kind).label
    event.add("summary", f"{kind}: {activity.subject}")
    record = _record_of(activity) if about else None
    description = [str(record)] if record is not None else []
    if activity.description:
        description.append(activity.description)
    if activity.outcome:
        description.append(activity.outcome)
    if description:
        event.add("description", "\n\n".join(description))
    if activity.location:
        event.add("location", activity.location)
    if url:
        event.add("url", url)
    event.add("status", "CONFIRMED" if activity.status != ActivityStatus.CANCELED else "CANCELLED")
    if activity.reminder_minutes is not None and activity.status == ActivityStatus.PLANNED:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", activity.subject)
        alarm.add("trigger", -dt.timedelta(minutes=activity.reminder_minutes))
        event.add_component(alarm)
    return event


def task_event(task: Task, *, url: str = "", about: bool = True) -> Event:
    """One VEVENT at the task's due time (calendar apps do not all show VTODO); naming the
    record it is about unless ``about`` is false (a record the reader may not see)."""
    assert task.due_at is not None
    event = Event()
    event.add("uid", f"task-{task.pk}@{UID_DOMAIN}")
    event.add("dtstamp", _stamp(task))
    event.add("last-modified", _stamp(task))
    event.add("sequence", task.version)
    event.add("dtstart", _utc(task.due_at))
    event.add("dtend", _utc(task.due_at + TASK_LENGTH))
    event.add("summary", _("Task: %(title)s") % {"title": task.title})
    record = _record_of(task) if about else None
    description = [str(record)] if record is not None else []
    if task.description:
        description.append(task.description)
    if description:
        event.add("description", "\n\n".join(description))
    if url:
        event.add("url", url)
    event.add("transp", "TRANSPARENT")  # a deadline does not make the person busy
    if task.remind_at is not None and task.remind_at <= task.due_at:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", task.title)
        alarm.add("trigger", task.remind_at - task.due_at)
        event.add_component(alarm)
    return event


def calendar(name: str, events: Iterable[Event], *, time_zone: str = "") -> bytes:
    """A VCALENDAR holding ``events``, serialised (CRLF lines, folded at 75 octets)."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    if time_zone:
        cal.add("x-wr-timezone", time_zone)
    # Subscribers look again every hour (Google Calendar decides for itself).
    cal.add("refresh-interval", dt.timedelta(hours=1), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT1H")
    for event in events:
        cal.add_component(event)
    return cal.to_ical()


def absolute(path: str) -> str:
    return settings.SMARTCRM_PUBLIC_URL + path if path.startswith("/") else path
