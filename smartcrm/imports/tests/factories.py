"""Files to import, in every format an import takes, and a helper that imports one."""

from __future__ import annotations

import codecs
import csv
import io
from typing import Any

from django.core.management import call_command

from smartcrm.core.models import Organization, User
from smartcrm.imports import services
from smartcrm.imports.models import ImportRun

FORMATS = ("utf8", "utf8_bom", "windows1250", "semicolon", "xlsx")


def csv_bytes(rows: list[list[Any]], fmt: str = "utf8") -> bytes:
    """``rows`` (header first) as a file in ``fmt``."""
    if fmt == "xlsx":
        from openpyxl import Workbook

        workbook = Workbook()
        sheet = workbook.active
        assert sheet is not None
        for row in rows:
            sheet.append(row)
        out = io.BytesIO()
        workbook.save(out)
        return out.getvalue()
    text = io.StringIO()
    writer = csv.writer(text, delimiter=";" if fmt == "semicolon" else ",", lineterminator="\r\n")
    for row in rows:
        writer.writerow(["" if cell is None else cell for cell in row])
    if fmt == "windows1250":
        # Windows-1250 has only the cedilla ş ţ: an old file spells Romanian that way.
        legacy = text.getvalue().translate(str.maketrans("șțȘȚ", "şţŞŢ"))
        return legacy.encode("windows-1250")
    data = text.getvalue().encode("utf-8")
    return codecs.BOM_UTF8 + data if fmt == "utf8_bom" else data


def file_name(fmt: str) -> str:
    return "date.xlsx" if fmt == "xlsx" else "date.csv"


def upload(
    org: Organization,
    user: User,
    kind: str,
    rows: list[list[Any]],
    fmt: str = "utf8",
    **options: Any,
) -> ImportRun:
    return services.import_upload(
        org=org,
        user=user,
        kind=kind,
        file_name=file_name(fmt),
        content=csv_bytes(rows, fmt),
        **options,
    )


def preview(
    org: Organization,
    user: User,
    kind: str,
    rows: list[list[Any]],
    fmt: str = "utf8",
    **options: Any,
) -> ImportRun:
    run = upload(org, user, kind, rows, fmt, **options)
    return services.import_preview(org=org, user=user, import_id=run.pk)


def finish(import_id: Any) -> ImportRun:
    """Run a committed import's job here, as the worker would."""
    finished = services.import_run(import_id)
    assert finished is not None
    return finished


def run_import(
    org: Organization,
    user: User,
    kind: str,
    rows: list[list[Any]],
    fmt: str = "utf8",
    mode: str = "valid_only",
    **options: Any,
) -> ImportRun:
    """Upload, preview, commit and run the job in this process (as the worker would)."""
    run = preview(org, user, kind, rows, fmt, **options)
    services.import_commit(org=org, user=user, import_id=run.pk, mode=mode)
    finished = services.import_run(run.pk)
    assert finished is not None
    return finished


def run_worker() -> str:
    """Run `smartcrm worker --once` here (inside the test's transaction): every queued job,
    the preview's and the commit's, as the worker process would."""
    out = io.StringIO()
    call_command("worker", "--once", stdout=out)
    return out.getvalue()
