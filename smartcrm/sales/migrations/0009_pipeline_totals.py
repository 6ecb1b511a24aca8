"""The pipeline's totals per organisation, status, currency and closing date, kept by
triggers on sales_offer in the statement that changes an offer (see OfferPipelineTotal).

Both vendors add an offer's count and cents under its key on insert (making the row if
need be), take them off on delete (an update only), and do both on an update of a column
in the key or of the total. PostgreSQL applies an update's two changes in key order, so two
offers moved in opposite directions at once lock the same rows in the same order (no
deadlock). The table is then filled from the offers already there.

Careful: on SQLite, a later migration that alters sales_offer makes Django rebuild the
table, which drops its triggers: such a migration must create them again (copy the SQL).
"""

import django.db.models.deletion
from django.db import migrations, models

TABLE = "sales_offerpipelinetotal"
NOT_CLOSED = "'0001-01-01'"
KEY = "organization_id, status, currency, closed_date"
WATCHED = "organization_id, status, currency, closed_date, total_net"

FILL = f"""
    INSERT INTO {TABLE} ({KEY}, count, total_net_cents)
    SELECT organization_id, status, currency, coalesce(closed_date, {NOT_CLOSED}), count(*),
           sum(CAST(round(total_net * 100) AS BIGINT))
    FROM sales_offer GROUP BY 1, 2, 3, 4
"""


def _sqlite_add(record: str) -> str:
    """Count ``record`` under its key (the row is made if need be)."""
    return (
        f"INSERT INTO {TABLE} ({KEY}, count, total_net_cents) VALUES ("
        f"{record}.organization_id, {record}.status, {record}.currency, "
        f"coalesce({record}.closed_date, {NOT_CLOSED}), 1, "
        f"CAST(round({record}.total_net * 100) AS INTEGER)) "
        f"ON CONFLICT ({KEY}) DO UPDATE SET count = count + excluded.count, "
        "total_net_cents = total_net_cents + excluded.total_net_cents;"
    )


def _sqlite_take(record: str) -> str:
    """Take ``record`` off its key's row: an update only, so an offer deleted with its
    organisation after the totals went first makes no row."""
    return (
        f"UPDATE {TABLE} SET count = count - 1, "
        f"total_net_cents = total_net_cents - CAST(round({record}.total_net * 100) AS INTEGER) "
        f"WHERE organization_id = {record}.organization_id AND status = {record}.status "
        f"AND currency = {record}.currency "
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
SQLITE_DROP = [
    f"DROP TRIGGER IF EXISTS sales_offer_pipeline_{suffix}" for suffix in ("ai", "ad", "au")
]

POSTGRES_CREATE = [
    f"""
    CREATE FUNCTION sales_offer_pipeline_add(offer sales_offer) RETURNS void
    LANGUAGE sql AS $$
        INSERT INTO {TABLE} ({KEY}, count, total_net_cents)
        VALUES (offer.organization_id, offer.status, offer.currency,
                coalesce(offer.closed_date, DATE {NOT_CLOSED}), 1,
                (offer.total_net * 100)::bigint)
        ON CONFLICT ({KEY}) DO UPDATE SET count = {TABLE}.count + excluded.count,
            total_net_cents = {TABLE}.total_net_cents + excluded.total_net_cents
    $$
    """,
    # An update only, so an offer deleted with its organisation after the totals went first
    # makes no row.
    f"""
    CREATE FUNCTION sales_offer_pipeline_take(offer sales_offer) RETURNS void
    LANGUAGE sql AS $$
        UPDATE {TABLE} SET count = count - 1,
            total_net_cents = total_net_cents - (offer.total_net * 100)::bigint
        WHERE organization_id = offer.organization_id AND status = offer.status
          AND currency = offer.currency
          AND closed_date = coalesce(offer.closed_date, DATE {NOT_CLOSED})
    $$
    """,
    f"""
    CREATE FUNCTION sales_offer_pipeline() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            PERFORM sales_offer_pipeline_add(NEW);
        ELSIF TG_OP = 'DELETE' THEN
            PERFORM sales_offer_pipeline_take(OLD);
        ELSIF (OLD.organization_id, OLD.status, OLD.currency, OLD.closed_date)
              IS NOT DISTINCT FROM
              (NEW.organization_id, NEW.status, NEW.currency, NEW.closed_date) THEN
            PERFORM sales_offer_pipeline_take(OLD);
            PERFORM sales_offer_pipeline_add(NEW);
        -- Two rows: lock them in key order, whichever way the offer moves.
        ELSIF (OLD.organization_id, OLD.status, OLD.currency,
               coalesce(OLD.closed_date, DATE {NOT_CLOSED}))
            < (NEW.organization_id, NEW.status, NEW.currency,
               coalesce(NEW.closed_date, DATE {NOT_CLOSED})) THEN
            PERFORM sales_offer_pipeline_take(OLD);
            PERFORM sales_offer_pipeline_add(NEW);
        ELSE
            PERFORM sales_offer_pipeline_add(NEW);
            PERFORM sales_offer_pipeline_take(OLD);
        END IF;
        RETURN NULL;
    END
    $$
    """,
    "CREATE TRIGGER sales_offer_pipeline_ins AFTER INSERT ON sales_offer "
    "FOR EACH ROW EXECUTE FUNCTION sales_offer_pipeline()",
    "CREATE TRIGGER sales_offer_pipeline_del AFTER DELETE ON sales_offer "
    "FOR EACH ROW EXECUTE FUNCTION sales_offer_pipeline()",
    f"CREATE TRIGGER sales_offer_pipeline_upd AFTER UPDATE OF {WATCHED} ON sales_offer "
    "FOR EACH ROW WHEN ((OLD.organization_id, OLD.status, OLD.currency, OLD.closed_date, "
    "OLD.total_net) IS DISTINCT FROM (NEW.organization_id, NEW.status, NEW.currency, "
    "NEW.closed_date, NEW.total_net)) EXECUTE FUNCTION sales_offer_pipeline()",
]
POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS sales_offer_pipeline_upd ON sales_offer",
    "DROP TRIGGER IF EXISTS sales_offer_pipeline_del ON sales_offer",
    "DROP TRIGGER IF EXISTS sales_offer_pipeline_ins ON sales_offer",
    "DROP FUNCTION IF EXISTS sales_offer_pipeline()",
    "DROP FUNCTION IF EXISTS sales_offer_pipeline_take(sales_offer)",
    "DROP FUNCTION IF EXISTS sales_offer_pipeline_add(sales_offer)",
]


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = {"postgresql": POSTGRES_CREATE, "sqlite": SQLITE_CREATE}.get(vendor, [])
    for statement in [*statements, FILL]:
        schema_editor.execute(statement)


def drop_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for statement in {"postgresql": POSTGRES_DROP, "sqlite": SQLITE_DROP}.get(vendor, []):
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0009_search_walks"),
        ("sales", "0008_pipeline_indexes"),
    ]

    operations = [
        migrations.CreateModel(
            name="OfferPipelineTotal",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("status", models.CharField(max_length=20)),
                ("currency", models.CharField(max_length=3)),
                ("closed_date", models.DateField()),
                ("count", models.IntegerField(default=0)),
                ("total_net_cents", models.BigIntegerField(default=0)),
                (
                    "organization",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="core.organization",
                    ),
                ),
            ],
            options={
                "verbose_name": "pipeline total",
                "verbose_name_plural": "pipeline totals",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("organization", "status", "currency", "closed_date"),
                        name="offer_pipeline_total_key",
                    )
                ],
            },
        ),
        migrations.RunPython(create_triggers, drop_triggers, elidable=False),
    ]
