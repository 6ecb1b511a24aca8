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

from django.db.models import BooleanField, Exists, Expression, F, Q, QuerySet
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from ninja import Schema
from pydantic import Field

from smartcrm.api.problems import ApiProblem
from smartcrm.core.search import ListSearch

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


# The order a common term needs no walk in: it is common for being found among the newest
# rows (core.search.list_search).
NEWEST_FIRST = "-created_at"
# How far a page walks its list's order looking for a common term's matches before it
# gathers them all and sorts them instead (see paginate).
SEARCH_WALK = 2000


def paginate(
    queryset: QuerySet[Any],
    params: PageParams,
    *,
    orderings: Mapping[str, Sort],
    default: str,
    search: ListSearch | None = None,
) -> tuple[list[Any], str | None, int | None]:
    """One page of ``queryset``, filtered by ``search`` (a list's ``q``) when given:
    (rows, next_cursor, count or None).

    A common term's matches are many, but may all lie far along the list's order (every
    "Popescu" under P when the list is sorted by last name): the database, expecting them
    everywhere, would walk the order from its start. So the page walks the first
    SEARCH_WALK rows of its order, and when they do not fill it, gathers every match and
    sorts them (an ordering no index serves), a cost that grows with the matches, not with
    the list. The newest-first order needs neither: a common term is one found among the
    newest rows."""
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
    after = _after(params.cursor, ordering, sort, descending)
    total = None
    if params.count:
        counted = queryset if search is None else queryset.filter(search.condition)
        total = counted[: COUNT_CAP + 1].count()
    order = ("-_sort", "-id") if descending else ("_sort", "id")
    rows = queryset.annotate(_sort=sort.expression).filter(after)
    size = params.limit + 1
    if search is None:
        page = list(rows.order_by(*order)[:size])
    elif not search.common or ordering == NEWEST_FIRST:
        page = list(rows.filter(search.condition).order_by(*order)[:size])
    else:
        # The matches among the first SEARCH_WALK rows of the order (up to the last of them:
        # its sort value bounds the index scan, the pair (sort, id) the rows), and whether
        # the list goes on past them; if it does and they do not fill the page, gather.
        walked = rows.order_by(*order).values("_sort", "id")[:SEARCH_WALK]
        beyond = rows.values("id")[SEARCH_WALK : SEARCH_WALK + 1]
        walk = (
            rows.filter(search.probe)
            .filter(_WithinWalk(walked, descending=descending, pair=False))
            .filter(_WithinWalk(walked, descending=descending, pair=True))
            .annotate(_beyond=Exists(beyond))
            .order_by(*order)
        )
        page = list(walk[:size])
        if len(page) < size and (not page or page[0]._beyond):
            unwalked = Coalesce(sort.expression, sort.expression)
            gathered = queryset.annotate(_sort=unwalked).filter(after, search.condition)
            page = list(gathered.order_by(*order)[:size])
    next_cursor = None
    if len(page) > params.limit:
        page = page[: params.limit]
        last = page[-1]
        next_cursor = _encode([ordering, last._sort, str(last.pk)])
    return page, next_cursor, total


class _WithinWalk(Expression):
    """The rows up to the last of ``walked`` (the first rows of a list, ``_sort`` and ``id``
    in its order): ``_sort`` at most its sort value (what an index on the sort stops its
    scan at), or with ``pair`` the row comparison ``(_sort, id)`` at most its pair; at least
    for a descending order. Always true of a list's rows when it has none."""

    output_field = BooleanField()
    conditional = True

    def __init__(self, walked: QuerySet[Any], *, descending: bool, pair: bool) -> None:
        super().__init__()
        self.walked = walked
        self.descending = descending
        self.pair = pair
        self.sort: Any = None  # the row's ``_sort`` and ``id``, once resolved
        self.pk: Any = None

    def resolve_expression(self, *args: Any, **kwargs: Any) -> _WithinWalk:
        resolved = super().resolve_expression(*args, **kwargs)
        resolved.sort = F("_sort").resolve_expression(*args, **kwargs)
        resolved.pk = F("id").resolve_expression(*args, **kwargs)
        return resolved

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, tuple[Any, ...]]:
        walked_sql, walked_params = self.walked.query.sql_with_params()
        direction, operator = ("ASC", ">=") if self.descending else ("DESC", "<=")
        sort_sql, sort_params = compiler.compile(self.sort)
        columns, left, params = "walked._sort", sort_sql, list(sort_params)
        if self.pair:
            pk_sql, pk_params = compiler.compile(self.pk)
            columns, left = "walked._sort, walked.id", f"({sort_sql}, {pk_sql})"
            params += pk_params
        last = (
            f"(SELECT {columns} FROM ({walked_sql}) walked "
            f"ORDER BY walked._sort {direction}, walked.id {direction} LIMIT 1)"
        )
        return f"{left} {operator} {last}", (*params, *walked_params)


def _after(cursor: str | None, ordering: str, sort: Sort, descending: bool) -> Q:
    """The rows after ``cursor``'s (all of them without one)."""
    if not cursor:
        return Q()
    cursor_key, value, last_id = _decode(cursor)
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
    return after


def page_response(rows: list[Any], next_cursor: str | None, total: int | None) -> dict[str, Any]:
    body: dict[str, Any] = {"items": rows, "next_cursor": next_cursor}
    if total is not None:
        body["count"] = min(total, COUNT_CAP)
        body["count_capped"] = total > COUNT_CAP
    return body
