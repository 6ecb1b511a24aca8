"""Sort orders with a constant (tasks without a due time last, offers without a close date
last) are served by their expression indexes on SQLite too, which matches an index only to
the same expression, constants written the same way."""

from __future__ import annotations

import pytest
from django.db import connection

from smartcrm.sales.models import Offer, close_sort
from smartcrm.tasks.models import Task, due_sort


def _plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        return " | ".join(str(row[-1]) for row in cursor.fetchall())


@pytest.mark.parametrize(
    ("queryset", "index"),
    [
        (
            lambda org: (
                Task.objects.filter(organization=org)
                .annotate(sort=due_sort())
                .order_by("sort", "id")
            ),
            "task_org_due_sort_idx",
        ),
        (
            lambda org: (
                Offer.objects.filter(organization=org, status="sent")
                .annotate(sort=close_sort())
                .order_by("sort", "id")
            ),
            "offer_pipeline_open_idx",
        ),
    ],
    ids=["tasks by due time", "open offers by close date"],
)
def test_sqlite_walks_the_expression_index_instead_of_sorting(org, queryset, index):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's expression-index matching")

    plan = _plan(queryset(org)[:11])

    assert index in plan
    assert "TEMP B-TREE" not in plan
