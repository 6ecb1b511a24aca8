"""REST API of notifications: the caller's own, newest first; mark read; e-mail choices."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema
from pydantic import Field

from smartcrm.api.concurrency import set_etag
from smartcrm.api.endpoints import actor_in, list_page
from smartcrm.api.pagination import PageParams, reject_unknown_params
from smartcrm.api.schemas import InputSchema, Page, errors_for
from smartcrm.notifications import selectors, services
from smartcrm.notifications.choices import NotificationKind
from smartcrm.notifications.filters import NOTIFICATION_ORDERINGS, NotificationFilters
from smartcrm.notifications.models import NotificationPreference

router = Router(tags=["notifications"])

READ_ERRORS = errors_for(400, 401, 404, 429)
WRITE_ERRORS = errors_for(400, 401, 403, 404, 409, 412, 415, 422, 429)


class NotificationOut(Schema):
    id: uuid.UUID
    kind: NotificationKind
    title: str
    body: str
    url: str = Field(description="Where it leads: a path in SmartCRM or a full URL")
    read_at: dt.datetime | None
    late: bool = Field(description="A reminder delivered well after its time")
    version: int
    created_at: dt.datetime


class UnreadCountOut(Schema):
    unread: int


@router.get(
    "/notifications",
    response={200: Page[NotificationOut], **READ_ERRORS},
    summary="List my notifications",
    description="The caller's notifications in this organisation, newest first; "
    "`unread=true` keeps the unread ones. Cursor-paginated. One about a record outside the "
    "caller's view scope comes without its title, text and link.",
)
def list_notifications(
    request: HttpRequest, filters: Query[NotificationFilters], page: Query[PageParams]
) -> Any:
    actor = actor_in(request)
    body = list_page(
        request,
        selectors.notification_list(org=actor.org, user=actor.user),
        filters=filters,
        page=page,
        orderings=NOTIFICATION_ORDERINGS,
        default="-created_at",
    )
    body["items"] = selectors.as_seen_by(membership=actor.membership, notifications=body["items"])
    return body


@router.get(
    "/notifications/unread-count",
    response={200: UnreadCountOut, **READ_ERRORS},
    summary="Count my unread notifications",
    description="The number on the bell.",
)
def count_unread_notifications(request: HttpRequest) -> Any:
    reject_unknown_params(request, ())
    actor = actor_in(request)
    return {"unread": selectors.unread_count(org=actor.org, user=actor.user)}


class MarkedOut(Schema):
    marked: int = Field(description="How many were unread")


class PreferencesOut(Schema):
    email: dict[NotificationKind, bool] = Field(
        description="For each kind of notification: whether it also comes by e-mail"
    )


class PreferencesIn(InputSchema):
    email: dict[str, bool] = Field(
        description="Kinds to switch on (true) or off (false); kinds not named keep their setting"
    )


def _preferences_out(preference: NotificationPreference) -> dict[str, Any]:
    return {"email": {kind: preference.wants_email(kind) for kind in NotificationKind.values}}


@router.post(
    "/notifications/read-all",
    response={200: MarkedOut, **WRITE_ERRORS},
    summary="Mark all my notifications read",
    description="Returns how many were unread.",
)
def read_all_notifications(request: HttpRequest) -> Any:
    reject_unknown_params(request, ())
    actor = actor_in(request)
    return {"marked": services.notification_mark_all_read(org=actor.org, user=actor.user)}


@router.get(
    "/notifications/preferences",
    response={200: PreferencesOut, **READ_ERRORS},
    summary="My notification preferences",
    description="Which kinds of notification also come by e-mail (all, until changed).",
)
def get_notification_preferences(request: HttpRequest) -> Any:
    reject_unknown_params(request, ())
    actor = actor_in(request)
    return _preferences_out(selectors.preference_of(org=actor.org, user=actor.user))


@router.patch(
    "/notifications/preferences",
    response={200: PreferencesOut, **WRITE_ERRORS},
    summary="Change my notification preferences",
    description="`email` maps a kind to true (also by e-mail) or false (only in the app).",
)
def update_notification_preferences(request: HttpRequest, payload: PreferencesIn) -> Any:
    actor = actor_in(request)
    preference = services.notification_preferences_update(
        org=actor.org, user=actor.user, email=payload.email
    )
    return _preferences_out(preference)


@router.post(
    "/notifications/{notification_id}/read",
    response={200: NotificationOut, **WRITE_ERRORS},
    summary="Mark a notification read",
    description="Only the caller's own; marking it read again changes nothing.",
)
def read_notification(
    request: HttpRequest, response: HttpResponse, notification_id: uuid.UUID
) -> Any:
    actor = actor_in(request)
    notification = services.notification_mark_read(
        org=actor.org, user=actor.user, notification_id=notification_id
    )
    set_etag(response, notification.version)
    (shown,) = selectors.as_seen_by(membership=actor.membership, notifications=[notification])
    return shown
