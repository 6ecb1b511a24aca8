"""Telling a service that went away from a service that is set up wrong.

A background worker waits out the first (PostgreSQL restarting, a dropped network, an
administrator ending sessions, SQLite's write lock held by another process; a mail server
down or saying "try again later") and resumes by itself; the second (no such database, wrong
credentials, tables missing; an address the mail server refuses) is a configuration error to
report, or the job's own failure.
"""

from __future__ import annotations

import errno
import smtplib
import sqlite3
import time
from collections.abc import Iterator

import psycopg
from django.core.mail import EmailMessage
from django.db import utils as django_errors

# PostgreSQL's SQLSTATEs of a configuration problem: no such database, authorisation,
# an undefined table (migrations not run).
MISCONFIGURED_STATES = {"3D000", "28000", "28P01", "42P01"}
# What libpq says, before any SQLSTATE exists, when it reaches a server that refuses it.
MISCONFIGURED_MESSAGES = (
    "does not exist",  # FATAL: database "x" / role "x" does not exist
    "password authentication failed",
    "no password supplied",
    "failed to resolve host",
    "could not translate host name",
    "no such table",  # SQLite: the tables were never created
    "unable to open database file",  # SQLite: the data folder cannot be written
)
CONNECTION_ERRORS = (
    django_errors.OperationalError,
    django_errors.InterfaceError,
    psycopg.OperationalError,
    psycopg.InterfaceError,
    sqlite3.OperationalError,
)


def _chain(error: BaseException) -> Iterator[BaseException]:
    """The error, and what caused it (Django wraps the driver's error)."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__


def database_misconfigured(error: BaseException) -> bool:
    """The database is reachable but not usable as configured: no such database, a
    refused user or password, an unknown host name, tables never created."""
    for link in _chain(error):
        if getattr(link, "sqlstate", None) in MISCONFIGURED_STATES:
            return True
        if isinstance(link, (*CONNECTION_ERRORS, django_errors.ProgrammingError)):
            text = str(link).lower()
            if any(message in text for message in MISCONFIGURED_MESSAGES):
                return True
    return False


def tables_missing(error: BaseException) -> bool:
    """The error is about a table that is not there (migrations not applied)."""
    for link in _chain(error):
        if getattr(link, "sqlstate", None) == "42P01" or "no such table" in str(link).lower():
            return True
    return False


def database_outage(error: BaseException) -> bool:
    """The database went away or is busy for now (connection refused or lost, sessions
    terminated, the server starting up or shutting down, SQLite "database is locked"):
    waiting and trying again will do. Missing tables are not an outage."""
    if not any(isinstance(link, CONNECTION_ERRORS) for link in _chain(error)):
        return False
    return not tables_missing(error)


# --- other services: the mail server ---------------------------------------------------------

MAIL_SERVER = "mail server"
# A network that cannot reach the server (for now), besides refused and dropped connections.
UNREACHABLE_ERRNOS = {errno.ENETUNREACH, errno.EHOSTUNREACH, errno.ENETDOWN, errno.EHOSTDOWN}
# When each service last answered in this process (time.monotonic()): a worker waiting for
# one ends its outage when a job got through.
last_served: dict[str, float] = {}


class ServiceUnavailable(Exception):
    """A service a job needs (the mail server) cannot be used now; the job did not fail:
    the worker runs it again when the service is back, without using up its retries."""

    def __init__(self, service: str, error: BaseException) -> None:
        super().__init__(f"{service} unavailable: {type(error).__name__}: {error}")
        self.service = service
        self.error = error


def service_unavailable(error: BaseException) -> ServiceUnavailable | None:
    """The :class:`ServiceUnavailable` behind ``error``, if any."""
    for link in _chain(error):
        if isinstance(link, ServiceUnavailable):
            return link
    return None


def mail_server_unavailable(error: BaseException) -> bool:
    """The mail server cannot take e-mail now: the connection is refused, dropped or times
    out, the network cannot reach it, or it answers "try again later" (an SMTP 4xx). An
    address or credentials refused for good (5xx), an unknown host name or a TLS failure are
    not: waiting will not help."""
    for link in _chain(error):
        if isinstance(link, smtplib.SMTPRecipientsRefused):
            codes = [code for code, _message in link.recipients.values()]
            return bool(codes) and all(400 <= code < 500 for code in codes)
        if isinstance(link, smtplib.SMTPResponseException):
            return 400 <= link.smtp_code < 500
        if isinstance(link, (smtplib.SMTPServerDisconnected, ConnectionError, TimeoutError)):
            return True
        if isinstance(link, OSError) and link.errno in UNREACHABLE_ERRNOS:
            return True
    return False


def mail_send(message: EmailMessage) -> None:
    """Send ``message`` now, from a background job; a mail server that cannot take it now is
    :class:`ServiceUnavailable` (the job waits for it), any other refusal the job's failure."""
    try:
        message.send(fail_silently=False)
    except Exception as error:
        if mail_server_unavailable(error):
            raise ServiceUnavailable(MAIL_SERVER, error) from error
        raise
    last_served[MAIL_SERVER] = time.monotonic()
