"""Reads of activities: what a member's view scope of activities shows."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.db.models import QuerySet

from smartcrm.activities.choices import ActivityStatus
from smartcrm.activities.models import Activity
from smartcrm.core.models import Membership
from smartcrm.core.selectors import tenant_get


def activity_list(*, member: Membership) -> QuerySet[Activity]:
    """The activities the member's view scope shows, with what a page's row names: the
    owner and the record each hangs on."""
    return Activity.objects.for_member(member, "activities").select_related(
        "owner", "prospect", "account", "offer"
    )


def activity_list_with_participants(*, member: Membership) -> QuerySet[Activity]:
    """The activities the member's view scope shows, with their participants (the API's
    rows carry their ids)."""
    return Activity.objects.for_member(member, "activities").prefetch_related("participants")


def activity_get(*, member: Membership, activity_id: uuid.UUID | str) -> Activity:
    """One activity the member's view scope shows, with its participants, or NotFound
    (another organisation's, one outside the scope and an unknown id alike)."""
    visible = Activity.objects.visible_to(member, "activities")
    return tenant_get(
        visible.prefetch_related("participants"), org=member.organization, record_id=activity_id
    )


def record_activities(
    *, member: Membership, parent_kind: str, parent: Any
) -> tuple[QuerySet[Activity], QuerySet[Activity]]:
    """The activities of a prospect, account or offer the member sees, with their owners and
    participants: the planned ones (soonest first), and the others (latest first)."""
    mine = Activity.objects.for_member(member, "activities").filter(**{parent_kind: parent})
    rows = mine.select_related("owner").prefetch_related("participants")
    planned = rows.filter(status=ActivityStatus.PLANNED).order_by("start_at", "id")
    past = rows.exclude(status=ActivityStatus.PLANNED).order_by("-start_at", "-id")
    return planned, past


def calendar_activities(
    *, member: Membership, since: dt.datetime, until: dt.datetime
) -> QuerySet[Activity]:
    """The activities the member sees starting in [since, until), canceled ones left out,
    in order of their start; with their owners and records."""
    return (
        Activity.objects.for_member(member, "activities")
        .select_related("owner", "prospect", "account", "offer")
        .filter(start_at__gte=since, start_at__lt=until)
        .exclude(status=ActivityStatus.CANCELED)
        .order_by("start_at", "id")
    )
