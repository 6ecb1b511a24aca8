"""Schemas shared by every module's router."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Generic, TypeVar

from ninja import Schema
from pydantic import AfterValidator, AwareDatetime, ConfigDict, Field

T = TypeVar("T")


def _in_utc(value: dt.datetime) -> dt.datetime:
    try:
        return value.astimezone(dt.UTC)
    except OverflowError:  # 0001-01-01T00:00+05:00 has no UTC equivalent
        raise ValueError("This time is out of range.") from None


# A time sent with any UTC offset is kept, filtered on and answered in UTC (as a later GET
# shows it); a time without an offset is refused rather than guessed.
UtcDatetime = Annotated[AwareDatetime, AfterValidator(_in_utc)]

# The ``q`` of every list: served by the search index (core.search.search_filter).
SEARCH_Q_DESCRIPTION = (
    "Text anywhere in the record, case- and diacritics-blind "
    '("carpati" finds "Carpați", "Ştefan" finds "Ștefan"); combines with the other filters.'
)


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
