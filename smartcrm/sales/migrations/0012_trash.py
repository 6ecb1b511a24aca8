"""Offers, accounts and prospects go to the trash (a ``trash`` batch on the row), and the
pipeline's totals count live offers only.

The triggers of migration 0009 are made again with the trash in mind: an offer counts under
its key while ``trash_id`` is NULL; trashing it takes it off (an update of ``trash_id``),
restoring it adds it back, and purging a trashed offer (a delete) changes nothing. On
SQLite they are dropped and created again (a later migration that rebuilds sales_offer must
do the same: copy the SQL); on PostgreSQL the two row functions are replaced and the
update trigger watches ``trash_id`` too.
"""

import importlib

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

PREVIOUS = importlib.import_module("smartcrm.sales.migrations.0009_pipeline_totals")
TABLE = PREVIOUS.TABLE
NOT_CLOSED = PREVIOUS.NOT_CLOSED
KEY = PREVIOUS.KEY
WATCHED = f"{PREVIOUS.WATCHED}, trash_id"


def _sqlite_add(record: str) -> str:
    """Count ``record`` under its key while it is live (the row is made if need be)."""
    return (
        f"INSERT INTO {TABLE} ({KEY}, count, total_net_cents) SELECT "
        f"{record}.organization_id, {record}.status, {record}.currency, "
        f"coalesce({record}.closed_date, {NOT_CLOSED}), 1, "
        f"CAST(round({record}.total_net * 100) AS INTEGER) "
        f"WHERE {record}.trash_id IS NULL "
        f"ON CONFLICT ({KEY}) DO UPDATE SET count = count + excluded.count, "
        "total_net_cents = total_net_cents + excluded.total_net_cents;"
    )


def _sqlite_take(record: str) -> str:
    """Take a live ``record`` off its key's row (an update only)."""
    return (
        f"UPDATE {TABLE} SET count = count - 1, "
        f"total_net_cents = total_net_cents - CAST(round({record}.total_net * 100) AS INTEGER) "
        f"WHERE {record}.trash_id IS NULL AND organization_id = {record}.organization_id "
        f"AND status = {record}.status AND currency = {record}.currency "
        f"AND closed_date = coalesce({record}.closed_date, {NOT_CLOSED});"
    )


SQLITE_CREATE = [
    "CREATE TRIGGER sales_offer_pipeline_ai AFTER INSERT ON sales_offer BEGIN "
    f"{_sqlite_add('NEW')} END",
    "CREATE TRIGGER sales_offer_pipeline_ad AFTER DELETE ON sales_offer BEGIN "
    f"{_sqlite_take('OLD')} END",
    f"CREATE TRIGGER sales_offer_pipeline_au AFTER UPDATE OF {WATCHED} ON sales_offer BEGIN "
    f"{_sqlite_take('OLD')} {_sqlite_add('NEW')} END",
]

POSTGRES_CREATE = [
    f"""
    CREATE OR REPLACE FUNCTION sales_offer_pipeline_add(offer sales_offer) RETURNS void
    LANGUAGE sql AS $$
        INSERT INTO {TABLE} ({KEY}, count, total_net_cents)
        SELECT offer.organization_id, offer.status, offer.currency,
               coalesce(offer.closed_date, DATE {NOT_CLOSED}), 1,
               (offer.total_net * 100)::bigint
        WHERE offer.trash_id IS NULL
        ON CONFLICT ({KEY}) DO UPDATE SET count = {TABLE}.count + excluded.count,
            total_net_cents = {TABLE}.total_net_cents + excluded.total_net_cents
    $$
    """,
    f"""
    CREATE OR REPLACE FUNCTION sales_offer_pipeline_take(offer sales_offer) RETURNS void
    LANGUAGE sql AS $$
        UPDATE {TABLE} SET count = count - 1,
            total_net_cents = total_net_cents - (offer.total_net * 100)::bigint
        WHERE offer.trash_id IS NULL AND organization_id = offer.organization_id
          AND status = offer.status AND currency = offer.currency
          AND closed_date = coalesce(offer.closed_date, DATE {NOT_CLOSED})
    $$
    """,
    "DROP TRIGGER IF EXISTS sales_offer_pipeline_upd ON sales_offer",
    f"CREATE TRIGGER sales_offer_pipeline_upd AFTER UPDATE OF {WATCHED} ON sales_offer "
    "FOR EACH ROW WHEN ((OLD.organization_id, OLD.status, OLD.currency, OLD.closed_date, "
    "OLD.total_net, OLD.trash_id) IS DISTINCT FROM (NEW.organization_id, NEW.status, "
    "NEW.currency, NEW.closed_date, NEW.total_net, NEW.trash_id)) "
    "EXECUTE FUNCTION sales_offer_pipeline()",
]


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for statement in [*PREVIOUS.SQLITE_DROP, *SQLITE_CREATE]:
            schema_editor.execute(statement)
    elif vendor == "postgresql":
        for statement in POSTGRES_CREATE:
            schema_editor.execute(statement)


def previous_triggers_postgres(apps, schema_editor):
    """Undone: migration 0009's functions and triggers, before trash_id goes (the update
    trigger names the column)."""
    if schema_editor.connection.vendor == "postgresql":
        for statement in [*PREVIOUS.POSTGRES_DROP, *PREVIOUS.POSTGRES_CREATE]:
            schema_editor.execute(statement)
    elif schema_editor.connection.vendor == "sqlite":
        for statement in PREVIOUS.SQLITE_DROP:
            schema_editor.execute(statement)


def previous_triggers_sqlite(apps, schema_editor):
    """Undone, last: SQLite rebuilt sales_offer without trash_id, dropping its triggers;
    migration 0009's are made again."""
    if schema_editor.connection.vendor == "sqlite":
        for statement in [*PREVIOUS.SQLITE_DROP, *PREVIOUS.SQLITE_CREATE]:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0010_search_kind_indexes"),
        ("sales", "0011_prospect_filter_orders"),
        ("trash", "0001_trash_batches"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(migrations.RunPython.noop, previous_triggers_sqlite, elidable=False),
        migrations.AddField(
            model_name="account",
            name="trash",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="trash.trashbatch",
            ),
        ),
        migrations.AddField(
            model_name="offer",
            name="trash",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="trash.trashbatch",
            ),
        ),
        migrations.AddField(
            model_name="prospect",
            name="trash",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="trash.trashbatch",
            ),
        ),
        migrations.AddIndex(
            model_name="account",
            index=models.Index(
                condition=models.Q(("trash__isnull", False)),
                fields=["trash"],
                name="account_trash_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="offer",
            index=models.Index(
                condition=models.Q(("trash__isnull", False)),
                fields=["trash"],
                name="offer_trash_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="prospect",
            index=models.Index(
                condition=models.Q(("trash__isnull", False)),
                fields=["trash"],
                name="prospect_trash_idx",
            ),
        ),
        migrations.RunPython(create_triggers, previous_triggers_postgres, elidable=False),
    ]
