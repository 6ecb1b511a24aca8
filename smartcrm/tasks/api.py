"""REST API of the tasks module: things to do, on a record or standing alone."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema, Status
from pydantic import Field

from smartcrm.agenda.selectors import task_is_overdue
from smartcrm.api.concurrency import with_etag
from smartcrm.api.endpoints import (
    actor_in,
    delete_as_caller,
    list_page,
    request_overdue_cutoff,
    write_as_caller,
)
from smartcrm.api.pagination import PageParams
from smartcrm.api.schemas import (
    READ_ERRORS,
    WRITE_ERRORS,
    InputSchema,
    Page,
    UtcDatetime,
)
from smartcrm.core.choices import Priority
from smartcrm.core.modules import Module
from smartcrm.core.selectors import tenant_get
from smartcrm.tasks import services
from smartcrm.tasks.choices import TaskStatus
from smartcrm.tasks.filters import TASK_ORDERINGS, TaskFilters
from smartcrm.tasks.models import Task

router = Router(tags=["tasks"])


class TaskOut(Schema):
    id: uuid.UUID
    title: str
    description: str
    status: TaskStatus
    priority: Priority
    due_at: dt.datetime | None
    remind_at: dt.datetime | None
    reminder_sent_at: dt.datetime | None
    is_overdue: bool = Field(
        description="Open and due before today began in the organisation's time zone"
    )
    assignee_id: uuid.UUID | None
    completed_at: dt.datetime | None
    prospect_id: uuid.UUID | None
    account_id: uuid.UUID | None
    offer_id: uuid.UUID | None
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_is_overdue(task: Task, context: Any) -> bool:
        return task_is_overdue(task, request_overdue_cutoff(context["request"]))


class TaskIn(InputSchema):
    prospect_id: uuid.UUID | None = Field(
        None, description="At most one of prospect_id, account_id and offer_id; none: standalone"
    )
    account_id: uuid.UUID | None = None
    offer_id: uuid.UUID | None = None
    title: str
    description: str = ""
    priority: Priority = Priority.MEDIUM
    due_at: UtcDatetime | None = Field(None, description="With its UTC offset")
    remind_at: UtcDatetime | None = Field(None, description="Defaults to the due time")
    remind_before_minutes: int | None = Field(
        None, description="Remind this many minutes before the due time (instead of remind_at)"
    )
    assignee_id: uuid.UUID | None = Field(None, description="Defaults to the caller")


class TaskPatch(InputSchema):
    title: str | None = None
    description: str | None = None
    priority: Priority | None = None
    due_at: UtcDatetime | None = None
    remind_at: UtcDatetime | None = None
    remind_before_minutes: int | None = Field(
        None, description="Remind this many minutes before the (new) due time"
    )
    assignee_id: uuid.UUID | None = None


class TaskStatusIn(InputSchema):
    status: TaskStatus


class AssignIn(InputSchema):
    assignee_id: uuid.UUID = Field(description="An active member of the organisation")


@router.get(
    "/tasks",
    response={200: Page[TaskOut], **READ_ERRORS},
    summary="List tasks",
    description="Cursor-paginated, soonest due first by default (no due time last); filter by "
    "status, assignee, priority, record, due time (`due_after`, `due_before`: ISO 8601 with a "
    "UTC offset), or `standalone`.",
)
def list_tasks(request: HttpRequest, filters: Query[TaskFilters], page: Query[PageParams]) -> Any:
    actor = actor_in(request, Module.TASKS)
    filters._cutoff = request_overdue_cutoff(request)
    return list_page(
        request,
        Task.objects.for_member(actor.membership, "tasks"),
        filters=filters,
        page=page,
        orderings=TASK_ORDERINGS,
        default="due_at",
    )


@router.post(
    "/tasks",
    response={201: TaskOut, **WRITE_ERRORS},
    summary="Create a task",
    description="On at most one prospect, account or offer; assigned to the caller unless "
    "`assignee_id` says otherwise; the reminder defaults to the due time.",
)
def create_task(request: HttpRequest, response: HttpResponse, payload: TaskIn) -> Any:
    actor = actor_in(request, Module.TASKS)
    task = services.task_create(
        org=actor.org, user=actor.user, **payload.model_dump(exclude_unset=True)
    )
    response["Location"] = f"/api/v1/tasks/{task.pk}"
    return Status(201, with_etag(response, task))


@router.get(
    "/tasks/{task_id}",
    response={200: TaskOut, **READ_ERRORS},
    summary="Get a task",
    description="The ETag header carries the version to send back in If-Match.",
)
def get_task(request: HttpRequest, response: HttpResponse, task_id: uuid.UUID) -> Any:
    actor = actor_in(request, Module.TASKS)
    visible = Task.objects.visible_to(actor.membership, "tasks")
    task = tenant_get(visible, org=actor.org, record_id=task_id)
    return with_etag(response, task)


@router.patch(
    "/tasks/{task_id}",
    response={200: TaskOut, **WRITE_ERRORS},
    summary="Change a task",
    description="Details, due time, reminder, assignee; the status moves through "
    "/status and /complete. With If-Match, a stale version is a 412.",
)
def update_task(
    request: HttpRequest, response: HttpResponse, task_id: uuid.UUID, payload: TaskPatch
) -> Any:
    task = write_as_caller(
        request,
        services.task_update,
        module=Module.TASKS,
        task_id=task_id,
        **payload.model_dump(exclude_unset=True),
    )
    return with_etag(response, task)


@router.delete(
    "/tasks/{task_id}",
    response={204: None, **WRITE_ERRORS},
    summary="Delete a task",
    description="Moves it to the trash (POST /tasks/{id}/restore brings it back). With "
    "If-Match, a stale version is a 412.",
)
def delete_task(request: HttpRequest, task_id: uuid.UUID) -> Any:
    return delete_as_caller(request, services.task_delete, module=Module.TASKS, task_id=task_id)


@router.post(
    "/tasks/{task_id}/complete",
    response={200: TaskOut, **WRITE_ERRORS},
    summary="Complete a task",
    description="open or in_progress → done; from done or canceled it is a 409.",
)
def complete_task(request: HttpRequest, response: HttpResponse, task_id: uuid.UUID) -> Any:
    task = write_as_caller(
        request,
        services.task_complete,
        module=Module.TASKS,
        task_id=task_id,
    )
    return with_etag(response, task)


@router.post(
    "/tasks/{task_id}/status",
    response={200: TaskOut, **WRITE_ERRORS},
    summary="Move a task to another status",
    description="open ↔ in_progress → done | canceled; a done or canceled task may be reopened. "
    "An illegal move is a 409.",
)
def set_task_status(
    request: HttpRequest, response: HttpResponse, task_id: uuid.UUID, payload: TaskStatusIn
) -> Any:
    task = write_as_caller(
        request,
        services.task_set_status,
        module=Module.TASKS,
        task_id=task_id,
        status=payload.status,
    )
    return with_etag(response, task)


@router.post(
    "/tasks/{task_id}/assign",
    response={200: TaskOut, **WRITE_ERRORS},
    summary="Delegate a task",
    description="To another active member of the organisation.",
)
def assign_task(
    request: HttpRequest, response: HttpResponse, task_id: uuid.UUID, payload: AssignIn
) -> Any:
    task = write_as_caller(
        request,
        services.task_assign,
        module=Module.TASKS,
        task_id=task_id,
        assignee_id=payload.assignee_id,
    )
    return with_etag(response, task)
