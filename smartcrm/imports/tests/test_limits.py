"""Files that ask a parser for too much are refused at the upload, naming the limit, before
they are parsed: a row numbered in the millions, a zip bomb, texts that unpack to hundreds
of megabytes, a CSV line of millions of delimiters."""

from __future__ import annotations

import io
import secrets
import time
import zipfile

import pytest

from smartcrm.core.errors import ValidationFailed
from smartcrm.imports import limits, services
from smartcrm.imports.models import ImportRun
from smartcrm.imports.tests.factories import csv_bytes

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
    'package/2006/content-types"><Default Extension="rels" ContentType="application/'
    'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType='
    '"application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName='
    '"/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.worksheet+xml"/></Types>'
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
    'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://'
    'schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target='
    '"xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/'
    'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships"><sheets><sheet name="Foaie1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
    'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://'
    'schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target='
    '"worksheets/sheet1.xml"/></Relationships>'
)


def _workbook(rows_xml: str, extra: dict[str, bytes] | None = None) -> bytes:
    """A hand-made workbook whose first sheet holds ``rows_xml`` (no dimension)."""
    sheet = (
        '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.'
        f'openxmlformats.org/spreadsheetml/2006/main"><sheetData>{rows_xml}</sheetData>'
        "</worksheet>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return out.getvalue()


def _header() -> str:
    return '<row r="1"><c r="A1" t="inlineStr"><is><t>Denumire</t></is></c></row>'


def _upload(org, owner, content: bytes, name: str = "date.xlsx") -> ValidationFailed:
    runs = ImportRun.objects.count()
    started = time.perf_counter()
    with pytest.raises(ValidationFailed) as refused:
        services.import_upload(
            org=org, user=owner, kind="prospects", file_name=name, content=content
        )
    # refused before parsing: well under the second the parsers took on these files
    assert time.perf_counter() - started < 5
    assert ImportRun.objects.count() == runs
    return refused.value


def test_a_workbook_with_a_row_numbered_in_the_millions_is_refused(org, owner):
    content = _workbook(
        _header() + '<row r="4000000"><c r="A4000000" t="inlineStr"><is><t>x</t></is></c></row>'
    )
    assert len(content) < 5000
    error = _upload(org, owner, content)
    assert error.field == "file" and error.code == "file_too_large"
    assert "row numbered 4000000" in error.message and "1048576" in error.message


def test_a_workbook_with_a_cell_far_to_the_right_is_refused(org, owner):
    content = _workbook(_header() + '<row r="2"><c r="XFD2"><v>1</v></c></row>')
    error = _upload(org, owner, content)
    assert "column 16384" in error.message


def test_a_workbook_whose_texts_unpack_to_hundreds_of_megabytes_is_refused(org, owner, settings):
    # The limit is lowered so the test builds megabytes, not the hundreds the default allows.
    settings.SMARTCRM_IMPORT_MAX_TEXTS_MB = 2
    texts = "".join(f"<si><t>{secrets.token_hex(500)}</t></si>" for _ in range(3000))
    shared = (
        '<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/'
        f'main">{texts}</sst>'
    ).encode()
    content = _workbook(_header(), {"xl/sharedStrings.xml": shared})
    error = _upload(org, owner, content)
    assert "texts take more than 2 MB" in error.message


def test_a_zip_bomb_is_refused(org, owner):
    content = _workbook(_header(), {"xl/media/padding.bin": b"\0" * (64 * 1024 * 1024)})
    assert len(content) < 200_000
    error = _upload(org, owner, content)
    assert "xl/media/padding.bin unpacks to" in error.message


def test_a_csv_line_of_millions_of_delimiters_is_refused(org, owner):
    content = b"Denumire,CUI\n" + b"," * 10_000_000 + b"\n"
    error = _upload(org, owner, content, name="date.csv")
    assert error.message == "Line 2 of the file is longer than 256 KB."


def test_an_ordinary_workbook_and_csv_pass_the_limits(org, owner):
    rows = [["Denumire", "CUI"], ["Țesătoria Mureș SRL", "RO18547290"]]
    for fmt, name in (("xlsx", "date.xlsx"), ("utf8", "date.csv")):
        run = services.import_upload(
            org=org, user=owner, kind="prospects", file_name=name, content=csv_bytes(rows, fmt)
        )
        assert run.headers == ["Denumire", "CUI"]
    # and a hand-made workbook within Excel's limits
    limits.check_xlsx(_workbook(_header() + '<row r="1048576"><c r="ALL1048576"/></row>'))


# --- files kept, then forgotten; the organisation's quota ---------------------------------


ROWS = [["Denumire", "CUI"], ["Țesătoria Mureș SRL", "RO18547290"]]


def test_a_finished_imports_file_is_forgotten_after_the_days_kept(org, owner, settings):
    import datetime as dt

    from django.utils import timezone

    from smartcrm.imports.models import ImportFile
    from smartcrm.imports.tests.factories import run_import
    from smartcrm.sales.models import Prospect

    settings.SMARTCRM_IMPORT_FILE_DAYS = 30
    run = run_import(org, owner, "prospects", ROWS)
    assert run.status == "done" and ImportFile.objects.filter(run=run).exists()
    # Within the days kept, the file stays
    assert services.import_files_forget(now=timezone.now() + dt.timedelta(days=29)) == 0
    # After them, the worker's duty deletes it; the import's report and records stay
    assert services.import_files_forget(now=timezone.now() + dt.timedelta(days=31)) == 1
    assert not ImportFile.objects.filter(run=run).exists()
    run.refresh_from_db()
    assert (run.status, run.created_count) == ("done", 1)
    # And the import can still be undone
    services.import_undo(org=org, user=owner, import_id=run.pk)
    assert not Prospect.objects.exists()


def test_an_upload_past_the_organisations_quota_is_refused_naming_it(org, owner, settings):
    import datetime as dt

    from django.utils import timezone

    from smartcrm.imports.tests.factories import run_import

    settings.SMARTCRM_IMPORT_QUOTA_MB = 1
    big = [["Denumire", "Note"], *[[f"Firma {n} SRL", "x" * 100] for n in range(5000)]]
    first = run_import(org, owner, "prospects", big)  # about 560 KB kept
    error = _upload(org, owner, csv_bytes(big), name="date.csv")
    assert (error.field, error.code) == ("file", "quota_exceeded")
    assert "may keep 1 MB" in error.message
    # Once the finished import's file is forgotten, the room is back
    services.import_files_forget(now=timezone.now() + dt.timedelta(days=31))
    again = services.import_upload(
        org=org, user=owner, kind="prospects", file_name="date.csv", content=csv_bytes(big)
    )
    assert again.pk != first.pk
