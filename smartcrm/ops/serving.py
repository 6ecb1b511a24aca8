"""How `smartcrm serve` runs gunicorn: nothing that talks to the database crosses a fork.

The master process checks migrations and collects static files before it starts gunicorn;
it closes every connection those checks opened before the first worker is forked, and each
worker drops whatever it may still have inherited. A database connection shared by two
processes interleaves their queries on one socket: one request reads another's rows.
"""

from __future__ import annotations

from typing import Any

from django.db import connections


def close_database_connections() -> None:
    """Close every database connection this process opened (call before forking)."""
    connections.close_all()


def forget_inherited_connections() -> None:
    """In a freshly forked worker: drop connection objects inherited from the parent without
    closing their sockets (a close would end the parent's session too); each thread of the
    worker then opens its own connection on first use."""
    for connection in connections.all(initialized_only=True):
        connection.connection = None
        connection.in_atomic_block = False
        connection.savepoint_ids = []
        connection.needs_rollback = False
        connection.close_at = None


def post_fork(server: Any, worker: Any) -> None:
    """gunicorn hook: runs in each worker right after the fork."""
    forget_inherited_connections()


def gunicorn_options(
    *, host: str, port: int, workers: int, threads: int, timeout: int
) -> list[str]:
    """The command line `smartcrm serve` hands to gunicorn."""
    options = [
        "smartcrm.wsgi:application",
        "--bind",
        f"{host}:{port}",
        "--workers",
        str(workers),
        "--timeout",
        str(timeout),
        "--config",
        "python:smartcrm.ops.serving",
        "--access-logfile",
        "-",
    ]
    if threads > 1:
        # Threads overlap one request's database round trips with another's work; each
        # thread has its own database connection.
        options += ["--worker-class", "gthread", "--threads", str(threads)]
    return options
