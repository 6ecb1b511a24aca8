"""What `smartcrm check` and `smartcrm serve` ask of the installation."""

from __future__ import annotations

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor

from smartcrm.core.outages import database_misconfigured, database_outage, tables_missing


def pending_migrations(alias: str = DEFAULT_DB_ALIAS) -> list[str]:
    """Migrations not applied yet to the database, as "app.name" strings."""
    connection = connections[alias]
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]


def database_description(alias: str = DEFAULT_DB_ALIAS) -> str:
    connection = connections[alias]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            version = cursor.fetchone()[0]
            return f"PostgreSQL {version} ({connection.settings_dict['NAME']})"
        cursor.execute("select sqlite_version()")
        version = cursor.fetchone()[0]
        cursor.execute("PRAGMA journal_mode")
        mode = cursor.fetchone()[0]
        return f"SQLite {version}, journal {mode} ({connection.settings_dict['NAME']})"


def database_hint(error: BaseException) -> str:
    """What to do about a database error, to follow its one-line message ("" when the
    error is not about the database)."""
    if tables_missing(error):
        return (
            " — the database has no SmartCRM tables: run `smartcrm migrate` (or `smartcrm init`)"
            " first"
        )
    if database_misconfigured(error):
        return " — check DATABASE_URL: the database, user and password it names"
    if database_outage(error):
        return " — the database cannot be reached now: is it running? (DATABASE_URL)"
    return ""
