"""Tasks: create, delegate, move through their statuses, complete."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from smartcrm.core import writes
from smartcrm.core.errors import Conflict, ValidationFailed
from smartcrm.core.ids import RecordId
from smartcrm.core.models import Organization, User
from smartcrm.core.modules import Module, require_module
from smartcrm.core.permissions import ensure_member, membership_of
from smartcrm.sales.parents import resolve_parent
from smartcrm.tasks.choices import TASK_TRANSITIONS, TaskStatus
from smartcrm.tasks.models import Task

TASK_FIELDS = ("title", "description", "priority", "due_at", "remind_at", "assignee_id")
PARENTS = ("prospect", "account", "offer")


def _check(org: Organization, task: Task, *, assignee_changed: bool = True) -> None:
    # A task whose assignee has since left can still be completed, cancelled or reassigned.
    if assignee_changed:
        ensure_member(org, task.assignee_id, field="assignee_id")
    writes.validate(task, exclude=list(PARENTS))


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
    **fields: Any,
) -> Task:
    """Create a task, on a record or standing alone; assigned to the acting user by default."""
    require_module(org, Module.TASKS)
    membership_of(org, user)
    parent = resolve_parent(
        org=org,
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
    _check(org, task)
    return writes.save(task)


@transaction.atomic
def task_update(
    *,
    org: Organization,
    user: User,
    task_id: RecordId,
    version: int | None = None,
    **changes: Any,
) -> Task:
    """Change a task's details, due time, reminder or assignee."""
    membership_of(org, user)
    task = _locked(org, task_id, version)
    changed = writes.apply_changes(task, changes, allowed=TASK_FIELDS)
    if changed:
        _check(org, task, assignee_changed="assignee_id" in changed)
        writes.save(task)
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
    membership_of(org, user)
    task = _locked(org, task_id, version)
    if status not in TaskStatus.values:
        raise ValidationFailed(_("Unknown status."), field="status", code="invalid_status")
    if status not in TASK_TRANSITIONS[task.status]:
        raise Conflict(
            _("A task cannot go from “%(old)s” to “%(new)s”.")
            % {"old": TaskStatus(task.status).label, "new": TaskStatus(status).label},
            field="status",
            code="illegal_transition",
        )
    task.status = status
    task.completed_at = timezone.now() if status == TaskStatus.DONE else None
    _check(org, task, assignee_changed=False)
    return writes.save(task)


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
    membership_of(org, user)
    _locked(org, task_id, version).delete()
