"""The tasks list's filters and orderings, shared by the API, the pages and the exports."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

from django.db.models import Case, F, IntegerField, Q, Value, When
from ninja import FilterLookup
from pydantic import Field, PrivateAttr

from smartcrm.api.pagination import Sort
from smartcrm.api.schemas import SEARCH_Q_DESCRIPTION, SearchableFilters, UtcDatetime
from smartcrm.core.choices import Priority
from smartcrm.tasks.choices import OPEN_TASK_STATUSES, TaskStatus
from smartcrm.tasks.models import Task, due_sort


class TaskFilters(SearchableFilters):
    search_kind = "task"

    status: TaskStatus | None = None
    assignee_id: uuid.UUID | None = None
    priority: Priority | None = None
    prospect_id: uuid.UUID | None = None
    account_id: uuid.UUID | None = None
    offer_id: uuid.UUID | None = None
    due_after: Annotated[UtcDatetime | None, FilterLookup("due_at__gte")] = None
    due_before: Annotated[UtcDatetime | None, FilterLookup("due_at__lt")] = None
    standalone: bool | None = Field(
        None, description="true: tasks on no record; false: tasks on a record"
    )
    overdue: bool | None = Field(
        None,
        description="true: open tasks due before today (in the organisation's time zone); "
        "false: all others",
    )
    q: str | None = Field(None, description=SEARCH_Q_DESCRIPTION + " Title, description, record.")
    # Set by the handler: today's start in the organisation's time zone.
    _cutoff: dt.datetime = PrivateAttr(default_factory=lambda: dt.datetime.now(dt.UTC))

    def filter_standalone(self, value: bool | None) -> Q:
        on_no_record = Q(prospect__isnull=True, account__isnull=True, offer__isnull=True)
        return on_no_record if value else ~on_no_record

    def filter_overdue(self, value: bool | None) -> Q:
        if value is None:
            return Q()
        cutoff = self._cutoff
        overdue = Q(status__in=OPEN_TASK_STATUSES, due_at__lt=cutoff)
        return overdue if value else ~overdue


TASK_ORDERINGS = {
    "due_at": Sort(due_sort(), Task._meta.get_field("due_at")),
    "created_at": Sort(F("created_at"), Task._meta.get_field("created_at")),
    # By rank, not alphabetically: low < medium < high.
    "priority": Sort(
        Case(
            When(priority=Priority.LOW, then=Value(1)),
            When(priority=Priority.MEDIUM, then=Value(2)),
            When(priority=Priority.HIGH, then=Value(3)),
            default=Value(0),
            output_field=IntegerField(),
        ),
        IntegerField(),
    ),
}
