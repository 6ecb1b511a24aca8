"""Reading an uploaded file: CSV (any delimiter, UTF-8 with or without BOM, Windows-1250 or
ISO-8859-2 detected or chosen) or XLSX (openpyxl, read-only streaming), as a header and
rows of strings.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from smartcrm.core.errors import ValidationFailed
from smartcrm.core.text import clean_text
from smartcrm.imports.choices import FileFormat
from smartcrm.imports.limits import check_file

# Encodings a Romanian file comes in; anything else may be chosen by its Python name.
ENCODINGS = ("utf-8", "utf-8-sig", "windows-1250", "iso-8859-2", "windows-1252")
DELIMITERS = (",", ";", "\t", "|")
SNIFF_BYTES = 64 * 1024
MAX_COLUMNS = 200
# Bigger cells are refused by the csv module; real cells are far smaller.
csv.field_size_limit(1024 * 1024)


@dataclass(frozen=True)
class FileShape:
    """How a file is read: format, encoding and delimiter (CSV), and its header."""

    file_format: str
    encoding: str
    delimiter: str
    headers: list[str]


def _invalid(message: str, field: str = "file") -> ValidationFailed:
    return ValidationFailed(message, field=field, code="invalid_file")


def format_of(content: bytes, file_name: str) -> str:
    """XLSX (a zip with a workbook) or CSV, by content first, then by the name."""
    if content[:4] == b"PK\x03\x04":
        return FileFormat.XLSX
    if file_name.lower().endswith((".xlsx", ".xlsm")):
        raise _invalid(_("This file is not a valid XLSX workbook."))
    return FileFormat.CSV


def detect_encoding(content: bytes) -> str:
    """UTF-8 (with or without BOM) when the bytes are UTF-8, else the likeliest of the
    Central European single-byte encodings."""
    if content.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        content.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(
        content[: SNIFF_BYTES * 4], cp_isolation=["cp1250", "iso8859_2", "cp1252"]
    ).best()
    name = (best.encoding if best else "cp1250").replace("_", "-")
    # For Romanian letters Windows-1250 and ISO-8859-2 agree; 1250 also has „ ” and –.
    return {"cp1250": "windows-1250", "iso8859-2": "iso-8859-2", "cp1252": "windows-1252"}.get(
        name, "windows-1250"
    )


def check_encoding(name: str) -> str:
    try:
        return codecs.lookup(name).name if name not in ENCODINGS else name
    except LookupError:
        raise _invalid(
            _("Unknown encoding “%(name)s”; use one of %(known)s.")
            % {"name": name, "known": ", ".join(ENCODINGS)},
            field="encoding",
        ) from None


def detect_delimiter(sample: str) -> str:
    """The delimiter csv.Sniffer finds among , ; tab |, else the commonest in the header."""
    try:
        return csv.Sniffer().sniff(sample, delimiters="".join(DELIMITERS)).delimiter
    except csv.Error:
        header = sample.splitlines()[0] if sample else ""
        return max(DELIMITERS, key=header.count) if header else ","


def _text(content: bytes, encoding: str) -> str:
    try:
        return content.decode(encoding)
    except UnicodeDecodeError as error:
        raise _invalid(
            _("The file is not %(encoding)s text (byte %(position)s); choose its encoding.")
            % {"encoding": encoding, "position": error.start},
            field="encoding",
        ) from None


def _unique_headers(raw: list[Any]) -> list[str]:
    """Header cells as text; blanks get a name, repeats a number, so each is a key."""
    headers: list[str] = []
    for index, cell in enumerate(raw, start=1):
        name = clean_text(cell_text(cell)) or _("Column %(number)s") % {"number": index}
        candidate, counter = name, 2
        while candidate in headers:
            candidate = f"{name} ({counter})"
            counter += 1
        headers.append(candidate)
    return headers


def cell_text(value: Any) -> str:
    """A cell as the text a person sees: 12345678.0 from a spreadsheet is "12345678"."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, Decimal | int):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def shape_of(
    content: bytes, file_name: str, *, encoding: str = "", delimiter: str = ""
) -> FileShape:
    """Detect (or take the chosen) format, encoding and delimiter; read the header."""
    if not content:
        raise _invalid(_("The file is empty."))
    file_format = format_of(content, file_name)
    check_file(content, file_format)
    if file_format == FileFormat.XLSX:
        header = next(_xlsx_rows(content), None)
        if header is None:
            raise _invalid(_("The workbook's first sheet is empty."))
        return FileShape(FileFormat.XLSX, "", "", _unique_headers(list(header))[:MAX_COLUMNS])
    encoding = check_encoding(encoding) if encoding else detect_encoding(content)
    if delimiter and delimiter not in DELIMITERS:
        raise _invalid(
            _("Choose a delimiter among comma, semicolon, tab and vertical bar."),
            field="delimiter",
        )
    if encoding.replace("_", "-").lower() in ("utf-8", "utf-8-sig", "utf8"):
        # A multi-byte letter cut at the end of the sample is dropped, not an error.
        sample = content[:SNIFF_BYTES].decode(encoding, errors="ignore")
    else:
        sample = _text(content[:SNIFF_BYTES], encoding)
    if len(content) > SNIFF_BYTES:
        # the whole file, now: a bad byte far down is named at the upload, not by the job
        _text(content, encoding)
    delimiter = delimiter or detect_delimiter(sample)
    first_line = next(csv.reader(io.StringIO(sample), delimiter=delimiter), None)
    if not first_line or not any(cell.strip() for cell in first_line):
        raise _invalid(_("The first line of the file should name the columns."))
    if len(first_line) > MAX_COLUMNS:
        raise _invalid(_("The file has more than %(max)s columns.") % {"max": MAX_COLUMNS})
    return FileShape(FileFormat.CSV, encoding, delimiter, _unique_headers(first_line))


