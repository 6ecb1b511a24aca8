"""The HTTP response of an activity as an .ics file, shared by the API and the page."""

from __future__ import annotations

from django.http import HttpResponse

from smartcrm.activities.models import Activity
from smartcrm.agenda import ics


def ics_response(activity: Activity) -> HttpResponse:
    body = ics.calendar(activity.subject, [ics.activity_event(activity)])
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="activity-{activity.pk}.ics"'
    return response
