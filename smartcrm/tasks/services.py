"""Tasks: create, delegate, move through their statuses, complete."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from smartcrm.core import writes
from smartcrm.core.audit import audit_created, audit_deleted, audit_status, audit_updated
from smartcrm.core.errors import Conflict, ValidationFailed
from smartcrm.core.ids import RecordId
from smartcrm.core.models import Organization, User
from smartcrm.core.modules import Module, require_module
from smartcrm.core.permissions import (
    ensure_member,
    membership_of,
    require_assign_right,
    require_grant,
    require_right_on,
)
from smartcrm.core.search import search_index
from smartcrm.notifications import reminders
from smartcrm.notifications.choices import NotificationKind
from smartcrm.notifications.jobs import job
from smartcrm.notifications.services import notify, page_url, reminder_send
from smartcrm.sales.parents import resolve_parent
from smartcrm.tasks.choices import OPEN_TASK_STATUSES, TASK_TRANSITIONS, TaskStatus
from smartcrm.tasks.models import Task
from smartcrm.trash.services import trash_record

TASK_FIELDS = ("title", "description", "priority", "due_at", "remind_at", "assignee_id")
PARENTS = ("prospect", "account", "offer")


def _check(org: Organization, user: User, task: Task, *, assignee_changed: bool = True) -> None:
    # A task whose assignee has since left can still be completed, cancelled or reassigned.
    if assignee_changed:
        ensure_member(org, task.assignee_id, field="assignee_id", acting=user)
    writes.validate(task, exclude=list(PARENTS))


def _remind_before(task: Task, minutes: Any) -> None:
    """A reminder ``minutes`` before the due time, instead of at it."""
    if minutes is None:
        return
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not 0 <= minutes <= 40320:
        raise ValidationFailed(
            _("Give a whole number of minutes between 0 and 40320 (four weeks)."),
            field="remind_before_minutes",
            code="invalid",
        )
    if task.due_at is None:
        raise ValidationFailed(
            _("A reminder before the due time needs a due time."),
            field="remind_before_minutes",
            code="no_due_time",
        )
    task.remind_at = task.due_at - dt.timedelta(minutes=minutes)


def _is_open(task: Task) -> bool:
    return task.status in OPEN_TASK_STATUSES


def _reschedule(task: Task, *, before: Task | None) -> None:
    """Queue the reminder when it is new, has moved, or the task was reopened."""
    reminders.reschedule(
        task_reminder_send, task, before=before, is_open=_is_open, task_id=str(task.pk)
    )


def _task_page(task: Task) -> str:
    return page_url("tasks:detail", task_id=task.pk) or page_url("tasks:task", task_id=task.pk)


def _tell_assignee(org: Organization, user: User, task: Task) -> None:
    """A task given to someone else tells them so."""
    assignee = task.assignee
    if assignee is None or assignee.pk == user.pk:
        return
    with translation.override(assignee.language or org.language):
        title = _("%(user)s gave you a task: %(title)s") % {"user": user, "title": task.title}
    notify(
        org=org,
        user=assignee,
        kind=NotificationKind.TASK_ASSIGNED,
        title=title,
        body=task.description[:1000],
        url=_task_page(task),
    )


def _holders(task: Task) -> tuple[RecordId | None, ...]:
    """Whose own a task is: its assignee's, and its creator's (who delegated it)."""
    return (task.assignee_id, task.created_by_id)


def _locked(org: Organization, task_id: RecordId, version: int | None) -> Task:
    require_module(org, Module.TASKS)
    return writes.lock(Task.objects.for_org(org), task_id, version=version, label=_("Task"))


@transaction.atomic
def task_create(
    *,
    org: Organization,
    user: User,
    title: str,
    prospect_id: RecordId | None = None,
    account_id: RecordId | None = None,
    offer_id: RecordId | None = None,
    remind_before_minutes: int | None = None,
    **fields: Any,
) -> Task:
    """Create a task, on a record or standing alone; assigned to the acting user by default.

    The reminder is at the due time unless ``remind_at`` or ``remind_before_minutes`` says
    otherwise; the assignee (when not the acting user) is notified."""
    require_module(org, Module.TASKS)
    membership = require_grant(org, user, module="tasks", action="create")
    parent = resolve_parent(
        org=org,
        membership=membership,
        allowed=PARENTS,
        required=False,
        prospect_id=prospect_id,
        account_id=account_id,
        offer_id=offer_id,
    )
    task = Task(organization=org, created_by=user, assignee=user, title=title, **parent)
    writes.apply_changes(task, fields, allowed=TASK_FIELDS)
    if task.remind_at is None and task.due_at is not None:
        task.remind_at = task.due_at
    _remind_before(task, remind_before_minutes)
    _check(org, user, task)
    writes.save(task)
    search_index(task)
    audit_created(org=org, user=user, record=task)
    _reschedule(task, before=None)
    _tell_assignee(org, user, task)
    return task


@transaction.atomic
def task_update(
    *,
    org: Organization,
    user: User,
    task_id: RecordId,
    version: int | None = None,
    remind_before_minutes: int | None = None,
    **changes: Any,
) -> Task:
    """Change a task's details, due time, reminder or assignee.

    Moving the due time moves the reminder with it (same distance before), unless the
    reminder is changed too; a new assignee needs the right to reassign the task, and is
    notified."""
    membership = membership_of(org, user)
    task = _locked(org, task_id, version)
    require_right_on(membership, task, module="tasks", action="edit", label=_("task"))
    if "assignee_id" in changes:
        require_assign_right(
            org,
            user,
            records=[task],
            new_holder=changes["assignee_id"],
            field="assignee_id",
            holders=_holders,
            membership=membership,
            module="tasks",
        )
    before = Task(remind_at=task.remind_at, due_at=task.due_at, status=task.status)
    changed = writes.apply_changes(task, changes, allowed=TASK_FIELDS)
    if "due_at" in changed and "remind_at" not in changes:
        if before.remind_at is not None and before.due_at is not None and task.due_at:
            task.remind_at = task.due_at - (before.due_at - before.remind_at)
        elif before.remind_at is None and before.due_at is None:
            task.remind_at = task.due_at
    if remind_before_minutes is not None:
        _remind_before(task, remind_before_minutes)
    if task.remind_at != before.remind_at and "remind_at" not in changed:
        changed.append("remind_at")
    if changed:
        _check(org, user, task, assignee_changed="assignee_id" in changed)
        _reschedule(task, before=before)
        writes.save(task)
        audit_updated(
            org=org, user=user, record=task, changed=changed, before={"remind_at": before.remind_at}
        )
        if {"title", "description"} & set(changed):
            search_index(task)
        if "assignee_id" in changed:
            _tell_assignee(org, user, task)
    return task


def task_assign(
    *,
    org: Organization,
    user: User,
    task_id: RecordId,
    assignee_id: RecordId,
    version: int | None = None,
) -> Task:
    """Delegate a task to another member."""
    return task_update(
        org=org, user=user, task_id=task_id, version=version, assignee_id=assignee_id
    )


@transaction.atomic
def task_set_status(
    *, org: Organization, user: User, task_id: RecordId, status: str, version: int | None = None
) -> Task:
    """open → in progress → done | canceled; a closed task may be reopened."""
    membership = membership_of(org, user)
    task = _locked(org, task_id, version)
    require_right_on(membership, task, module="tasks", action="edit", label=_("task"))
    if status not in TaskStatus.values:
        raise ValidationFailed(_("Unknown status."), field="status", code="invalid_status")
    if status not in TASK_TRANSITIONS[task.status]:
        raise Conflict(
            _("A task cannot go from “%(old)s” to “%(new)s”.")
            % {"old": TaskStatus(task.status).label, "new": TaskStatus(status).label},
            field="status",
            code="illegal_transition",
        )
    before = Task(remind_at=task.remind_at, status=task.status)
    task.status = status
    task.completed_at = timezone.now() if status == TaskStatus.DONE else None
    _check(org, user, task, assignee_changed=False)
    writes.save(task)
    audit_status(org=org, user=user, record=task, old=before.status, new=status)
    # Done or cancelled: the queued reminder finds the task closed and does nothing.
    _reschedule(task, before=before)
    return task


def task_complete(
    *, org: Organization, user: User, task_id: RecordId, version: int | None = None
) -> Task:
    """Mark a task done."""
    return task_set_status(
        org=org, user=user, task_id=task_id, status=TaskStatus.DONE, version=version
    )


@transaction.atomic
def task_delete(
    *, org: Organization, user: User, task_id: RecordId, version: int | None = None
) -> None:
    """Move a task to the trash (its assignee, its creator, or a manager)."""
    membership = membership_of(org, user)
    task = _locked(org, task_id, version)
    require_right_on(membership, task, module="tasks", action="delete", label=_("task"))
    audit_deleted(org=org, user=user, record=task)
    trash_record(org=org, user=user, record=task)


# --- the reminder, run by the worker ------------------------------------------------------------


def _reminder_message(task: Task) -> tuple[str, str]:
    due = (
        _("Due %(when)s.") % {"when": timezone.localtime(task.due_at).strftime("%d.%m.%Y %H:%M")}
        if task.due_at
        else ""
    )
    title = _("Reminder: %(title)s") % {"title": task.title}
    return title, "\n\n".join(part for part in (due, task.description[:1000]) if part)


@job
def task_reminder_send(*, task_id: str, remind_at: str) -> str:
    """Job: remind the assignee of an open task, once, if the reminder is still at this time."""
    return reminder_send(
        Task,
        record_id=task_id,
        remind_at=remind_at,
        is_open=_is_open,
        recipient_field="assignee_id",
        message=_reminder_message,
        url=_task_page,
    )
