"""Writing an export as CSV (streamed line by line) or XLSX (openpyxl write-only).

Every text cell that a spreadsheet would take for a formula (it begins with =, +, -, @, a
tab or a carriage return) gets a leading single quote, so opening the file never runs one
(CSV injection). Numbers and dates are typed values we produce, not text, and stay as they
are.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import tempfile
import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import IO, Any, Protocol
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from smartcrm.exports.selectors import Export

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CSV_BOM = "\ufeff"  # so Excel reads the file as UTF-8 (diacritics intact)
XLSX_MAX_ROWS = 1_048_576  # per sheet, header included; more rows continue on a new sheet
# Characters XML 1.0 cannot hold; openpyxl refuses them.
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def neutralize(value: str) -> str:
    """A text cell that cannot run as a formula: "=1+2" becomes "'=1+2"."""
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def _local(value: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    return value.astimezone(zone).replace(tzinfo=None) if value.tzinfo else value


def csv_cell(value: Any, zone: ZoneInfo) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, dt.datetime):
        return _local(value, zone).isoformat(sep=" ", timespec="minutes")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal | int | float | uuid.UUID):
        return str(value)
    return neutralize(str(value))


def xlsx_cell(value: Any, zone: ZoneInfo) -> Any:
    if value is None:
        return None
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, dt.datetime):
        return _local(value, zone)
    if isinstance(value, dt.date | Decimal | int | float):
        return value
    if isinstance(value, uuid.UUID):
        return str(value)
    return neutralize(_XML_ILLEGAL.sub("", str(value)))


class _Line:
    """A write-only file object: csv.writer hands back each line it formats."""

    def write(self, text: str) -> str:
        return text


def csv_lines(export: Export, *, zone: ZoneInfo) -> Iterator[str]:
    """The export as CSV text, one line at a time (a byte-order mark first)."""
    writer = csv.writer(_Line())
    yield CSV_BOM + writer.writerow(neutralize(h) for h in export.headers)
    for cells in export.cells():
        yield writer.writerow(csv_cell(cell, zone) for cell in cells)


class TextSink(Protocol):
    def write(self, text: str) -> object: ...


def write_csv(export: Export, output: TextSink, *, zone: ZoneInfo) -> int:
    """Write the export to a text file; returns the rows written."""
    lines = 0
    for line in csv_lines(export, zone=zone):
        output.write(line)
        lines += 1
    return max(lines - 1, 0)  # the header is not a row


def write_xlsx(export: Export, output: IO[bytes] | str, *, zone: ZoneInfo, title: str) -> int:
    """Write the export as an XLSX workbook (write-only: rows go straight to a temporary
    file, not into memory); returns the rows written."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet_title = _XML_ILLEGAL.sub("", title)[:31] or "export"
    headers = [neutralize(h) for h in export.headers]
    sheet = workbook.create_sheet(sheet_title)
    sheet.append(headers)
    in_sheet, sheets, written = 1, 1, 0
    for cells in export.cells():
        if in_sheet >= XLSX_MAX_ROWS:
            sheets += 1
            sheet = workbook.create_sheet(f"{sheet_title[:27]} {sheets}")
            sheet.append(headers)
            in_sheet = 1
        sheet.append([xlsx_cell(cell, zone) for cell in cells])
        in_sheet += 1
        written += 1
    workbook.save(output)
    return written


def xlsx_tempfile(export: Export, *, zone: ZoneInfo, title: str) -> IO[bytes]:
    """The workbook in an anonymous temporary file, rewound (deleted when closed)."""
    handle = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - the response closes it
    write_xlsx(export, handle, zone=zone, title=title)
    handle.seek(0)
    return handle


def filename(kind: str, extension: str, today: dt.date) -> str:
    return f"{kind}-{today.isoformat()}.{extension}"


def org_zone(org: Any) -> ZoneInfo:
    try:
        return ZoneInfo(org.time_zone or "UTC")
    except (ValueError, KeyError):
        return ZoneInfo("UTC")
