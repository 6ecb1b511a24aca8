"""Fill the matching keys of existing prospects and accounts; on PostgreSQL add pg_trgm GIN
indexes on name_key, which serve "a very similar name" (the % operator) on create.

The keys come from smartcrm.dedupe.keys: pure functions of the values, no models, so the
backfill computes exactly what the services compute from now on.
"""

from django.db import migrations

BATCH = 2000
TRGM_INDEXES = {
    "sales_prospect": "prospect_name_key_trgm_idx",
    "sales_account": "account_name_key_trgm_idx",
}


def _fill(model, name_of):
    from smartcrm.core.normalize import phone_e164
    from smartcrm.dedupe.keys import email_key, name_key

    batch = []
    for row in model.objects.order_by("pk").iterator(chunk_size=BATCH):
        row.email_normalized = email_key(row.email)
        row.phone_e164 = phone_e164(row.phone)
        row.name_key = name_key(name_of(row))
        batch.append(row)
        if len(batch) >= BATCH:
            model.objects.bulk_update(batch, ["email_normalized", "phone_e164", "name_key"])
            batch = []
    if batch:
        model.objects.bulk_update(batch, ["email_normalized", "phone_e164", "name_key"])


def _prospect_name(row):
    person = f"{row.first_name} {row.last_name}".strip()
    if row.kind == "company" and row.company_name:
        return row.company_name
    return person or row.company_name


def fill_keys(apps, schema_editor):
    _fill(apps.get_model("sales", "Prospect"), _prospect_name)
    _fill(apps.get_model("sales", "Account"), lambda row: row.name)


def create_trgm(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for table, index in TRGM_INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {index} ON {table} USING gin (name_key gin_trgm_ops)"
        )


def drop_trgm(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for index in TRGM_INDEXES.values():
        schema_editor.execute(f"DROP INDEX IF EXISTS {index}")


class Migration(migrations.Migration):
    dependencies = [
        ("sales", "0003_matching_keys"),
        ("core", "0004_search_index"),
    ]

    operations = [
        migrations.RunPython(fill_keys, migrations.RunPython.noop, elidable=True),
        migrations.RunPython(create_trgm, drop_trgm),
    ]
