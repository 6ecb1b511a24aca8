"""Index the existing activities for the search box of their lists (core.search, kind "activity").

New and changed activities are indexed by their services from now on; ``smartcrm search_reindex``
rebuilds the same rows at any time.
"""

from django.db import migrations


def index(apps, schema_editor):
    from smartcrm.activities.search import document_of
    from smartcrm.core.search_backfill import backfill

    backfill(
        apps, app_label="activities", model_name="Activity", kind="activity", document=document_of
    )


def unindex(apps, schema_editor):
    apps.get_model("core", "SearchEntry").objects.filter(kind="activity").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("activities", "0005_creator_not_indexed"),
        ("core", "0007_creator_not_indexed"),
        ("sales", "0006_write_lighter_indexes"),
    ]

    operations = [migrations.RunPython(index, unindex, elidable=True)]
