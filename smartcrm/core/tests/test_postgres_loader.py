"""``timestamptz`` values read through psycopg's compiled loader (core.postgres) are the
values Django's own loader gives: same instants, same time zone, NULL as None."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

VALUES = [
    "2026-03-29 01:30:00+02",  # the night the clocks go forward in Bucharest
    "2026-10-25 03:30:00.123456+03",
    "1999-12-31 23:59:59.5-05:30",
    "0001-01-01 00:00:00+00",
    "9999-12-31 23:59:59.999999+00",
    None,
]


def _read(cursor) -> list[dt.datetime | None]:
    cursor.execute(
        "SELECT value::timestamptz FROM unnest(%s::text[]) WITH ORDINALITY AS v(value, n) "
        "ORDER BY n",
        [VALUES],
    )
    return [row[0] for row in cursor.fetchall()]


def test_the_compiled_loader_reads_what_djangos_loader_reads():
    from django.db.backends.postgresql.psycopg_any import register_tzloader
    from psycopg import postgres, pq

    oid = postgres.types["timestamptz"].oid
    with connection.cursor() as cursor:
        loader = cursor.connection.adapters.get_loader(oid, pq.Format.TEXT)
        assert loader.__qualname__.endswith("CompiledTimestamptzLoader")
        fast = _read(cursor)
    with connection.cursor() as cursor:
        register_tzloader(connection.timezone, cursor.cursor)  # Django's, on this cursor
        django_read = _read(cursor)

    assert fast == django_read
    assert [value.tzinfo for value in fast if value is not None] == [dt.UTC] * 5
    assert fast[0] == dt.datetime(2026, 3, 28, 23, 30, tzinfo=dt.UTC)
    assert fast[-1] is None
