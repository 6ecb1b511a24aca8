"""The `smartcrm` command, run as a real process on its own SQLite database."""

from __future__ import annotations

import os
import re
import secrets
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

PASSWORD = "parola-Sigura-2026"


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


def smartcrm(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env["SMARTCRM_DATA_DIR"] = str(data_dir)
    return subprocess.run(
        [sys.executable, "-m", "smartcrm.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        stdin=subprocess.DEVNULL,
    )


def _rows(data_dir: Path, table: str) -> int:
    with sqlite3.connect(data_dir / "smartcrm.sqlite3") as db:
        return db.execute(f"select count(*) from {table}").fetchone()[0]


def test_init_creates_the_database_organisation_and_owner(data_dir):
    result = smartcrm(
        data_dir,
        "init",
        "--org-name",
        "Alfa Soluții SRL",
        "--email",
        "Ana@Alfa.ro",
        "--password",
        PASSWORD,
        "--cui",
        "RO18547290",
        "--no-input",
    )
    assert result.returncode == 0, result.stderr
    assert (
        "Organisation 'Alfa Soluții SRL' (slug alfa-solutii-srl) created; owner ana@alfa.ro."
        in result.stdout
    )
    assert (_rows(data_dir, "core_organization"), _rows(data_dir, "core_membership")) == (1, 1)
    # and the database is SQLite in WAL mode
    with sqlite3.connect(data_dir / "smartcrm.sqlite3") as db:
        assert db.execute("pragma journal_mode").fetchone()[0] == "wal"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["init", "--org-name", "X", "--email", "a@b.ro", "--password", "123", "--no-input"],
            "CommandError: password:",
        ),
        (
            [
                "init",
                "--org-name",
                "X",
                "--email",
                "a@b.ro",
                "--password",
                PASSWORD,
                "--cui",
                "123",
                "--no-input",
            ],
            "CommandError: cui:",
        ),
        (["init", "--email", "a@b.ro", "--no-input"], "CommandError: --org-name is required"),
        (
            ["createuser", "--org", "nope", "--email", "x@y.ro", "--no-input"],
            "CommandError: --org: no organisation with slug 'nope'.",
        ),
        (["no-such-command"], "Unknown command: 'no-such-command'"),
    ],
)
def test_bad_input_is_one_clear_line_and_a_non_zero_exit(data_dir, args, message):
    smartcrm(data_dir, "migrate", "-v", "0")
    result = smartcrm(data_dir, *args)
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_refused_init_writes_nothing(data_dir):
    smartcrm(
        data_dir,
        "init",
        "--org-name",
        "X",
        "--email",
        "a@b.ro",
        "--password",
        PASSWORD,
        "--cui",
        "123",
        "--no-input",
    )
    assert (_rows(data_dir, "core_organization"), _rows(data_dir, "core_user")) == (0, 0)


def test_createuser_adds_a_member_with_a_role(data_dir):
    smartcrm(
        data_dir,
        "init",
        "--org-name",
        "Beta SRL",
        "--email",
        "boss@beta.ro",
        "--password",
        PASSWORD,
        "--no-input",
    )
    result = smartcrm(
        data_dir,
        "createuser",
        "--org",
        "beta-srl",
        "--email",
        "ion@beta.ro",
        "--password",
        PASSWORD,
        "--role",
        "manager",
        "--no-input",
    )
    assert result.returncode == 0, result.stderr
    assert "ion@beta.ro is now manager of 'Beta SRL'." in result.stdout
    again = smartcrm(
        data_dir, "createuser", "--org", "beta-srl", "--email", "ION@beta.ro", "--no-input"
    )
    assert again.returncode == 1
    # The command speaks the site's language (Romanian by default); the field is named.
    assert again.stderr.startswith("CommandError: user: ")


def test_check_reports_pending_migrations_then_ready(data_dir):
    fresh = smartcrm(data_dir, "check")
    assert fresh.returncode == 1
    assert "migration(s) not applied (run `smartcrm migrate`)" in fresh.stderr
    smartcrm(data_dir, "migrate", "-v", "0")
    ready = smartcrm(data_dir, "check")
    assert ready.returncode == 0, ready.stderr
    assert "database: SQLite" in ready.stdout
    assert "SmartCRM is ready." in ready.stdout


def test_help_lists_the_commands(data_dir):
    result = smartcrm(data_dir, "--help")
    assert result.returncode == 0
    for command in ("init", "serve", "demo", "createuser", "check"):
        assert f"smartcrm {command}" in result.stdout


