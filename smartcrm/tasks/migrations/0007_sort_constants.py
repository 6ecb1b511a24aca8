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
        ("sales", "0010_sort_constants"),
        ("tasks", "0006_open_task_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveIndex(
                    model_name="task",
                    name="task_org_due_sort_idx",
                ),
                migrations.RemoveIndex(
                    model_name="task",
                    name="task_open_due_idx",
                ),
                migrations.RemoveIndex(
                    model_name="task",
                    name="task_open_assignee_due_idx",
                ),
                migrations.AddIndex(
                    model_name="task",
                    index=models.Index(
                        models.F("organization"),
                        django.db.models.functions.comparison.Coalesce(
                            "due_at",
                            smartcrm.core.expressions.Constant(
                                datetime.datetime(9999, 12, 31, 0, 0, tzinfo=datetime.UTC),
                                output_field=models.DateTimeField(),
                            ),
                        ),
                        models.F("id"),
                        name="task_org_due_sort_idx",
                    ),
                ),
                migrations.AddIndex(
                    model_name="task",
                    index=models.Index(
                        models.F("organization"),
                        django.db.models.functions.comparison.Coalesce(
                            "due_at",
                            smartcrm.core.expressions.Constant(
                                datetime.datetime(9999, 12, 31, 0, 0, tzinfo=datetime.UTC),
                                output_field=models.DateTimeField(),
                            ),
                        ),
                        models.F("id"),
                        condition=models.Q(("status__in", ("open", "in_progress"))),
                        name="task_open_due_idx",
                    ),
                ),
                migrations.AddIndex(
                    model_name="task",
                    index=models.Index(
                        models.F("organization"),
                        models.F("assignee"),
                        django.db.models.functions.comparison.Coalesce(
                            "due_at",
                            smartcrm.core.expressions.Constant(
                                datetime.datetime(9999, 12, 31, 0, 0, tzinfo=datetime.UTC),
                                output_field=models.DateTimeField(),
                            ),
                        ),
                        models.F("id"),
                        models.F("due_at"),
                        condition=models.Q(("status__in", ("open", "in_progress"))),
                        name="task_open_assignee_due_idx",
                    ),
                ),
            ],
        ),
    ]
