"""The sort expressions' constants became ``core.expressions.Constant``, which SQLite sees
written into the query as the index has it: the same indexes in the database, so this
changes the migration state only."""

import datetime

import django.db.models.functions.comparison
from django.conf import settings
from django.db import migrations, models

import smartcrm.core.expressions


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0009_search_walks"),
        ("sales", "0009_pipeline_totals"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveIndex(
                    model_name="offer",
                    name="offer_pipeline_open_idx",
                ),
                migrations.AddIndex(
                    model_name="offer",
                    index=models.Index(
                        models.F("organization"),
                        models.F("status"),
                        django.db.models.functions.comparison.Coalesce(
                            "expected_close_date",
                            smartcrm.core.expressions.Constant(
                                datetime.date(9999, 12, 31), output_field=models.DateField()
                            ),
                        ),
                        models.F("id"),
                        name="offer_pipeline_open_idx",
                    ),
                ),
            ],
        ),
    ]
