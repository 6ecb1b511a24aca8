"""An export as an HTTP download: CSV streamed, XLSX from a temporary file. Shared by the API
and the web edge."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import FileResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from smartcrm.core.errors import ValidationFailed
from smartcrm.core.models import Organization
from smartcrm.exports.selectors import Export
from smartcrm.exports.writers import CONTENT_TYPES, csv_lines, filename, org_zone, xlsx_tempfile

if TYPE_CHECKING:
    from collections.abc import Iterator
    from zoneinfo import ZoneInfo

FORMATS = tuple(CONTENT_TYPES)


def check_format(value: str | None) -> str:
    fmt = (value or "csv").lower()
    if fmt not in CONTENT_TYPES:
        raise ValidationFailed(_("Export as csv or xlsx."), field="format", code="invalid_choice")
    return fmt


def _streamed(export: Export, zone: ZoneInfo, language: str | None) -> Iterator[bytes]:
    # The body is written after the view returned: keep the request's language for it.
    with translation.override(language):
        for line in csv_lines(export, zone=zone):
            yield line.encode()


def export_response(export: Export, *, fmt: str, org: Organization) -> HttpResponseBase:
    """The file to download; a CSV is sent as it is written (a million rows or more)."""
    zone = org_zone(org)
    name = filename(export.kind.key, fmt, timezone.localdate(timezone=zone))
    if fmt == "xlsx":
        handle = xlsx_tempfile(export, zone=zone, title=str(export.kind.label))
        return FileResponse(
            handle, as_attachment=True, filename=name, content_type=CONTENT_TYPES["xlsx"]
        )
    response = StreamingHttpResponse(
        _streamed(export, zone, translation.get_language()), content_type=CONTENT_TYPES["csv"]
    )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response
