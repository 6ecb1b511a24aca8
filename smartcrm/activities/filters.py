"""The activities lists' filters and orderings, shared by the API, the pages and the exports."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

from django.db.models import F, Q
from ninja import FilterLookup
from pydantic import Field, PrivateAttr

from smartcrm.activities.choices import ActivityKind, ActivityStatus
from smartcrm.activities.models import Activity
from smartcrm.api.pagination import Sort
from smartcrm.api.schemas import SEARCH_Q_DESCRIPTION, SearchableFilters, UtcDatetime


class ActivityFilters(SearchableFilters):
    search_kind = "activity"

    kind: ActivityKind | None = None
    status: ActivityStatus | None = None
    owner_id: uuid.UUID | None = None
    prospect_id: uuid.UUID | None = None
    account_id: uuid.UUID | None = None
    offer_id: uuid.UUID | None = None
    start_after: Annotated[UtcDatetime | None, FilterLookup("start_at__gte")] = None
    start_before: Annotated[UtcDatetime | None, FilterLookup("start_at__lt")] = None
    overdue: bool | None = Field(
        None,
        description="true: still planned but started before today (organisation's time zone); "
        "false: all others",
    )
    q: str | None = Field(None, description=SEARCH_Q_DESCRIPTION + " Subject, notes, record.")
    # Set by the handler: today's start in the organisation's time zone.
    _cutoff: dt.datetime = PrivateAttr(default_factory=lambda: dt.datetime.now(dt.UTC))

    def filter_overdue(self, value: bool | None) -> Q:
        if value is None:
            return Q()
        overdue = Q(status=ActivityStatus.PLANNED, start_at__lt=self._cutoff)
        return overdue if value else ~overdue


ACTIVITY_ORDERINGS = {
    "start_at": Sort(F("start_at"), Activity._meta.get_field("start_at")),
    "created_at": Sort(F("created_at"), Activity._meta.get_field("created_at")),
}
