"""Search rows of new records written by a follow-up job per batch: a batch's flag, and when
the import became searchable (imports over before this were indexed with their batches)."""

from django.db import migrations, models
from django.db.models import F
from django.db.models.functions import Coalesce


def over_imports_are_searchable(apps, schema_editor):
    ImportRun = apps.get_model("imports", "ImportRun")
    ImportRun.objects.filter(status__in=["done", "canceled", "failed", "undone"]).update(
        searchable_at=Coalesce(F("finished_at"), F("updated_at"))
    )


class Migration(migrations.Migration):
    dependencies = [
        ("imports", "0003_previewing_status"),
    ]

    operations = [
        migrations.AddField(
            model_name="importbatch",
            name="indexed",
            field=models.BooleanField(default=True),
        ),
        migrations.AddField(
            model_name="importrun",
            name="searchable_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="searchable"),
        ),
        migrations.RunPython(over_imports_are_searchable, migrations.RunPython.noop),
    ]
