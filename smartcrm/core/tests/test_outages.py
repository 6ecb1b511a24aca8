"""Telling a database (or a mail server) that went away from one set up wrong, on errors the
drivers really raise: the mail server's from real SMTP servers on loopback."""

from __future__ import annotations

import smtplib
import socket
import sqlite3
from pathlib import Path

import psycopg
import pytest
from aiosmtpd.controller import Controller
from django.core.mail import EmailMessage
from django.db import connection
from django.db.utils import OperationalError, ProgrammingError
from django.test import override_settings

from smartcrm.core.outages import (
    ServiceUnavailable,
    database_misconfigured,
    database_outage,
    mail_send,
    mail_server_unavailable,
    service_unavailable,
    tables_missing,
)


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


# --- the mail server ------------------------------------------------------------------------


class AnsweringMailServer:
    """An SMTP server that answers RCPT and DATA as told (250: takes the message)."""

    def __init__(self, rcpt: str = "250 OK", data: str = "250 OK") -> None:
        self.rcpt, self.data, self.taken = rcpt, data, 0

    async def handle_RCPT(self, server, session, envelope, address, options) -> str:
        if self.rcpt.startswith("250"):
            envelope.rcpt_tos.append(address)
        return self.rcpt

    async def handle_DATA(self, server, session, envelope) -> str:
        self.taken += self.data.startswith("250")
        return self.data


def _send_through(port: int) -> BaseException | None:
    """Send one message through the SMTP server on ``port``; the error, if any."""
    message = EmailMessage(subject="Memento", body="Sună la Carpați Trans", to=["ion@alfa.ro"])
    with override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=port,
        EMAIL_HOST_USER="",
        EMAIL_HOST_PASSWORD="",
        EMAIL_USE_TLS=False,
        EMAIL_USE_SSL=False,
        EMAIL_TIMEOUT=5,
    ):
        try:
            mail_send(message)
        except Exception as error:
            return error
    return None


@pytest.fixture
def mail_server():
    controllers = []

    def start(**answers: str) -> int:
        port = _closed_port()
        controller = Controller(AnsweringMailServer(**answers), hostname="127.0.0.1", port=port)
        controller.start()
        controllers.append(controller)
        return port

    yield start
    for controller in controllers:
        controller.stop()


def test_a_mail_server_that_refuses_connections_is_away_for_now():
    error = _send_through(_closed_port())

    assert isinstance(error, ServiceUnavailable)
    assert (error.service, type(error.error)) == ("mail server", ConnectionRefusedError)


@pytest.mark.parametrize(
    "answers",
    [
        {"data": "451 4.3.0 Try again later"},
        {"data": "421 4.3.2 Service shutting down"},
        {"rcpt": "450 4.2.0 Greylisted, try again later"},
    ],
    ids=["data-451", "data-421", "rcpt-450"],
)
def test_a_mail_server_that_says_try_later_is_away_for_now(mail_server, answers):
    error = _send_through(mail_server(**answers))

    assert isinstance(error, ServiceUnavailable)
    assert service_unavailable(error) is error


@pytest.mark.parametrize(
    "answers",
    [{"data": "554 5.7.1 Message rejected by policy"}, {"rcpt": "550 5.1.1 No such user"}],
    ids=["data-554", "rcpt-550"],
)
def test_a_message_refused_for_good_is_the_jobs_failure_not_an_outage(mail_server, answers):
    error = _send_through(mail_server(**answers))

    assert isinstance(error, smtplib.SMTPException)
    assert service_unavailable(error) is None
    assert mail_server_unavailable(error) is False


def test_an_unknown_mail_host_is_not_an_outage():
    assert mail_server_unavailable(socket.gaierror(-2, "Name or service not known")) is False


def test_a_message_the_mail_server_takes_is_sent(mail_server):
    assert _send_through(mail_server()) is None