def _xlsx_rows(content: bytes) -> Iterator[tuple[Any, ...]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as error:
        raise _invalid(
            _("This file is not a valid XLSX workbook (%(error)s).") % {"error": error}
        ) from None
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            return
        yield from sheet.iter_rows(values_only=True)
    finally:
        workbook.close()


def line_count(content: bytes, shape: FileShape) -> int:
    """About how many data rows the file has, at once (the preview's progress counts up to
    it): a CSV's lines after the header, a workbook's stated dimension."""
    if shape.file_format == FileFormat.XLSX:
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
            sheet = workbook.worksheets[0] if workbook.worksheets else None
            rows = (sheet.max_row or 0) if sheet is not None else 0
            workbook.close()
        except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError):
            return 0
        return max(0, rows - 1)
    lines = content.count(b"\n") + (0 if content.endswith(b"\n") else 1)
    return max(0, lines - 1)


def read_rows(content: bytes, shape: FileShape) -> Iterator[list[str]]:
    """The data rows (after the header) as lists of strings, one per column of the header;
    rows that are entirely empty are skipped (their line numbers are kept by the caller
    through ``numbered_rows``)."""
    for _number, row in numbered_rows(content, shape):
        yield row


def numbered_rows(content: bytes, shape: FileShape) -> Iterator[tuple[int, list[str]]]:
    """(line number in the file, cells) for each non-empty data row; the header is line 1."""
    width = len(shape.headers)
    if shape.file_format == FileFormat.XLSX:
        rows = _xlsx_rows(content)
        next(rows, None)
        for number, raw in enumerate(rows, start=2):
            cells = [cell_text(value) for value in raw[:width]]
            if any(cell.strip() for cell in cells):
                yield number, cells + [""] * (width - len(cells))
        return
    text = _text(content, shape.encoding)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=shape.delimiter)
    try:
        next(reader, None)
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            cells = cells[:width]
            yield reader.line_num, cells + [""] * (width - len(cells))
    except csv.Error as error:
        raise _invalid(
            _("Line %(line)s of the file cannot be read: %(error)s.")
            % {"line": reader.line_num, "error": error}
        ) from None
