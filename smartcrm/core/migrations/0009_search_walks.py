"""The search's two walks: titles starting with the query in title order, newest rows first
(of the kinds the global search finds: ``global_search``).

A prefix is a range of titles only where titles compare byte by byte: SQLite's default
(BINARY) does, PostgreSQL does with ``COLLATE "C"``, set here on ``title_key`` before its
index is built (the database's own collation may be linguistic, e.g. en_US). A later
migration that alters the column must keep that collation.
"""

from django.db import migrations, models


def title_key_bytewise(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            'ALTER TABLE core_searchentry ALTER COLUMN title_key TYPE varchar(255) COLLATE "C"'
        )


def title_key_default(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "ALTER TABLE core_searchentry ALTER COLUMN title_key TYPE varchar(255) "
            'COLLATE "default"'
        )


def add_global_search(apps, schema_editor):
    """The column, added in place (Django would rebuild the table on SQLite, dropping the
    FTS triggers of migration 0004), false for the rows there; then true for the kinds the
    global search finds, the fewer rows (tasks, activities and notes are most of them, and
    an updated row is written again into every index, the trigram one included). The
    application always writes the column; PostgreSQL keeps no default."""
    postgres = schema_editor.connection.vendor == "postgresql"
    schema_editor.execute(
        "ALTER TABLE core_searchentry ADD COLUMN global_search bool NOT NULL DEFAULT "
        + ("false" if postgres else "0")
    )
    # The kinds registered with global_search=False when this migration was written.
    schema_editor.execute(
        "UPDATE core_searchentry SET global_search = "
        + ("true" if postgres else "1")
        + " WHERE kind NOT IN ('task', 'activity', 'note')"
    )
    if postgres:
        schema_editor.execute(
            "ALTER TABLE core_searchentry ALTER COLUMN global_search DROP DEFAULT"
        )


def drop_global_search(apps, schema_editor):
    schema_editor.execute("ALTER TABLE core_searchentry DROP COLUMN global_search")


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0008_user_session_salt"),
    ]

    operations = [
        migrations.RunPython(title_key_bytewise, title_key_default, elidable=False),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddField(
                    model_name="searchentry",
                    name="global_search",
                    field=models.BooleanField(default=True),
                ),
            ],
            database_operations=[
                migrations.RunPython(add_global_search, drop_global_search, elidable=False)
            ],
        ),
        migrations.AddIndex(
            model_name="searchentry",
            index=models.Index(
                fields=["organization", "title_key", "object_id"], name="search_entry_title_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="searchentry",
            index=models.Index(
                fields=["organization", "object_id", "kind", "id"],
                name="search_entry_newest_idx",
                condition=models.Q(global_search=True),
            ),
        ),
    ]
