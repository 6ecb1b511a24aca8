"""Reads the import pages need beyond the module's selectors: the first rejected rows as a
table, why an upload is not previewed yet, and whether a run can still be undone or looks
stalled. Read-only; every query is scoped by the run (itself read through the organisation).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.text import capfirst

from smartcrm.core.errors import FieldIssue, ValidationFailed
from smartcrm.core.ids import RecordId
from smartcrm.core.models import Organization
from smartcrm.core.selectors import tenant_get
from smartcrm.imports.choices import (
    ACTIVE_STATUSES,
    UNDOABLE_STATUSES,
    ImportStatus,
)
from smartcrm.imports.kinds import spec_of
from smartcrm.imports.mapping import check_mapping
from smartcrm.imports.models import ImportBatch, ImportRun
from smartcrm.imports.selectors import LIST_FIELDS, rejected_rows

# A running import whose worker has not reported for this long has probably lost it.
STALLED_AFTER = dt.timedelta(minutes=5)

# What the progress panel reads on every poll: no headers, mapping or report.
PROGRESS_FIELDS = (
    *LIST_FIELDS,
    "organization",
    "cancel_requested",
    "failure",
    "heartbeat_at",
    "started_at",
    "undone_at",
    "updated_at",
    "file_format",
)


@dataclass(frozen=True)
class RowIssue:
    """One thing wrong with a rejected row: where (column, field) and what."""

    column: str
    field: str
    message: str
    value: str


@dataclass(frozen=True)
class RejectedRowView:
    line: int
    issues: list[RowIssue] = field(default_factory=list)


def import_progress_get(*, org: Organization, import_id: RecordId) -> ImportRun:
    """An import with only what its progress panel shows (read once a second while it runs)."""
    return tenant_get(
        ImportRun.objects.select_related("created_by").only(*PROGRESS_FIELDS),
        org=org,
        record_id=import_id,
    )


def rejected_preview(*, run: ImportRun, limit: int = 50) -> list[RejectedRowView]:
    """The first ``limit`` rejected rows, each issue with its column's label and the cell."""
    labels = {f.name: capfirst(str(f.label)) for f in spec_of(run.kind).fields}
    positions = {header: index for index, header in enumerate(run.headers)}
    table: list[RejectedRowView] = []
    seen: set[int] = set()
    # A committed run may hold its preview's rejections and the commit's (the same lines):
    # read twice the rows wanted, show each line once.
    for row in rejected_rows(run=run)[: limit * 2]:
        if row.row_number in seen:
            continue
        if len(table) >= limit:
            break
        seen.add(row.row_number)
        issues = []
        for issue in row.errors or []:
            column = str(issue.get("column") or "")
            index = positions.get(column)
            value = row.values[index] if index is not None and index < len(row.values) else ""
            name = str(issue.get("field") or "")
            label = labels.get(name, name)
            issues.append(
                RowIssue(
                    column=column,
                    # the field's name only where the column does not already say it
                    field="" if label.casefold() == column.casefold() else label,
                    message=str(issue.get("message") or ""),
                    value=str(value),
                )
            )
        table.append(RejectedRowView(line=row.row_number, issues=issues))
    return table


def mapping_issues(*, run: ImportRun) -> list[FieldIssue]:
    """Why an uploaded file was not previewed: what its mapping or key lacks (none once
    previewed or committed)."""
    if run.status != ImportStatus.UPLOADED:
        return []
    try:
        check_mapping(spec_of(run.kind), run.headers, run.mapping, run.key)
    except ValidationFailed as error:
        return error.issues
    return []


def import_can_undo(*, run: ImportRun) -> bool:
    """The import wrote records (some batch is kept) and was not undone yet."""
    return run.status in UNDOABLE_STATUSES and ImportBatch.objects.filter(run_id=run.pk).exists()


def import_is_stalled(*, run: ImportRun, now: dt.datetime | None = None) -> bool:
    """Queued or running, but its worker has not reported for a while (it may have died):
    the page offers to resume it."""
    if run.status not in ACTIVE_STATUSES:
        return False
    # Every committed batch, like the commit that queued it, touches updated_at.
    last = max(moment for moment in (run.heartbeat_at, run.updated_at) if moment is not None)
    return (now or timezone.now()) - last > STALLED_AFTER


def import_kind_fields(*, kind: str) -> list[tuple[str, str]]:
    """(field name, label) a column of ``kind`` can go to."""
    return [(f.name, capfirst(str(f.label))) for f in spec_of(kind).fields]


def import_kind_keys(*, kind: str) -> list[tuple[str, str]]:
    return [(k.name, capfirst(str(k.label))) for k in spec_of(kind).keys]
