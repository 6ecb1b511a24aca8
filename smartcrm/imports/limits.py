"""What an uploaded file may hold, checked before it is parsed.

A small file can ask a parser for a lot: an XLSX is a zip whose parts may unpack to
gigabytes, whose shared strings openpyxl holds in memory, and whose rows openpyxl fills
in up to the highest row number written (a 5 KB workbook with one cell in row 4,000,000
is four million rows to read); a CSV line of ten million delimiters is ten million cells.
Each of these is refused at the upload, naming the limit, before any parser sees it.
"""

from __future__ import annotations

import re
import zipfile
from io import BytesIO

from django.conf import settings
from django.utils.translation import gettext as _

from smartcrm.core.errors import ValidationFailed
from smartcrm.imports.choices import FileFormat

# Excel's own limits: a workbook cannot hold more rows or columns.
MAX_ROWS = 1_048_576
MAX_COLUMN_NUMBER = 16_384
# Unpacked, all the parts of a workbook together (its shared strings alone:
# SMARTCRM_IMPORT_MAX_TEXTS_MB, since openpyxl holds them all in memory).
MAX_UNPACKED_BYTES = 2 * 1024 * 1024 * 1024
# A part that unpacks to more than this many times its packed size is a zip bomb.
MAX_RATIO = 200
MAX_LINE_BYTES = 256 * 1024
# Columns a row may spread over (the import reads at most imports.reading.MAX_COLUMNS).
MAX_SPREAD = 1_000

_ROW_NUMBER = re.compile(rb'<(?:\w+:)?row\b[^>]*?\br="(\d+)"')
_CELL_COLUMN = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]+)\d+"')
_FIRST_SHEET = re.compile(rb'<(?:\w+:)?sheet\b[^>]*?\br:id="([^"]+)"')
CHUNK = 4 * 1024 * 1024


def _refused(message: str) -> ValidationFailed:
    return ValidationFailed(message, field="file", code="file_too_large")


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def check_csv(content: bytes) -> None:
    """No line longer than MAX_LINE_BYTES, no more than MAX_ROWS lines."""
    start, lines, length = 0, 0, len(content)
    while start < length:
        end = content.find(b"\n", start, start + MAX_LINE_BYTES + 1)
        if end == -1:
            if length - start > MAX_LINE_BYTES:
                raise _refused(
                    _("Line %(line)s of the file is longer than %(max)s KB.")
                    % {"line": lines + 1, "max": MAX_LINE_BYTES // 1024}
                )
            end = length
        lines += 1
        start = end + 1
    if lines > MAX_ROWS + 1:
        raise _refused(
            _("The file has more than %(max)s rows.") % {"max": f"{MAX_ROWS:,}".replace(",", " ")}
        )


def _first_sheet(archive: zipfile.ZipFile) -> str | None:
    """The part of the workbook's first sheet (the one the import reads)."""
    try:
        workbook = archive.read("xl/workbook.xml")[: 1024 * 1024]
        rels = archive.read("xl/_rels/workbook.xml.rels")[: 1024 * 1024]
    except KeyError:
        return None
    found = _FIRST_SHEET.search(workbook)
    if found is None:
        return None
    rel_id = re.escape(found.group(1))
    target = re.search(
        rb'<Relationship\b[^>]*?(?:Id="' + rel_id + rb'"[^>]*?Target="([^"]+)"|Target="([^"]+)"'
        rb'[^>]*?Id="' + rel_id + rb'")',
        rels,
    )
    if target is None:
        return None
    path = (target.group(1) or target.group(2)).decode()
    return path.lstrip("/") if path.startswith("/") else f"xl/{path}"


def check_xlsx(content: bytes) -> None:
    """The workbook unpacks to at most MAX_UNPACKED_BYTES (no part a zip bomb), its shared
    strings to at most MAX_SHARED_STRINGS_BYTES, and its first sheet's rows and columns stay
    within Excel's own limits."""
    try:
        archive = zipfile.ZipFile(BytesIO(content))
    except (zipfile.BadZipFile, OSError):
        return  # the reader names a broken workbook
    with archive:
        parts = archive.infolist()
        if sum(part.file_size for part in parts) > MAX_UNPACKED_BYTES:
            raise _refused(
                _("The workbook unpacks to more than %(max)s MB.")
                % {"max": MAX_UNPACKED_BYTES // (1024 * 1024)}
            )
        for part in parts:
            if part.file_size > 1024 * 1024 and part.file_size > MAX_RATIO * max(
                part.compress_size, 1
            ):
                raise _refused(
                    _("The workbook's part %(part)s unpacks to %(ratio)s times its size.")
                    % {"part": part.filename, "ratio": part.file_size // max(part.compress_size, 1)}
                )
            texts_mb = settings.SMARTCRM_IMPORT_MAX_TEXTS_MB
            if part.filename.lower() == "xl/sharedstrings.xml" and (
                part.file_size > texts_mb * 1024 * 1024
            ):
                raise _refused(
                    _("The workbook's texts take more than %(max)s MB.") % {"max": texts_mb}
                )
        sheet = _first_sheet(archive)
        if sheet is None or sheet not in archive.namelist():
            return
        _check_sheet(archive, sheet)


def _check_sheet(archive: zipfile.ZipFile, sheet: str) -> None:
    highest_row, highest_column, tail = 0, 0, b""
    with archive.open(sheet) as stream:
        while chunk := stream.read(CHUNK):
            data = tail + chunk
            # a tag cut at the chunk's end is read again with the next chunk
            cut = data.rfind(b"<")
            scanned, tail = (data[:cut], data[cut:]) if cut > len(data) - 512 else (data, b"")
            rows = _ROW_NUMBER.findall(scanned)
            if rows:
                highest_row = max(highest_row, max(int(number) for number in rows))
            columns = _CELL_COLUMN.findall(scanned)
            if columns:
                widest = max(columns, key=lambda letters: (len(letters), letters))
                highest_column = max(highest_column, _column_number(widest))
            if highest_row > MAX_ROWS:
                raise _refused(
                    _("The workbook has a row numbered %(row)s: at most %(max)s rows are read.")
                    % {"row": highest_row, "max": MAX_ROWS}
                )
            if highest_column > MAX_SPREAD:
                raise _refused(
                    _("The workbook has a cell in column %(column)s: at most %(max)s are read.")
                    % {"column": highest_column, "max": MAX_SPREAD}
                )


def check_file(content: bytes, file_format: str) -> None:
    """Refuse, naming the limit, a file that would cost the reader too much."""
    if file_format == FileFormat.XLSX:
        check_xlsx(content)
    else:
        check_csv(content)
