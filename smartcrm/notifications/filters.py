"""The notifications list's filters and orderings."""

from __future__ import annotations

from typing import Annotated

from django.db.models import F
from ninja import FilterLookup, FilterSchema
from pydantic import Field

from smartcrm.api.pagination import Sort
from smartcrm.notifications.choices import NotificationKind
from smartcrm.notifications.models import Notification


class NotificationFilters(FilterSchema):
    unread: Annotated[
        bool | None,
        FilterLookup("read_at__isnull"),
        Field(description="true: only unread; false: only read"),
    ] = None
    kind: NotificationKind | None = None


NOTIFICATION_ORDERINGS = {
    "created_at": Sort(F("created_at"), Notification._meta.get_field("created_at")),
}
