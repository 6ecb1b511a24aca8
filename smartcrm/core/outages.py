"""Telling a database that went away from a database that is set up wrong.

A background worker waits out the first (PostgreSQL restarting, a dropped network, an
administrator ending sessions, SQLite's write lock held by another process) and resumes
by itself; the second (no such database, wrong credentials, tables missing) is a
configuration error to report, once, before stopping.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import psycopg
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
