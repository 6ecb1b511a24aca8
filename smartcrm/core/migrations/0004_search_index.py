"""The substring index of the search table, one per database vendor.

PostgreSQL: the pg_trgm extension and a GIN trigram index on core_searchentry.text, which
serves ``text LIKE '%q%'``.

SQLite: an FTS5 table with the trigram tokenizer (SQLite 3.34+) over the same column,
kept in sync by triggers; ``MATCH '"q"'`` finds every row whose text contains q (3+
characters).

Careful: on SQLite, a later migration that alters core_searchentry makes Django rebuild the
table, which drops its triggers. Such a migration must run ``create_sqlite`` again
(copy the SQL: migrations never import application code).
"""

import sqlite3

from django.db import migrations

FTS = "core_searchentry_fts"

SQLITE_CREATE = [
    f"""
    CREATE VIRTUAL TABLE {FTS} USING fts5(
        text, content='core_searchentry', content_rowid='id', tokenize='trigram'
    )
    """,
    f"""
    CREATE TRIGGER {FTS}_ai AFTER INSERT ON core_searchentry BEGIN
        INSERT INTO {FTS}(rowid, text) VALUES (new.id, new.text);
    END
    """,
    f"""
    CREATE TRIGGER {FTS}_ad AFTER DELETE ON core_searchentry BEGIN
        INSERT INTO {FTS}({FTS}, rowid, text) VALUES ('delete', old.id, old.text);
    END
    """,
    f"""
    CREATE TRIGGER {FTS}_au AFTER UPDATE ON core_searchentry BEGIN
        INSERT INTO {FTS}({FTS}, rowid, text) VALUES ('delete', old.id, old.text);
        INSERT INTO {FTS}(rowid, text) VALUES (new.id, new.text);
    END
    """,
    f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')",
]
SQLITE_DROP = [
    f"DROP TRIGGER IF EXISTS {FTS}_au",
    f"DROP TRIGGER IF EXISTS {FTS}_ad",
    f"DROP TRIGGER IF EXISTS {FTS}_ai",
    f"DROP TABLE IF EXISTS {FTS}",
]

POSTGRES_CREATE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS search_entry_text_trgm_idx "
    "ON core_searchentry USING gin (text gin_trgm_ops)",
]
# The extension stays: it is database-wide, may have existed before, and may serve others.
POSTGRES_DROP = ["DROP INDEX IF EXISTS search_entry_text_trgm_idx"]


def create_sqlite(schema_editor):
    if sqlite3.sqlite_version_info < (3, 34, 0):
        raise RuntimeError(
            "SmartCRM's search needs SQLite 3.34 or newer (FTS5 trigram tokenizer); "
            f"this Python uses SQLite {sqlite3.sqlite_version}."
        )
    for statement in SQLITE_CREATE:
        schema_editor.execute(statement)


def create_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for statement in POSTGRES_CREATE:
            schema_editor.execute(statement)
    elif vendor == "sqlite":
        create_sqlite(schema_editor)


def drop_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = {"postgresql": POSTGRES_DROP, "sqlite": SQLITE_DROP}.get(vendor, [])
    for statement in statements:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_search_entry"),
    ]

    operations = [
        migrations.RunPython(create_index, drop_index, elidable=False),
    ]
