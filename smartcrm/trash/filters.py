"""The trash list's filters and orderings, shared by the API and the page."""

from __future__ import annotations

from django.db.models import F
from ninja import FilterSchema

from smartcrm.api.pagination import Sort
from smartcrm.trash.models import TrashBatch


class TrashFilters(FilterSchema):
    """The trash's filters, on the page and in the API: one kind of record."""

    kind: str | None = None


# The trash's one order, newest first by default (keyset pages on (deleted_at, id)).
TRASH_ORDERINGS = {"deleted_at": Sort(F("deleted_at"), TrashBatch._meta.get_field("deleted_at"))}
