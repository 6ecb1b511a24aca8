"""Web edge of the agenda: the calendar feed (public, behind its secret), an activity's .ics,
and the member's calendar page."""

from __future__ import annotations

import uuid

from django.http import Http404, HttpRequest, HttpResponse
from django.utils import translation
from django.views.decorators.http import require_GET

from smartcrm.activities.models import Activity
from smartcrm.agenda import ics, selectors
from smartcrm.agenda.responses import ics_response
from smartcrm.core.models import Membership
from smartcrm.notifications.services import page_url
from smartcrm.sales.selectors import hangs_on_hidden, hidden_parents
from smartcrm.web.decorators import member_view, record_or_404


def _task_url(task_id: uuid.UUID) -> str:
    return page_url("tasks:detail", task_id=task_id) or page_url("tasks:task", task_id=task_id)


def _activity_url(activity_id: uuid.UUID) -> str:
    return page_url("activities:detail", activity_id=activity_id) or page_url(
        "activities:activity", activity_id=activity_id
    )


@require_GET
def feed(request: HttpRequest, feed_id: uuid.UUID, secret: str) -> HttpResponse:
    """The member's calendar (no login: calendar apps cannot log in; the secret is the key)."""
    membership = selectors.feed_member(feed_id=feed_id, secret=secret)
    if membership is None:
        raise Http404("No such calendar.")
    org, user = membership.organization, membership.user
    with translation.override(user.language or org.language):
        body = _feed_body(membership)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    response["X-Robots-Tag"] = "noindex"
    return response


def _feed_body(membership: Membership) -> bytes:
    org, user = membership.organization, membership.user
    activities = selectors.feed_activities(membership=membership)
    tasks = selectors.feed_tasks(membership=membership)
    hidden = hidden_parents(member=membership, records=[*activities, *tasks])
    events = [
        ics.activity_event(
            activity,
            url=ics.absolute(_activity_url(activity.pk)),
            about=not hangs_on_hidden(activity, hidden),
        )
        for activity in activities
    ] + [
        ics.task_event(
            task, url=ics.absolute(_task_url(task.pk)), about=not hangs_on_hidden(task, hidden)
        )
        for task in tasks
    ]
    return ics.calendar(
        f"SmartCRM · {org.name} · {user}", events, time_zone=selectors.zone_of(org, user).key
    )


@member_view
@require_GET
def activity_ics(
    request: HttpRequest, membership: Membership, activity_id: uuid.UUID
) -> HttpResponse:
    """One activity as an .ics file, to add to a calendar app."""
    activity = record_or_404(
        Activity.objects.select_related("prospect", "account", "offer"),
        membership,
        activity_id,
        module="activities",
    )
    return ics_response(activity)
