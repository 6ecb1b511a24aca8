"""`smartcrm worker --processes 2` as a real process: a worker killed with SIGKILL is started
again and jobs still run; SIGTERM to the pool stops every worker cleanly."""

from __future__ import annotations

import os
import signal

import pytest

from smartcrm.ops.tests.processes import (
    WorkerProcess,
    process_exists,
    wait_until,
    worker_database,
    worker_env,
)

ENQUEUE = (
    "from smartcrm.notifications.jobs import enqueue;"
    "from smartcrm.notifications.services import notification_email_send;"
    "print(enqueue(notification_email_send, notification_id='{id}'))"
)


@pytest.mark.django_db(transaction=True)
def test_a_pool_starts_again_a_worker_killed_and_stops_cleanly_on_sigterm(tmp_path):
    database = worker_database(tmp_path / "data", SMARTCRM_WORKER_HEARTBEAT_SECONDS="1")

    def live_workers() -> dict[str, int]:
        rows = database.query(
            "SELECT worker_id, pid FROM jobs_workerheartbeat WHERE stopped_at IS NULL"
        )
        return dict(rows)

    # Given a pool of two workers
    pool = WorkerProcess(
        database.env, tmp_path / "pool.log", "worker", "--processes", "2", "--worker-id", "pool"
    )
    try:
        first = wait_until(
            lambda: (w := live_workers()) and set(w) == {"pool-1", "pool-2"} and w,
            120,
            "two workers",
            process=pool,
        )

        # When one of them is killed with SIGKILL
        os.kill(first["pool-1"], signal.SIGKILL)

        # Then a new process takes its place, under its name
        again = wait_until(
            lambda: (w := live_workers()).get("pool-1") not in (None, first["pool-1"]) and w,
            120,
            "pool-1 started again",
            process=pool,
        )
        assert again["pool-2"] == first["pool-2"]
        # and jobs still run
        job_id = database.smartcrm(
            "shell", "-c", ENQUEUE.format(id="01a25070-0000-7000-8000-000000000000")
        ).split()[-1]
        wait_until(lambda: _status(database, job_id) == "SUCCESSFUL", 120, "the job", process=pool)
    finally:
        # When the pool is stopped as a service manager stops it
        code = pool.stop()

    # Then it exits cleanly, and with it every worker, each having said so
    log = pool.text()
    assert code == 0, log
    assert f"Worker pool-1 (pid {first['pool-1']}) was killed by SIGKILL" in log
    for pid in (*first.values(), again["pool-1"]):
        assert not process_exists(pid)
    stopped = database.query(
        "SELECT worker_id FROM jobs_workerheartbeat WHERE stopped_at IS NOT NULL"
    )
    assert sorted(worker for (worker,) in stopped) == ["pool-1", "pool-2"]


def _status(database, job_id: str) -> str:
    # SQLite keeps a UUID as 32 hex digits
    key = job_id if database.sqlite_path is None else job_id.replace("-", "")
    rows = database.query(
        "SELECT status FROM django_tasks_database_dbtaskresult WHERE id = ?", (key,)
    )
    return rows[0][0] if rows else ""


def test_a_pool_whose_workers_find_no_tables_stops_with_the_configuration_status(tmp_path):
    # Given an empty data folder (never migrated)
    env = worker_env(SMARTCRM_DATA_DIR=str(tmp_path / "data"))
    env.pop("DATABASE_URL", None)

    # When a pool starts on it
    pool = WorkerProcess(env, tmp_path / "pool.log", "worker", "--processes", "2")
    code = pool.process.wait(timeout=120)

    # Then it does not start its workers again and again: it stops, saying why
    log = pool.text()
    assert code == 78, log
    assert "run `smartcrm migrate` first" in log
    assert "starting it again" not in log


def test_a_pool_of_no_process_is_refused(tmp_path):
    pool = WorkerProcess(worker_env(), tmp_path / "pool.log", "worker", "--processes", "0")

    assert pool.process.wait(timeout=120) == 1
    assert "--processes: give 1 or more." in pool.text()
