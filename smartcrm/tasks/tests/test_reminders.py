"""Task reminders: at the due time or before it, moved with the task, gone when it closes,
fired once by the worker, late when no worker ran; and the assignee hears of a new task."""

from __future__ import annotations

import datetime as dt
import time

from django.utils import timezone

from smartcrm.notifications.choices import NotificationKind
from smartcrm.notifications.models import Notification
from smartcrm.notifications.tests.helpers import jobs_of, run_worker
from smartcrm.tasks.models import Task
from smartcrm.tasks.services import (
    task_assign,
    task_complete,
    task_create,
    task_reminder_send,
    task_set_status,
    task_update,
)


def _reminders(user) -> list[Notification]:
    return list(Notification.objects.filter(user=user, kind=NotificationKind.REMINDER))


def _soon(minutes: int = 60) -> dt.datetime:
    return timezone.now() + dt.timedelta(minutes=minutes)


def test_the_reminder_defaults_to_the_due_time_and_waits_for_it(org, owner):
    due = _soon()

    task = task_create(org=org, user=owner, title="Sună clientul", due_at=due)
    run_worker()

    assert task.remind_at == due
    assert _reminders(owner) == []
    (queued,) = jobs_of("task_reminder_send")
    assert (queued.status, queued.run_after) == ("READY", due)


def test_a_reminder_some_minutes_before_the_due_time(org, owner):
    due = _soon(120)

    task = task_create(org=org, user=owner, title="Ofertă", due_at=due, remind_before_minutes=30)

    assert task.remind_at == due - dt.timedelta(minutes=30)


def test_a_due_reminder_notifies_the_assignee_once(org, owner, sales_user):
    task = task_create(
        org=org,
        user=owner,
        title="Trimite contractul",
        assignee_id=sales_user.pk,
        due_at=_soon(),
        remind_at=timezone.now(),
    )
    # the same reminder queued a second time (a retry, a race) changes nothing
    assert task.remind_at is not None
    task_reminder_send.enqueue(task_id=str(task.pk), remind_at=task.remind_at.isoformat())

    run_worker()
    run_worker()

    (reminder,) = _reminders(sales_user)
    assert reminder.title.endswith("Trimite contractul")
    assert reminder.late is False
    assert reminder.read_at is None
    assert _reminders(owner) == []
    task.refresh_from_db()
    assert task.reminder_sent_at is not None
    assert task.version == 1  # firing a reminder is not an edit


def test_rescheduling_moves_the_reminder_with_the_due_time(org, owner):
    task = task_create(
        org=org, user=owner, title="Demo", due_at=_soon(120), remind_before_minutes=30
    )

    moved = task_update(org=org, user=owner, task_id=task.pk, due_at=_soon(240))

    assert moved.due_at is not None
    assert moved.remind_at == moved.due_at - dt.timedelta(minutes=30)
    assert [job.run_after for job in jobs_of("task_reminder_send").order_by("enqueued_at")] == [
        task.remind_at,
        moved.remind_at,
    ]


def test_a_reminder_moved_to_now_fires_and_its_old_time_does_nothing(org, owner):
    task = task_create(org=org, user=owner, title="Demo", due_at=_soon(120))
    task_update(org=org, user=owner, task_id=task.pk, remind_at=timezone.now())
    # the old job's time comes: it finds the reminder moved
    jobs_of("task_reminder_send").update(run_after=timezone.now())

    run_worker()

    assert len(_reminders(owner)) == 1


def test_a_sent_reminder_moved_later_fires_again_then(org, owner):
    task = task_create(org=org, user=owner, title="Demo", due_at=_soon(), remind_at=timezone.now())
    run_worker()

    later = task_update(org=org, user=owner, task_id=task.pk, remind_at=_soon(30))

    assert later.reminder_sent_at is None
    assert jobs_of("task_reminder_send").filter(status="READY").get().run_after == later.remind_at


def test_completing_or_cancelling_removes_the_reminder(org, owner):
    done = task_create(org=org, user=owner, title="A", due_at=_soon(), remind_at=timezone.now())
    canceled = task_create(org=org, user=owner, title="B", due_at=_soon(), remind_at=timezone.now())
    task_complete(org=org, user=owner, task_id=done.pk)
    task_set_status(org=org, user=owner, task_id=canceled.pk, status="canceled")

    run_worker()

    assert _reminders(owner) == []
    assert Task.objects.filter(reminder_sent_at__isnull=False).count() == 0


def test_a_reminder_already_past_when_set_is_not_scheduled(org, owner):
    task_create(org=org, user=owner, title="Ieri", due_at=timezone.now() - dt.timedelta(days=1))

    run_worker()

    assert not jobs_of("task_reminder_send").exists()
    assert _reminders(owner) == []


def test_a_reminder_due_while_no_worker_ran_comes_late_when_one_starts(org, owner, settings):
    settings.SMARTCRM_REMINDER_LATE_AFTER = 1
    task_create(
        org=org,
        user=owner,
        title="Raport",
        due_at=_soon(),
        remind_at=timezone.now() - dt.timedelta(milliseconds=900),
    )
    time.sleep(0.3)  # no worker runs meanwhile: the reminder is now more than 1 s overdue

    run_worker()

    (reminder,) = _reminders(owner)
    assert reminder.late is True


def test_a_task_given_to_someone_else_notifies_them(org, owner, sales_user, manager):
    task = task_create(org=org, user=owner, title="Vizită", assignee_id=sales_user.pk)
    task_create(org=org, user=owner, title="Pentru mine")

    task_assign(org=org, user=owner, task_id=task.pk, assignee_id=manager.pk)

    (to_sales,) = Notification.objects.filter(user=sales_user)
    (to_manager,) = Notification.objects.filter(user=manager)
    assert to_sales.kind == to_manager.kind == NotificationKind.TASK_ASSIGNED
    assert "Vizită" in to_sales.title
    assert "Ana Popescu" in to_sales.title
    assert not Notification.objects.filter(user=owner).exists()


def test_taking_a_task_oneself_notifies_nobody(org, owner, sales_user):
    task = task_create(org=org, user=owner, title="Vizită", assignee_id=sales_user.pk)

    task_assign(org=org, user=sales_user, task_id=task.pk, assignee_id=sales_user.pk)
    task_update(org=org, user=sales_user, task_id=task.pk, assignee_id=owner.pk)
    task_update(org=org, user=owner, task_id=task.pk, assignee_id=owner.pk)

    assert Notification.objects.filter(user=sales_user).count() == 1  # the first assignment
    assert Notification.objects.filter(user=owner).count() == 1  # given back by sales_user
