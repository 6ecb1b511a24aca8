"""Keyset (cursor) pagination with an ordering allow-list and a capped count.

The cursor carries the last row's sort value and id, so a page is one indexed range scan
whatever its depth, and rows inserted meanwhile neither repeat nor push rows off a page.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Expression, F, Q, QuerySet
from django.http import HttpRequest
from ninja import Schema
from pydantic import Field

from smartcrm.api.problems import ApiProblem

COUNT_CAP = 10_000
PAGE_PARAMS = frozenset({"limit", "cursor", "ordering", "count"})


class PageParams(Schema):
    limit: int = Field(50, ge=1, le=200, description="Items per page (1 to 200).")
    cursor: str | None = Field(None, description="`next_cursor` of the previous page.")
    ordering: str | None = Field(
        None, description="A field of the allow-list, `-field` for descending."
    )
    count: bool = Field(False, description="Also return the total (capped at 10 000).")


@dataclass(frozen=True)
class Sort:
    """One allowed ordering: the expression sorted on (NULLs coalesced by the caller)."""

    expression: Expression | F
    output: Any = None  # a model field used to read the cursor value back


def reject_unknown_params(request: HttpRequest, allowed: Iterable[str]) -> None:
    """A query parameter that the endpoint does not know is a 400 naming it (never ignored)."""
    known = set(allowed) | PAGE_PARAMS
    for name, values in request.GET.lists():
        if name not in known:
            raise ApiProblem(
                400, f"Unknown query parameter “{name}”.", field=name, code="unknown_parameter"
            )
        # No database stores NUL in text; PostgreSQL would fail on it.
        if any("\x00" in value for value in values):
            raise ApiProblem(
                400,
                "Remove the NUL character from this parameter.",
                field=name,
                code="nul_character",
            )


def _encode(payload: list[Any]) -> str:
    raw = json.dumps(payload, separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        payload = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise ApiProblem(
            400, "This cursor is not one we gave out.", field="cursor", code="invalid_cursor"
        ) from None
    if not isinstance(payload, list) or len(payload) != 3:
        raise ApiProblem(
            400, "This cursor is not one we gave out.", field="cursor", code="invalid_cursor"
        )
    return payload


def paginate(
    queryset: QuerySet[Any],
    params: PageParams,
    *,
    orderings: Mapping[str, Sort],
    default: str,
) -> tuple[list[Any], str | None, int | None]:
    """One page of ``queryset``: (rows, next_cursor, count or None)."""
    ordering = params.ordering or default
    key = ordering.removeprefix("-")
    if key not in orderings:
        allowed = ", ".join(sorted(orderings))
        raise ApiProblem(
            400,
            f"Cannot order by “{ordering}”; use one of: {allowed}.",
            field="ordering",
            code="invalid_ordering",
        )
    descending = ordering.startswith("-")
    sort = orderings[key]
    total = None
    if params.count:
        total = queryset[: COUNT_CAP + 1].count()
    rows = queryset.annotate(_sort=sort.expression)
    if params.cursor:
        cursor_key, value, last_id = _decode(params.cursor)
        if cursor_key != ordering:
            raise ApiProblem(
                400,
                "The cursor belongs to another ordering.",
                field="cursor",
                code="invalid_cursor",
            )
        if sort.output is not None and value is not None:
            try:
                value = sort.output.to_python(value)
            except Exception:
                raise ApiProblem(
                    400,
                    "This cursor is not one we gave out.",
                    field="cursor",
                    code="invalid_cursor",
                ) from None
        try:
            last_id = uuid.UUID(str(last_id))
        except ValueError:
            raise ApiProblem(
                400, "This cursor is not one we gave out.", field="cursor", code="invalid_cursor"
            ) from None
        op = "lt" if descending else "gt"
        after = Q(**{f"_sort__{op}": value}) | Q(_sort=value, **{f"id__{op}": last_id})
        if value is not None:
            # The same rows, with a bound the (…, sort, id) index starts its scan at: a deep
            # page reads from where the last one stopped, not from the list's start.
            after &= Q(**{f"_sort__{op}e": value})
        rows = rows.filter(after)
    order = ("-_sort", "-id") if descending else ("_sort", "id")
    page = list(rows.order_by(*order)[: params.limit + 1])
    next_cursor = None
    if len(page) > params.limit:
        page = page[: params.limit]
        last = page[-1]
        next_cursor = _encode([ordering, last._sort, str(last.pk)])
    return page, next_cursor, total


def page_response(rows: list[Any], next_cursor: str | None, total: int | None) -> dict[str, Any]:
    body: dict[str, Any] = {"items": rows, "next_cursor": next_cursor}
    if total is not None:
        body["count"] = min(total, COUNT_CAP)
        body["count_capped"] = total > COUNT_CAP
    return body
