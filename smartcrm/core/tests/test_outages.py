"""Telling a database that went away from one set up wrong, on errors the drivers really raise."""

from __future__ import annotations

import socket
import sqlite3
from pathlib import Path

import psycopg
import pytest
from django.db import connection
from django.db.utils import OperationalError, ProgrammingError

from smartcrm.core.outages import database_misconfigured, database_outage, tables_missing


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _raised(call) -> BaseException:
    with pytest.raises(Exception) as caught:
        call()
    return caught.value


def test_a_refused_connection_is_an_outage_not_a_configuration_error():
    error = _raised(lambda: psycopg.connect(f"postgresql://x@127.0.0.1:{_closed_port()}/x"))

    assert (database_outage(error), database_misconfigured(error)) == (True, False)


def test_a_write_lock_held_elsewhere_is_an_outage(tmp_path: Path):
    path = tmp_path / "locked.sqlite3"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN EXCLUSIVE")
    other = sqlite3.connect(path, timeout=0.01)
    try:
        error = _raised(lambda: other.execute("INSERT INTO t VALUES (1)"))
    finally:
        other.close()
        holder.close()

    assert "database is locked" in str(error)
    assert (database_outage(error), database_misconfigured(error)) == (True, False)


def test_a_missing_table_is_a_configuration_error_not_an_outage(tmp_path: Path):
    with sqlite3.connect(tmp_path / "empty.sqlite3") as empty:
        error = _raised(lambda: empty.execute("SELECT * FROM django_tasks_db_dbtaskresult"))
    wrapped = OperationalError(str(error))
    wrapped.__cause__ = error

    assert (tables_missing(wrapped), database_misconfigured(wrapped)) == (True, True)
    assert database_outage(wrapped) is False


def test_errors_that_are_not_about_the_connection_are_neither():
    error = ProgrammingError("syntax error at or near SELEC")

    assert (database_outage(error), database_misconfigured(error)) == (False, False)
    assert database_outage(ValueError("bad")) is False


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_session_ended_by_an_administrator_is_an_outage():
    db = connection.settings_dict
    url = f"postgresql://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/postgres"
    with (
        psycopg.connect(url, autocommit=True) as victim,
        psycopg.connect(url, autocommit=True) as admin,
    ):
        admin.execute("SELECT pg_terminate_backend(%s)", (victim.info.backend_pid,))
        error = _raised(lambda: victim.execute("SELECT 1"))

    assert "terminating connection due to administrator command" in str(error)
    assert (database_outage(error), database_misconfigured(error)) == (True, False)


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_database_that_does_not_exist_is_a_configuration_error():
    db = connection.settings_dict
    url = f"postgresql://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/nope_x1"

    error = _raised(lambda: psycopg.connect(url))

    assert database_misconfigured(error) is True
