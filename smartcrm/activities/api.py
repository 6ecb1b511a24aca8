"""REST API of the activities module: calls, e-mails and meetings, planned or done."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema, Status
from pydantic import Field

from smartcrm.activities import selectors, services
from smartcrm.activities.choices import ActivityKind, ActivityStatus
from smartcrm.activities.filters import ACTIVITY_ORDERINGS, ActivityFilters
from smartcrm.activities.models import Activity
from smartcrm.agenda.selectors import activity_is_overdue
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
from smartcrm.core.modules import Module

router = Router(tags=["activities"])


class ActivityOut(Schema):
    id: uuid.UUID
    kind: ActivityKind
    subject: str
    description: str
    status: ActivityStatus
    start_at: dt.datetime
    end_at: dt.datetime | None
    location: str
    outcome: str
    owner_id: uuid.UUID | None
    completed_at: dt.datetime | None
    reminder_minutes: int | None = Field(description="Reminder this many minutes before start")
    reminder_sent_at: dt.datetime | None
    is_overdue: bool = Field(
        description="Still planned, and started before today began in the organisation's time zone"
    )
    prospect_id: uuid.UUID | None
    account_id: uuid.UUID | None
    offer_id: uuid.UUID | None
    participant_ids: list[uuid.UUID] = Field(description="Contacts of the activity's record")
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_participant_ids(activity: Activity) -> list[uuid.UUID]:
        # .all() reads the list's prefetched participants instead of one query per row.
        return [contact.pk for contact in activity.participants.all()]

    @staticmethod
    def resolve_is_overdue(activity: Activity, context: Any) -> bool:
        return activity_is_overdue(activity, request_overdue_cutoff(context["request"]))


class ActivityIn(InputSchema):
    prospect_id: uuid.UUID | None = Field(
        None, description="Give exactly one of prospect_id, account_id and offer_id"
    )
    account_id: uuid.UUID | None = None
    offer_id: uuid.UUID | None = None
    kind: ActivityKind
    subject: str
    description: str = ""
    status: ActivityStatus = Field(
        ActivityStatus.PLANNED, description="planned, or done to log one that happened"
    )
    start_at: UtcDatetime = Field(description="With its UTC offset")
    end_at: UtcDatetime | None = None
    location: str = ""
    outcome: str = ""
    owner_id: uuid.UUID | None = Field(None, description="Defaults to the caller")
    reminder_minutes: int | None = Field(
        None,
        ge=0,
        le=10080,
        description="Remind the owner this many minutes before the start; null: no reminder. "
        "Planned calls and meetings default to 15.",
    )
    participant_ids: list[uuid.UUID] = Field(
        [], description="Contacts of the record (for an offer: of its account)"
    )


class ActivityPatch(InputSchema):
    kind: ActivityKind | None = None
    subject: str | None = None
    description: str | None = None
    start_at: UtcDatetime | None = None
    end_at: UtcDatetime | None = None
    location: str | None = None
    outcome: str | None = None
    owner_id: uuid.UUID | None = None
    reminder_minutes: int | None = Field(None, ge=0, le=10080, description="null: no reminder")
    participant_ids: list[uuid.UUID] | None = Field(None, description="Replaces the set")


class CompleteIn(InputSchema):
    outcome: str = Field("", description="What came of it (kept when empty)")


@router.get(
    "/activities",
    response={200: Page[ActivityOut], **READ_ERRORS},
    summary="List activities",
    description="Cursor-paginated; filter by kind, status, owner, record (prospect, account, "
    "offer) and start time (`start_after`, `start_before`: ISO 8601 with a UTC offset); order "
    "by an allowed field.",
)
def list_activities(
    request: HttpRequest, filters: Query[ActivityFilters], page: Query[PageParams]
) -> Any:
    actor = actor_in(request, Module.ACTIVITIES)
    filters._cutoff = request_overdue_cutoff(request)
    return list_page(
        request,
        selectors.activity_list_with_participants(member=actor.membership),
        filters=filters,
        page=page,
        orderings=ACTIVITY_ORDERINGS,
        default="-start_at",
    )


@router.post(
    "/activities",
    response={201: ActivityOut, **WRITE_ERRORS},
    summary="Plan or log an activity",
    description="On exactly one prospect, account or offer. `status=done` logs one that "
    "happened already (it cannot be in the future).",
)
def create_activity(request: HttpRequest, response: HttpResponse, payload: ActivityIn) -> Any:
    actor = actor_in(request, Module.ACTIVITIES)
    activity = services.activity_create(
        org=actor.org, user=actor.user, **payload.model_dump(exclude_unset=True)
    )
    response["Location"] = f"/api/v1/activities/{activity.pk}"
    return Status(201, with_etag(response, activity))


@router.get(
    "/activities/{activity_id}",
    response={200: ActivityOut, **READ_ERRORS},
    summary="Get an activity",
    description="The ETag header carries the version to send back in If-Match.",
)
def get_activity(request: HttpRequest, response: HttpResponse, activity_id: uuid.UUID) -> Any:
    actor = actor_in(request, Module.ACTIVITIES)
    activity = selectors.activity_get(member=actor.membership, activity_id=activity_id)
    return with_etag(response, activity)


@router.patch(
    "/activities/{activity_id}",
    response={200: ActivityOut, **WRITE_ERRORS},
    summary="Change an activity",
    description="Reschedule, rename, note the outcome; `participant_ids` replaces the "
    "participants. With If-Match, a stale version is a 412.",
)
def update_activity(
    request: HttpRequest, response: HttpResponse, activity_id: uuid.UUID, payload: ActivityPatch
) -> Any:
    activity = write_as_caller(
        request,
        services.activity_update,
        module=Module.ACTIVITIES,
        activity_id=activity_id,
        **payload.model_dump(exclude_unset=True),
    )
    return with_etag(response, activity)


@router.delete(
    "/activities/{activity_id}",
    response={204: None, **WRITE_ERRORS},
    summary="Delete an activity",
    description="Moves it to the trash (POST /activities/{id}/restore brings it back). With "
    "If-Match, a stale version is a 412.",
)
def delete_activity(request: HttpRequest, activity_id: uuid.UUID) -> Any:
    return delete_as_caller(
        request, services.activity_delete, module=Module.ACTIVITIES, activity_id=activity_id
    )


@router.post(
    "/activities/{activity_id}/complete",
    response={200: ActivityOut, **WRITE_ERRORS},
    summary="Complete an activity",
    description="planned → done, optionally with its `outcome`; anything else is a 409.",
)
def complete_activity(
    request: HttpRequest, response: HttpResponse, activity_id: uuid.UUID, payload: CompleteIn
) -> Any:
    activity = write_as_caller(
        request,
        services.activity_complete,
        module=Module.ACTIVITIES,
        activity_id=activity_id,
        outcome=payload.outcome,
    )
    return with_etag(response, activity)


@router.post(
    "/activities/{activity_id}/cancel",
    response={200: ActivityOut, **WRITE_ERRORS},
    summary="Cancel an activity",
    description="planned → canceled; anything else is a 409.",
)
def cancel_activity(request: HttpRequest, response: HttpResponse, activity_id: uuid.UUID) -> Any:
    activity = write_as_caller(
        request,
        services.activity_cancel,
        module=Module.ACTIVITIES,
        activity_id=activity_id,
    )
    return with_etag(response, activity)
