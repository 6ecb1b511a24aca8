"""Schemas shared by every module's router."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, ClassVar, Generic, TypeVar

from django.db.models import Q, QuerySet
from ninja import FilterSchema, Schema
from pydantic import AfterValidator, AwareDatetime, ConfigDict, Field

from smartcrm.core.search import ListSearch, list_search, search_filter

T = TypeVar("T")


def _in_utc(value: dt.datetime) -> dt.datetime:
    try:
        return value.astimezone(dt.UTC)
    except OverflowError:  # 0001-01-01T00:00+05:00 has no UTC equivalent
        raise ValueError("This time is out of range.") from None


# A time sent with any UTC offset is kept, filtered on and answered in UTC (as a later GET
# shows it); a time without an offset is refused rather than guessed.
UtcDatetime = Annotated[AwareDatetime, AfterValidator(_in_utc)]

# The ``q`` of every list: served by the search index (core.search.list_search).
SEARCH_Q_DESCRIPTION = (
    "Text anywhere in the record, case- and diacritics-blind "
    '("carpati" finds "Carpați", "Ştefan" finds "Ștefan"); combines with the other filters.'
)


class SearchableFilters(FilterSchema):
    """A list's filters with a ``q`` (each declares the field, with its description) that
    the search index answers: the records of ``search_kind``, or whose ``search_also``
    foreign keys point at records found (an offer by its account's name)."""

    q: str | None = None
    search_kind: ClassVar[str]
    search_also: ClassVar[tuple[tuple[str, str], ...]] = ()

    def filter_q(self, value: str | None) -> Q:
        return search_filter(self.search_kind, value, also=self.search_also)

    def split_search(self, queryset: QuerySet[Any]) -> tuple[QuerySet[Any], ListSearch | None]:
        """``queryset`` filtered by everything but ``q``, and ``q``'s search (None without
        one), for a page that walks its order only as far as it must (api.pagination)."""
        search = list_search(self.search_kind, self.q, also=self.search_also)
        rest = self.model_copy(update={"q": None}) if search is not None else self
        return rest.filter(queryset), search


def split_filters(
    filters: FilterSchema, queryset: QuerySet[Any]
) -> tuple[QuerySet[Any], ListSearch | None]:
    """``queryset`` by ``filters``, and the search of a list's ``q`` apart, for
    ``api.pagination.paginate``."""
    if isinstance(filters, SearchableFilters):
        return filters.split_search(queryset)
    return filters.filter(queryset), None


class InputSchema(Schema):
    """Request bodies refuse unknown fields: mass assignment is impossible by construction."""

    model_config = ConfigDict(extra="forbid")


class Page(Schema, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(None, description="Pass as `cursor` for the next page.")
    count: int | None = Field(None, description="Only with `count=true`; capped at 10 000.")
    count_capped: bool | None = None


class ProblemError(Schema):
    field: str | None
    message: str
    code: str


class Problem(Schema):
    """RFC 9457 problem details."""

    type: str
    title: str
    status: int
    detail: str
    code: str
    errors: list[ProblemError] = []


def errors_for(*codes: int) -> dict[int, Any]:
    return {code: Problem for code in codes}


# The problems a record's read and write routes may answer with.
READ_ERRORS = errors_for(400, 401, 404, 429)
WRITE_ERRORS = errors_for(400, 401, 403, 404, 409, 412, 415, 422, 429)
