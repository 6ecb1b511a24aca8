"""Index the existing tasks for the search box of their lists (core.search, kind "task").

New and changed tasks are indexed by their services from now on; ``smartcrm search_reindex``
rebuilds the same rows at any time.
"""

from django.db import migrations


def index(apps, schema_editor):
    from smartcrm.core.search_backfill import backfill
    from smartcrm.tasks.search import document_of

    backfill(apps, app_label="tasks", model_name="Task", kind="task", document=document_of)


def unindex(apps, schema_editor):
    apps.get_model("core", "SearchEntry").objects.filter(kind="task").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("tasks", "0003_creator_not_indexed"),
        ("core", "0007_creator_not_indexed"),
        ("sales", "0006_write_lighter_indexes"),
    ]

    operations = [migrations.RunPython(index, unindex, elidable=True)]
