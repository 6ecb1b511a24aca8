"""Reads of the imports module: runs, their rejected rows (and as a CSV file), templates."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from smartcrm.core.ids import RecordId
from smartcrm.core.models import Organization
from smartcrm.core.selectors import tenant_get
from smartcrm.exports.writers import neutralize
from smartcrm.imports.kinds import spec_of
from smartcrm.imports.models import ImportRejectedRow, ImportRun, ImportTemplate

# What a progress poll needs, without the headers and mapping of a wide file.
LIST_FIELDS = (
    "id",
    "kind",
    "file_name",
    "status",
    "mode",
    "total_rows",
    "processed_rows",
    "created_count",
    "updated_count",
    "unchanged_count",
    "rejected_count",
    "created_at",
    "finished_at",
    "created_by",
)


def import_list(*, org: Organization, kind: str | None = None) -> QuerySet[ImportRun]:
    """The organisation's imports, newest first (who, when, file, counts)."""
    runs = ImportRun.objects.for_org(org).select_related("created_by")
    if kind:
        runs = runs.filter(kind=kind)
    return runs.order_by("-created_at", "-id")


def import_get(*, org: Organization, import_id: RecordId) -> ImportRun:
    return tenant_get(ImportRun.objects.select_related("created_by"), org=org, record_id=import_id)


def rejected_rows(*, run: ImportRun) -> QuerySet[ImportRejectedRow]:
    return ImportRejectedRow.objects.filter(run=run).order_by("row_number", "id")


def error_text(errors: list[dict[str, Any]]) -> str:
    """ "E-mail (email): Enter a valid e-mail address.; ..." — what the error column says."""
    parts = []
    for issue in errors:
        where = issue.get("column") or issue.get("field") or ""
        parts.append(f"{where}: {issue.get('message', '')}" if where else issue.get("message", ""))
    return "; ".join(parts)


def rejected_rows_csv(*, run: ImportRun) -> Iterator[str]:
    """The rejected rows as CSV text, streamed: line number, the original cells, and an
    error column (UTF-8 with BOM, so that spreadsheet programs read the diacritics)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    # The cells are the file's own text: one opened in a spreadsheet must not run as a formula
    # (as in every export, "=HYPERLINK(...)" becomes "'=HYPERLINK(...)").
    writer.writerow([_("Line"), *map(_text_cell, run.headers), _("Errors")])
    yield "\ufeff" + flush()
    for row in rejected_rows(run=run).iterator(chunk_size=2000):
        cells = list(row.values) + [""] * (len(run.headers) - len(row.values))
        writer.writerow(
            [
                row.row_number,
                *map(_text_cell, cells[: len(run.headers)]),
                neutralize(error_text(row.errors)),
            ]
        )
        yield flush()


def _text_cell(value: Any) -> Any:
    return neutralize(value) if isinstance(value, str) else value


def import_template_list(*, org: Organization, kind: str | None = None) -> QuerySet[ImportTemplate]:
    templates = ImportTemplate.objects.for_org(org)
    if kind:
        templates = templates.filter(kind=kind)
    return templates.order_by("name", "id")


def import_fields(*, kind: str) -> list[dict[str, str]]:
    """The fields a column of ``kind`` can go to: name and label, in the form's order."""
    return [{"name": f.name, "label": str(f.label)} for f in spec_of(kind).fields]


def import_keys(*, kind: str) -> list[dict[str, str]]:
    return [{"name": k.name, "label": str(k.label)} for k in spec_of(kind).keys]
