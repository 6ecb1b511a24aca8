"""`smartcrm import`: the report, one-line errors, and a real process killed mid-way."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from smartcrm.imports import services
from smartcrm.imports.choices import ImportStatus
from smartcrm.imports.models import ImportBatch, ImportRun
from smartcrm.imports.tests.factories import csv_bytes
from smartcrm.sales.models import Account, Prospect

ROWS = [
    ["Denumire", "CUI", "Localitate"],
    ["Carpați Construcții SRL", "RO10000113", "Brașov"],
    ["Fără CUI valid", "123", "Iași"],
]


def _file(tmp_path: Path, rows, fmt="utf8") -> str:
    path = tmp_path / ("date.xlsx" if fmt == "xlsx" else "date.csv")
    path.write_bytes(csv_bytes(rows, fmt))
    return str(path)


def test_dry_run_reports_and_writes_nothing(org, owner, tmp_path, capsys):
    call_command("import", "accounts", _file(tmp_path, ROWS), "--dry-run", "--org", org.slug)
    out = capsys.readouterr().out
    assert "Preview: 2 rows: 1 to create, 0 to update, 0 unchanged, 1 rejected." in out
    assert "line 3: CUI: " in out
    assert Account.objects.count() == 0


def test_a_file_over_the_limit_is_refused_before_it_is_read(org, owner, tmp_path, settings):
    path = _file(tmp_path, ROWS)
    settings.SMARTCRM_IMPORT_MAX_BYTES = Path(path).stat().st_size - 1

    with pytest.raises(CommandError) as refused:
        call_command("import", "accounts", path, "--org", org.slug)

    limit = settings.SMARTCRM_IMPORT_MAX_BYTES
    assert str(refused.value) == (
        f"file: The file ({limit + 1} bytes) is larger than the limit of {limit} bytes."
    )
    assert ImportRun.objects.count() == 0


def test_a_file_at_the_limit_is_imported(org, owner, tmp_path, settings, capsys):
    path = _file(tmp_path, ROWS)
    settings.SMARTCRM_IMPORT_MAX_BYTES = Path(path).stat().st_size

    call_command("import", "accounts", path, "--dry-run", "--org", org.slug)

    assert "Preview: 2 rows: 1 to create" in capsys.readouterr().out


def test_import_commits_and_writes_the_rejected_rows(org, owner, tmp_path, capsys):
    rejected = tmp_path / "rejected.csv"
    call_command(
        "import",
        "accounts",
        _file(tmp_path, ROWS, "xlsx"),
        "--org",
        org.slug,
        "--user",
        owner.email,
        "--key",
        "cui",
        "--rejected",
        str(rejected),
    )
    assert "Import done: 1 created, 0 updated, 0 unchanged, 1 rejected." in capsys.readouterr().out
    assert Account.objects.get().name == "Carpați Construcții SRL"
    assert "Fără CUI valid" in rejected.read_text(encoding="utf-8-sig")


def test_bad_input_is_one_line_naming_the_option(org, owner, tmp_path):
    with pytest.raises(CommandError, match="FILE: cannot read"):
        call_command("import", "accounts", str(tmp_path / "missing.csv"), "--org", org.slug)
    with pytest.raises(CommandError, match="--org: no organisation"):
        call_command("import", "accounts", _file(tmp_path, ROWS), "--org", "nope")
    with pytest.raises(CommandError, match="key"):
        call_command("import", "accounts", _file(tmp_path, ROWS), "--org", org.slug, "--key", "x")
    with pytest.raises(CommandError, match="--map: no accounts template"):
        call_command("import", "accounts", _file(tmp_path, ROWS), "--org", org.slug, "--map", "X")


def _database_url() -> str:
    settings = connection.settings_dict
    user = settings["USER"] or "postgres"
    password = f":{settings['PASSWORD']}" if settings.get("PASSWORD") else ""
    host, port = settings["HOST"] or "127.0.0.1", settings["PORT"] or 5432
    return f"postgres://{user}{password}@{host}:{port}/{settings['NAME']}"


@pytest.mark.postgres
def test_a_killed_import_leaves_each_row_once_or_not_at_all_and_resumes(
    transactional_db, org, owner, tmp_path
):
    # given a file of 3000 prospects imported by a real process, 50 rows a batch
    rows = [["Prenume", "Nume", "E-mail"]] + [
        [f"Ion{n}", f"Popescu{n}", f"ion.{n}@exemplu.ro"] for n in range(3000)
    ]
    path = _file(tmp_path, rows)
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "SMARTCRM_IMPORT_BATCH_ROWS": "50",
        "DJANGO_SETTINGS_MODULE": "smartcrm.settings",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "smartcrm.cli", "import", "prospects", path, "--org", org.slug],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    # when it is killed (SIGKILL: no cleanup) after a few batches
    deadline = time.monotonic() + 120
    run = None
    while time.monotonic() < deadline:
        run = ImportRun.objects.filter(organization=org).first()
        # (the preview counts its rows checked in processed_rows too: wait for the commit)
        if run is not None and run.status == ImportStatus.RUNNING and run.processed_rows >= 200:
            break
        assert process.poll() is None, process.stderr.read() if process.stderr else ""
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert run is not None
    run.refresh_from_db()
    # then it stopped mid-way: every committed batch is there, nothing else, nothing twice
    assert run.status == ImportStatus.RUNNING
    assert 200 <= run.processed_rows < 3000
    assert Prospect.objects.count() == run.processed_rows == run.created_count
    emails = list(Prospect.objects.values_list("email", flat=True))
    assert len(set(emails)) == len(emails)
    assert ImportBatch.objects.filter(run=run).count() == run.processed_rows // 50
    # when it is resumed
    finished = services.import_run(run.pk)
    # then every row is imported exactly once
    assert finished is not None
    assert (finished.status, finished.created_count, finished.processed_rows) == (
        ImportStatus.DONE,
        3000,
        3000,
    )
    assert Prospect.objects.count() == 3000
    assert Prospect.objects.values("email").distinct().count() == 3000
