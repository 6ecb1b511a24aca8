"""Activity reminders: some minutes before a planned call or meeting, moved with it, gone
when it is done or cancelled, fired once by the worker."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from smartcrm.activities.services import (
    activity_cancel,
    activity_complete,
    activity_create,
    activity_update,
)
from smartcrm.notifications.choices import NotificationKind
from smartcrm.notifications.models import Notification
from smartcrm.notifications.tests.helpers import jobs_of, run_worker
from smartcrm.sales.tests.factories import AccountFactory


@pytest.fixture
def account(org, owner):
    return AccountFactory.create(org=org, user=owner, name="Carpați Logistic SRL")


def _plan(org, owner, account, *, in_minutes: float, **fields):
    values = {
        "kind": "meeting",
        "subject": "Prezentare",
        "start_at": timezone.now() + dt.timedelta(minutes=in_minutes),
        **fields,
    }
    return activity_create(org=org, user=owner, account_id=account.pk, **values)


def _reminders(user) -> list[Notification]:
    return list(Notification.objects.filter(user=user, kind=NotificationKind.REMINDER))


def test_a_planned_meeting_or_call_is_reminded_15_minutes_before(org, owner, account):
    meeting = _plan(org, owner, account, in_minutes=60)
    call = _plan(org, owner, account, in_minutes=60, kind="call")
    mail = _plan(org, owner, account, in_minutes=60, kind="email")

    assert (meeting.reminder_minutes, call.reminder_minutes, mail.reminder_minutes) == (
        15,
        15,
        None,
    )
    assert meeting.remind_at == meeting.start_at - dt.timedelta(minutes=15)
    assert sorted(job.run_after for job in jobs_of("activity_reminder_send")) == sorted(
        [meeting.remind_at, call.remind_at]
    )


def test_the_reminder_fires_once_for_the_owner(org, owner, sales_user, account):
    _plan(
        org,
        owner,
        account,
        in_minutes=10,
        reminder_minutes=10,
        owner_id=sales_user.pk,
        location="Cluj",
    )

    run_worker()
    run_worker()

    (reminder,) = _reminders(sales_user)
    assert reminder.title.endswith("Prezentare")
    assert "Cluj" in reminder.body
    assert reminder.late is False
    assert _reminders(owner) == []


def test_moving_the_activity_moves_its_reminder(org, owner, account):
    activity = _plan(org, owner, account, in_minutes=10, reminder_minutes=10)

    moved = activity_update(
        org=org,
        user=owner,
        activity_id=activity.pk,
        start_at=activity.start_at + dt.timedelta(days=1),
    )
    run_worker()

    assert _reminders(owner) == []
    ready = jobs_of("activity_reminder_send").filter(status="READY").get()
    assert ready.run_after == moved.start_at - dt.timedelta(minutes=10)


def test_no_reminder_when_asked_for_none(org, owner, account):
    activity = _plan(org, owner, account, in_minutes=10, reminder_minutes=10)

    activity_update(org=org, user=owner, activity_id=activity.pk, reminder_minutes=None)
    run_worker()

    assert _reminders(owner) == []


def test_completing_or_cancelling_removes_the_reminder(org, owner, account):
    done = _plan(org, owner, account, in_minutes=5, reminder_minutes=5)
    canceled = _plan(org, owner, account, in_minutes=5, reminder_minutes=5)
    activity_complete(org=org, user=owner, activity_id=done.pk)
    activity_cancel(org=org, user=owner, activity_id=canceled.pk)

    run_worker()

    assert _reminders(owner) == []


def test_a_logged_activity_has_no_reminder(org, owner, account):
    activity_create(
        org=org,
        user=owner,
        account_id=account.pk,
        kind="call",
        subject="Apel",
        status="done",
        start_at=timezone.now() - dt.timedelta(hours=1),
    )

    assert not jobs_of("activity_reminder_send").exists()