def test_production_settings_pass_the_deploy_check(data_dir):
    env_overrides = {
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "crm.example.ro",
        "SMARTCRM_HTTPS": "1",
        "DEBUG": "0",
    }
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"} | env_overrides
    env["SMARTCRM_DATA_DIR"] = str(data_dir)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[3],
    )
    assert result.returncode == 0, result.stderr + result.stdout


def test_database_error_is_one_line_with_a_hint(data_dir):
    result = smartcrm(data_dir, "createuser", "--org", "x", "--email", "x@y.ro", "--no-input")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "run `smartcrm migrate` (or `smartcrm init`) first" in result.stderr


def test_a_database_that_cannot_be_reached_is_not_told_to_migrate(tmp_path):
    # Given a DATABASE_URL pointing at a port where nothing listens
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env["DATABASE_URL"] = f"postgres://smartcrm@127.0.0.1:{port}/smartcrm"

    # When a command needs it
    result = subprocess.run(
        [sys.executable, "-m", "smartcrm.cli", "createuser", "--org", "x", "--email", "x@y.ro",
         "--no-input"],
        env=env, capture_output=True, text=True, timeout=180, stdin=subprocess.DEVNULL,
    )  # fmt: skip

    # Then one line says the database cannot be reached, and nothing about migrations
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "the database cannot be reached now: is it running? (DATABASE_URL)" in result.stderr
    assert "migrate" not in result.stderr


def test_token_create_prints_a_token_once_and_revoke_stops_it(data_dir):
    smartcrm(data_dir, "init", "--org-name", "Gamma SRL", "--email", "ana@gamma.ro", "--password",
             PASSWORD, "--no-input")  # fmt: skip
    created = smartcrm(data_dir, "token", "create", "--email", "ana@gamma.ro", "--name", "ERP")
    assert created.returncode == 0, created.stderr
    plain = created.stdout.strip()
    assert plain.startswith("scrm_") and len(plain) > 40
    with sqlite3.connect(data_dir / "smartcrm.sqlite3") as db:
        (stored,) = db.execute("select key_hash from core_apitoken").fetchone()
    assert plain not in stored  # only the hash is kept
    revoked = smartcrm(data_dir, "token", "revoke", plain)
    assert revoked.returncode == 0, revoked.stderr
    with sqlite3.connect(data_dir / "smartcrm.sqlite3") as db:
        assert db.execute("select revoked_at is not null from core_apitoken").fetchone()[0] == 1
    unknown = smartcrm(data_dir, "token", "create", "--email", "nobody@gamma.ro")
    assert (unknown.returncode, "--email: no user nobody@gamma.ro." in unknown.stderr) == (1, True)
    # A read-only token that never expires (the owner may), listed with both
    kept = smartcrm(data_dir, "token", "create", "--email", "ana@gamma.ro", "--name", "Raport",
                    "--scope", "read", "--never-expires")  # fmt: skip
    assert kept.returncode == 0, kept.stderr
    listed = smartcrm(data_dir, "token", "list", "--email", "ana@gamma.ro").stdout
    assert re.search(r"Raport  read  active  expires never", listed), listed
    assert re.search(r"ERP  write  revoked  expires \d{4}-\d\d-\d\d", listed), listed
    wrong = smartcrm(data_dir, "token", "create", "--email", "ana@gamma.ro", "--scope", "all")
    assert wrong.returncode == 2 and "--scope" in wrong.stderr and "Traceback" not in wrong.stderr


def test_migrate_gives_sqlite_statistics_for_the_indexes_it_adds(data_dir):
    # given a database with the demo data, one migration short of the newest, no statistics
    assert smartcrm(data_dir, "migrate", "-v", "0").returncode == 0
    assert smartcrm(data_dir, "demo").returncode == 0
    assert smartcrm(data_dir, "migrate", "sales", "0010", "-v", "0").returncode == 0
    with sqlite3.connect(data_dir / "smartcrm.sqlite3") as db:
        db.execute("DROP TABLE IF EXISTS sqlite_stat1")

    # when the rest is applied
    assert smartcrm(data_dir, "migrate", "-v", "0").returncode == 0

    # then the planner has statistics, the new indexes' among them
    with sqlite3.connect(data_dir / "smartcrm.sqlite3") as db:
        indexes = {row[0] for row in db.execute("SELECT idx FROM sqlite_stat1")}
    assert "prospect_org_source_new_idx" in indexes
