"""Starting an export: the rows to write, and the audit log's note of who took them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from smartcrm.core.audit import AuditAction, audit
from smartcrm.core.models import Membership, Organization, User
from smartcrm.exports.selectors import Export, export_rows

if TYPE_CHECKING:
    from ninja import FilterSchema


def export_start(
    *,
    org: Organization,
    user: User | None,
    kind: str,
    fmt: str,
    filters: FilterSchema | None = None,
    ordering: str | None = None,
    columns: str | None = None,
    member: Membership | None = None,
) -> Export:
    """The rows of an export (as ``selectors.export_rows``), its taking recorded in the
    audit log with the kind, format, filters and columns (one insert; the rows are only
    counted as they are written, so the count is not in the event)."""
    export = export_rows(
        org=org, kind=kind, filters=filters, ordering=ordering, columns=columns, member=member
    )
    given: dict[str, Any] = (
        filters.model_dump(exclude_none=True, exclude_defaults=True) if filters is not None else {}
    )
    audit(
        org=org,
        user=user,
        action=AuditAction.EXPORTED,
        kind=kind,
        format=fmt,
        filters=given,
        ordering=ordering or "",
        columns=columns or "",
    )
    return export
