"""One engine for every list page: the API's filters, keyset pages, sorting, saved filters.

A list page passes its queryset, the app's FilterSchema (the same class its API list
uses, so the web and the API filter alike) and its ordering allow-list; it gets one page
of rows, the cursor of the next page, and the errors of filters it could not apply (a
bad value is named and ignored, never a 500).

    page = list_page(request, selectors.prospect_list(org=org), filters=ProspectFilters,
                     orderings=PROSPECT_ORDERINGS, default="-created_at", key="prospects")
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import FilterSchema
from pydantic import ValidationError

from smartcrm.api.pagination import PageParams, Sort, paginate
from smartcrm.api.problems import ApiProblem
from smartcrm.api.schemas import split_filters

PAGE_SIZE = 50
# Query parameters that are not filters.
LIST_PARAMS = frozenset({"cursor", "ordering", "limit", "saved"})


@dataclass
class ListPage:
    """What a list template shows."""

    key: str
    rows: list[Any]
    next_cursor: str | None
    ordering: str
    default_ordering: str
    filters: dict[str, Any] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    saved_filters: list[Any] = field(default_factory=list)

    @property
    def is_filtered(self) -> bool:
        return any(value not in (None, "") for value in self.filters.values())

    @property
    def is_continuation(self) -> bool:
        """A "load more" request: the template renders only the new rows."""
        return bool(self._cursor)

    _cursor: str | None = None


def _filter_values(request: HttpRequest, schema: type[FilterSchema]) -> dict[str, str]:
    known = schema.model_fields
    values: dict[str, str] = {}
    for name in request.GET:
        value = request.GET.get(name, "")
        if name in known and isinstance(value, str) and value != "" and "\x00" not in value:
            values[name] = value
    return values


def _clean_filters(
    values: dict[str, str], schema: type[FilterSchema]
) -> tuple[FilterSchema, list[str]]:
    """The schema built from the values it accepts; each refused value named once."""
    errors: list[str] = []
    try:
        return schema(**values), errors
    except ValidationError as error:
        refused = {str(issue["loc"][0]) for issue in error.errors() if issue.get("loc")}
        for name in sorted(refused):
            errors.append(
                _("Ignored the filter “%(name)s”: the value is not valid.") % {"name": name}
            )
        kept = {name: value for name, value in values.items() if name not in refused}
        return schema(**kept), errors


def list_page(
    request: HttpRequest,
    queryset: QuerySet[Any],
    *,
    filters: type[FilterSchema],
    orderings: Mapping[str, Sort],
    default: str,
    key: str,
    limit: int = PAGE_SIZE,
) -> ListPage:
    """One page of the filtered, sorted list, from the request's query string."""
    from smartcrm.web.selectors import saved_filters_for

    values = _filter_values(request, filters)
    schema, errors = _clean_filters(values, filters)
    ordering = request.GET.get("ordering") or default
    if ordering.removeprefix("-") not in orderings:
        errors.append(_("Cannot sort by “%(name)s”.") % {"name": ordering})
        ordering = default
    cursor = request.GET.get("cursor") or None
    params = PageParams(limit=limit, cursor=cursor, ordering=ordering, count=False)
    rows_of, search = split_filters(schema, queryset)
    try:
        rows, next_cursor, _total = paginate(
            rows_of, params, orderings=orderings, default=default, search=search
        )
    except ApiProblem:
        # A cursor from another ordering or a forged one: start from the first page.
        errors.append(_("The list was reloaded from the start."))
        params = PageParams(limit=limit, cursor=None, ordering=ordering, count=False)
        rows, next_cursor, _total = paginate(
            rows_of, params, orderings=orderings, default=default, search=search
        )
        cursor = None
    membership = getattr(request, "membership", None)
    saved = (
        saved_filters_for(org=membership.organization, user=membership.user, list_key=key)
        if membership is not None and not cursor
        else []
    )
    page = ListPage(
        key=key,
        rows=rows,
        next_cursor=next_cursor,
        ordering=ordering,
        default_ordering=default,
        filters=values,
        errors=errors,
        saved_filters=saved,
    )
    page._cursor = cursor
    return page
