"""The substring index of one kind of searchable record, for the migration of the app that
registers the kind.

On PostgreSQL each kind has its own pg_trgm GIN index, partial on ``kind``: a list's ``q``
asks the index of its kind alone, so a term common in other kinds (a company name in
millions of activities) costs it nothing; the global search has one over the kinds it finds
(``global_search``). SQLite keeps its one FTS5 table (migration core 0004): at the sizes an
embedded database holds, filtering the table's answer by kind costs little.

An app adding a searchable kind adds, in a migration of its own::

    operations = [search_kind_index("attachment")]

with ``atomic = False`` on the migration: the index is built without locking writes.
"""

from __future__ import annotations

import re
from typing import Any

from django.db import migrations

_KIND_KEY = re.compile(r"[a-z][a-z0-9_]{0,19}")


def search_kind_index_name(kind: str) -> str:
    return f"search_entry_{kind}_trgm_idx"


def _create_statement(kind: str) -> str:
    if not _KIND_KEY.fullmatch(kind):
        raise ValueError(f"{kind!r} is not a kind key (lower-case letters, digits, _).")
    return (
        f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {search_kind_index_name(kind)} "
        f"ON core_searchentry USING gin (text gin_trgm_ops) WHERE kind = '{kind}'"
    )


def search_kind_index(kind: str) -> migrations.RunPython:
    """The migration operation that builds (and on reverse drops) ``kind``'s index."""
    statement = _create_statement(kind)

    def create(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(statement)

    def drop(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(
                f"DROP INDEX CONCURRENTLY IF EXISTS {search_kind_index_name(kind)}"
            )

    return migrations.RunPython(create, drop, elidable=False)
