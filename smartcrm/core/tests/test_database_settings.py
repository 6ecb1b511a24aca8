"""What every PostgreSQL connection is set up with (settings.DATABASES): no JIT compilation,
the working memory a common search term's bitmap and sort need, no parallel workers."""

from __future__ import annotations

import pytest
from django.db import connection


@pytest.mark.django_db
def test_postgresql_connections_run_without_jit_or_parallel_workers_with_16mb_of_memory():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's settings")
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        (jit,) = cursor.fetchone()
        cursor.execute("SHOW work_mem")
        (work_mem,) = cursor.fetchone()
        cursor.execute("SHOW max_parallel_workers_per_gather")
        (workers,) = cursor.fetchone()
    assert (jit, work_mem, workers) == ("off", "16MB", "0")
