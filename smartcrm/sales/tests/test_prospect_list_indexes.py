"""A filtered prospects list reads its first page in order from an index that ends with the
lists' default order (newest first), instead of sorting every match: SQLite sorts a filter
of a common value (a source, a status) otherwise, 199 ms at 100,000 prospects."""

from __future__ import annotations

import pytest
from django.db import connection

from smartcrm.sales.models import Prospect


@pytest.mark.parametrize(
    ("field", "value", "index"),
    [
        ("status", "qualified", "prospect_org_status_new_idx"),
        ("source", "website", "prospect_org_source_new_idx"),
        ("county", "Cluj", "prospect_org_county_new_idx"),
        ("owner_id", None, "prospect_org_owner_new_idx"),
    ],
)
def test_sqlite_reads_a_filtered_page_in_order_from_its_index(org, owner, field, value, index):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's plan (PostgreSQL's depends on its statistics)")
    prospects = Prospect.objects.filter(
        organization=org, **{field: owner.pk if value is None else value}
    ).order_by("-created_at", "-id")[:11]
    sql, params = prospects.query.sql_with_params()

    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        plan = " | ".join(str(row[-1]) for row in cursor.fetchall())

    assert index in plan
    assert "TEMP B-TREE" not in plan
