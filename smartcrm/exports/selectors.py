"""Reading an export: the filtered, ordered rows of a list, a chunk at a time."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import pydantic
from django.utils.translation import gettext as _

from smartcrm.core.errors import FieldIssue, ValidationFailed
from smartcrm.core.models import Membership, Organization, TenantQuerySet
from smartcrm.core.modules import require_module
from smartcrm.exports.kinds import KINDS, Column, ExportKind

if TYPE_CHECKING:
    from ninja import FilterSchema

CHUNK_SIZE = 2000
# The kinds whose rows a member's scope narrows: every kind (each is a grant module).
SCOPED_KINDS = frozenset(
    {"prospects", "accounts", "contacts", "offers", "activities", "tasks", "products"}
)
# Query-string names that are not filters: what to write, and the list's own paging.
CONTROL_PARAMS = frozenset({"format", "columns", "ordering"})
IGNORED_PARAMS = frozenset({"limit", "cursor", "count", "page", "saved"})


@dataclass(frozen=True)
class Export:
    """What to write: the kind, its columns, and the rows (an iterator, read in chunks)."""

    kind: ExportKind
    columns: tuple[Column, ...]
    rows: Iterator[Any]

    @property
    def headers(self) -> list[str]:
        return [str(column.label) for column in self.columns]

    def cells(self) -> Iterator[list[Any]]:
        for row in self.rows:
            yield [column.value(row) for column in self.columns]


def export_kind(key: str) -> ExportKind:
    try:
        return KINDS[key]
    except KeyError:
        raise ValidationFailed(
            _("Unknown list to export; choose one of: %(kinds)s.") % {"kinds": ", ".join(KINDS)},
            field="kind",
            code="invalid_choice",
        ) from None


def parse_filters(
    kind: str, params: Mapping[str, Any], *, schema: type[FilterSchema] | None = None
) -> tuple[FilterSchema, str | None]:
    """The list's filters and ordering from query-string-like ``params`` (the web list's
    query string, the CLI's options); an unknown name or a bad value names its field.

    ``schema`` is the filter class of the list the user looked at (a web list may offer
    more filters than the API, e.g. days instead of instants); default: the API's."""
    spec = export_kind(kind)
    schema = schema or spec.filters
    values: dict[str, Any] = {}
    issues = []
    for name, value in params.items():
        if name in CONTROL_PARAMS or name in IGNORED_PARAMS:
            continue
        if name not in schema.model_fields:
            issues.append(FieldIssue(name, _("Unknown filter."), "unknown_parameter"))
        elif value not in (None, ""):
            values[name] = value
    if issues:
        raise ValidationFailed.from_issues(issues)
    try:
        filters = schema.model_validate(values)
    except pydantic.ValidationError as error:
        raise ValidationFailed.from_issues(
            [
                FieldIssue(
                    ".".join(str(part) for part in item["loc"]) or None,
                    item["msg"],
                    "invalid",
                )
                for item in error.errors()
            ]
        ) from None
    ordering = params.get("ordering") or None
    return filters, str(ordering) if ordering else None


def _columns(spec: ExportKind, wanted: str | None) -> tuple[Column, ...]:
    if not wanted:
        return spec.columns
    by_key = {column.key: column for column in spec.columns}
    keys = [key.strip() for key in wanted.split(",") if key.strip()]
    unknown = [key for key in keys if key not in by_key]
    if unknown or not keys:
        raise ValidationFailed(
            _("Unknown column: %(columns)s; choose among %(known)s.")
            % {"columns": ", ".join(unknown), "known": ", ".join(by_key)},
            field="columns",
            code="invalid_choice",
        )
    return tuple(by_key[key] for key in dict.fromkeys(keys))


def export_rows(
    *,
    org: Organization,
    kind: str,
    filters: FilterSchema | None = None,
    ordering: str | None = None,
    columns: str | None = None,
    member: Membership | None = None,
) -> Export:
    """The rows of ``kind`` that the list with these filters and ordering shows, in the same
    order, read CHUNK_SIZE at a time (a server-side cursor on PostgreSQL): memory stays flat
    however many rows there are. ``member``: the rows their view and export scopes reach
    (without one, as on the command line, all)."""
    spec = export_kind(kind)
    require_module(org, spec.module)
    chosen = _columns(spec, columns)
    rows = spec.rows(org)
    if member is not None and kind in SCOPED_KINDS:
        scoped = cast("TenantQuerySet", rows)
        rows = scoped.visible_to(member, kind).visible_to(member, kind, "export")
    if filters is not None:
        rows = filters.filter(rows)
    orderings = spec.orderings
    ordering = ordering or spec.default_ordering
    key = ordering.removeprefix("-")
    if key not in orderings:
        raise ValidationFailed(
            _("Cannot order by “%(ordering)s”; use one of: %(allowed)s.")
            % {"ordering": ordering, "allowed": ", ".join(sorted(orderings))},
            field="ordering",
            code="invalid_ordering",
        )
    rows = rows.annotate(_sort=orderings[key].expression)
    order = ("-_sort", "-id") if ordering.startswith("-") else ("_sort", "id")
    return Export(kind=spec, columns=chosen, rows=rows.order_by(*order).iterator(CHUNK_SIZE))
