"""REST API of the agenda: my calendar feed address, my daily agenda e-mail, an activity as
an .ics file."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from smartcrm.activities.models import Activity
from smartcrm.agenda import ics, selectors, services
from smartcrm.agenda.models import CalendarFeed, DailyAgenda
from smartcrm.agenda.responses import ics_response
from smartcrm.api.endpoints import actor_in, no_content
from smartcrm.api.pagination import reject_unknown_params
from smartcrm.api.schemas import InputSchema, errors_for
from smartcrm.core.modules import Module
from smartcrm.core.selectors import tenant_get

router = Router(tags=["agenda"])

READ_ERRORS = errors_for(400, 401, 404, 429)
WRITE_ERRORS = errors_for(400, 401, 403, 404, 409, 412, 415, 422, 429)


class FeedOut(Schema):
    url: str | None = Field(
        description="The secret address to subscribe to in a calendar app; null: none yet"
    )
    created_at: dt.datetime | None = None


class DailyAgendaOut(Schema):
    enabled: bool
    send_at: str = Field(description="Local time, HH:MM, in the member's time zone")
    next_at: dt.datetime | None = Field(description="When the next one goes out")


class DailyAgendaIn(InputSchema):
    enabled: bool
    send_at: dt.time | None = Field(None, description="Local time, HH:MM; kept when omitted")


def _feed_out(feed: CalendarFeed | None) -> dict[str, Any]:
    if feed is None:
        return {"url": None, "created_at": None}
    return {"url": ics.absolute(selectors.feed_path(feed)), "created_at": feed.created_at}


def _agenda_out(agenda: DailyAgenda) -> dict[str, Any]:
    return {
        "enabled": agenda.enabled,
        "send_at": agenda.send_at.strftime("%H:%M"),
        "next_at": agenda.next_at,
    }


@router.get(
    "/agenda/feed",
    response={200: FeedOut, **READ_ERRORS},
    summary="My calendar feed address",
    description="The secret iCalendar address of my planned activities and due tasks.",
)
def get_feed(request: HttpRequest) -> Any:
    reject_unknown_params(request, ())
    actor = actor_in(request)
    return _feed_out(selectors.active_feed(org=actor.org, user=actor.user))


@router.post(
    "/agenda/feed",
    response={201: FeedOut, **WRITE_ERRORS},
    summary="Make a new calendar feed address",
    description="The previous address, if any, stops working.",
)
def regenerate_feed(request: HttpRequest) -> Any:
    actor = actor_in(request)
    return Status(201, _feed_out(services.calendar_feed_regenerate(org=actor.org, user=actor.user)))


@router.delete(
    "/agenda/feed",
    response={204: None, **WRITE_ERRORS},
    summary="Revoke my calendar feed address",
    description="Calendar apps subscribed to it get 404 from now on.",
)
def revoke_feed(request: HttpRequest) -> Any:
    actor = actor_in(request)
    services.calendar_feed_revoke(org=actor.org, user=actor.user)
    return no_content()


@router.get(
    "/agenda/daily",
    response={200: DailyAgendaOut, **READ_ERRORS},
    summary="My daily agenda e-mail",
    description="Whether it is on, and at what local time.",
)
def get_daily_agenda(request: HttpRequest) -> Any:
    reject_unknown_params(request, ())
    actor = actor_in(request)
    return _agenda_out(selectors.daily_agenda_of(org=actor.org, user=actor.user))


@router.put(
    "/agenda/daily",
    response={200: DailyAgendaOut, **WRITE_ERRORS},
    summary="Switch my daily agenda e-mail on or off",
    description="Today's activities and due or overdue tasks, by e-mail at a local time.",
)
def set_daily_agenda(request: HttpRequest, payload: DailyAgendaIn) -> Any:
    actor = actor_in(request)
    agenda = services.daily_agenda_set(
        org=actor.org, user=actor.user, enabled=payload.enabled, send_at=payload.send_at
    )
    return _agenda_out(agenda)


ICS_RESPONSE = {
    "responses": {
        200: {
            "description": "An iCalendar (RFC 5545) document with the one event",
            "headers": {
                "Content-Disposition": {
                    "description": 'attachment; filename="activity-<id>.ics"',
                    "schema": {"type": "string"},
                }
            },
            "content": {"text/calendar": {"schema": {"type": "string"}}},
        }
    }
}


@router.get(
    "/activities/{activity_id}/ics",
    response={200: None, **READ_ERRORS},
    summary="An activity as an .ics file",
    description="An iCalendar document with the one event (times in UTC), to add to a "
    "calendar app.",
    openapi_extra=ICS_RESPONSE,
)
def activity_ics(request: HttpRequest, activity_id: uuid.UUID) -> Any:
    reject_unknown_params(request, ())
    actor = actor_in(request, Module.ACTIVITIES)
    activity = tenant_get(
        Activity.objects.visible_to(actor.membership, "activities").select_related(
            "prospect", "account", "offer"
        ),
        org=actor.org,
        record_id=activity_id,
    )
    return ics_response(activity)
