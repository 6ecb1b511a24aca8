"""Fill the matching keys of existing contacts; on PostgreSQL a pg_trgm GIN index on
name_key (see sales 0004)."""

from django.db import migrations

BATCH = 2000
INDEX = "contact_name_key_trgm_idx"


def fill_keys(apps, schema_editor):
    from smartcrm.core.normalize import phone_e164
    from smartcrm.dedupe.keys import email_key, name_key

    Contact = apps.get_model("contacts", "Contact")
    fields = ["email_normalized", "phone_e164", "name_key"]
    batch = []
    for row in Contact.objects.order_by("pk").iterator(chunk_size=BATCH):
        row.email_normalized = email_key(row.email)
        row.phone_e164 = phone_e164(row.phone)
        row.name_key = name_key(f"{row.first_name} {row.last_name}")
        batch.append(row)
        if len(batch) >= BATCH:
            Contact.objects.bulk_update(batch, fields)
            batch = []
    if batch:
        Contact.objects.bulk_update(batch, fields)


def create_trgm(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON contacts_contact USING gin (name_key gin_trgm_ops)"
    )


def drop_trgm(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0003_matching_keys"),
        ("core", "0004_search_index"),
    ]

    operations = [
        migrations.RunPython(fill_keys, migrations.RunPython.noop, elidable=True),
        migrations.RunPython(create_trgm, drop_trgm),
    ]
