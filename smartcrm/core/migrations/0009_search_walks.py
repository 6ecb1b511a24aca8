"""The search's two walks: titles starting with the query in title order, newest rows first.

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


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0008_user_session_salt"),
    ]

    operations = [
        migrations.RunPython(title_key_bytewise, title_key_default, elidable=False),
        migrations.AddIndex(
            model_name="searchentry",
            index=models.Index(
                fields=["organization", "title_key", "object_id"], name="search_entry_title_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="searchentry",
            index=models.Index(
                fields=["organization", "object_id", "kind"],
                name="search_entry_newest_idx",
            ),
        ),
    ]
