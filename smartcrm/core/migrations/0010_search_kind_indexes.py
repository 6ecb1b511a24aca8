"""The substring index split by kind (PostgreSQL): one partial GIN index per kind of
searchable record, one over the kinds the global search finds, and the whole-table index of
migration 0004 dropped.

A list's ``q`` asked the whole-table index, whose candidates for a common term are the rows
of every kind ("constructii" in a quarter of a million activities, tasks and notes), to
filter the offers. Built concurrently (``atomic = False``): writes go on meanwhile.
"""

from django.db import migrations

from smartcrm.core.search_indexes import search_kind_index

KINDS = ("prospect", "account", "contact", "offer", "product", "activity", "task", "note")
GLOBAL_INDEX = "search_entry_global_trgm_idx"
WHOLE_TABLE_INDEX = "search_entry_text_trgm_idx"


def global_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {GLOBAL_INDEX} "
            "ON core_searchentry USING gin (text gin_trgm_ops) WHERE global_search"
        )


def drop_global_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {GLOBAL_INDEX}")


def drop_whole_table_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {WHOLE_TABLE_INDEX}")


def whole_table_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {WHOLE_TABLE_INDEX} "
            "ON core_searchentry USING gin (text gin_trgm_ops)"
        )


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("core", "0009_search_walks")]

    operations = [
        *[search_kind_index(kind) for kind in KINDS],
        migrations.RunPython(global_index, drop_global_index, elidable=False),
        migrations.RunPython(drop_whole_table_index, whole_table_index, elidable=False),
    ]
