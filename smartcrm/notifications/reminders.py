"""What task and activity reminders share: when to schedule one, when one is late.

A reminder is a job queued for its instant, carrying that instant. When it runs it fires only
if the record still wants a reminder at that very instant and none went out yet (checked
under a row lock), so a moved reminder's old job, a duplicate job, or a second worker change
nothing. A reminder that comes more than ``SMARTCRM_REMINDER_LATE_AFTER`` seconds after its
time (no worker was running) still comes, marked late.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.utils import timezone
from django_tasks.base import Task

from smartcrm.core.models import Membership, Organization, User
from smartcrm.notifications.jobs import enqueue


def late_after() -> dt.timedelta:
    return dt.timedelta(seconds=settings.SMARTCRM_REMINDER_LATE_AFTER)


def schedule(job: Task[..., Any], *, remind_at: dt.datetime | None, **ids: str) -> bool:
    """Queue ``job`` for ``remind_at``; a time already well past is not scheduled (nobody
    needs reminding of a moment gone before the reminder was even set)."""
    if remind_at is None or remind_at < timezone.now() - late_after():
        return False
    enqueue(job, run_after=remind_at, remind_at=remind_at.isoformat(), **ids)
    return True


def reschedule(
    job: Task[..., Any],
    record: Any,
    *,
    before: Any | None,
    is_open: Callable[[Any], bool],
    **ids: str,
) -> None:
    """Queue ``record``'s reminder when it is new or has moved, or the record is open again
    (``is_open``); an old job finds the time changed and does nothing. A moved reminder will
    fire again."""
    moved = before is None or before.remind_at != record.remind_at
    reopened = before is not None and not is_open(before) and is_open(record)
    if moved:
        record.reminder_sent_at = None
    if (moved or reopened) and is_open(record) and not record.reminder_sent_at:
        schedule(job, remind_at=record.remind_at, **ids)


def is_current(wanted: dt.datetime | None, scheduled: str) -> bool:
    """The job's instant is still the record's reminder time."""
    return wanted is not None and wanted == dt.datetime.fromisoformat(scheduled)


def still_member(org: Organization, user: User) -> bool:
    """Someone who left the organisation is reminded of nothing there."""
    return Membership.objects.filter(
        organization=org, user=user, is_active=True, user__is_active=True
    ).exists()


def is_late(remind_at: dt.datetime) -> bool:
    return timezone.now() - remind_at > late_after()
