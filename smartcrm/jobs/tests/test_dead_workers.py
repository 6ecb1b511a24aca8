"""A real worker killed with SIGKILL in the middle of an import: another worker notices its
silence within the heartbeat limit, takes the job again, and the import goes on after its
last committed batch, so that every row is imported exactly once (both databases)."""

from __future__ import annotations

import json

import pytest

from smartcrm.imports import services
from smartcrm.imports.tests.factories import preview
from smartcrm.ops.tests.processes import WorkerProcess, wait_until, worker_database

ROWS = 4000


@pytest.mark.django_db(transaction=True)
def test_an_import_whose_worker_is_killed_is_finished_by_another_each_row_once(
    org, owner, tmp_path
):
    # Given a committed import of many rows, in small batches
    rows = [["Prenume", "Nume", "E-mail", "Județ"]] + [
        ["Ștefan", f"Țăranu {n}", f"stefan.{n}@tesatoria.ro", "Mureș"] for n in range(ROWS)
    ]
    run = preview(org, owner, "prospects", rows)
    services.import_commit(org=org, user=owner, import_id=run.pk)
    database = worker_database(
        tmp_path / "data",
        SMARTCRM_IMPORT_BATCH_ROWS="40",
        SMARTCRM_WORKER_HEARTBEAT_SECONDS="1",
        SMARTCRM_WORKER_DEAD_AFTER="5",
    )
    # SQLite keeps a UUID as 32 hex digits
    run_key = run.pk.hex if database.sqlite_path is not None else str(run.pk)

    def progress() -> tuple[str, int, int]:
        ((status, processed, created),) = database.query(
            "SELECT status, processed_rows, created_count FROM imports_importrun WHERE id = ?",
            (run_key,),
        )
        return status, processed, created

    # When the worker running it is killed half-way
    first = WorkerProcess(database.env, tmp_path / "alfa.log", "worker", "--worker-id", "alfa")
    wait_until(lambda: progress()[1] >= 200, 180, "the import under way", process=first)
    first.kill()
    done_when_killed = progress()[1]
    assert done_when_killed < ROWS
    # and another worker is running
    second = WorkerProcess(database.env, tmp_path / "beta.log", "worker", "--worker-id", "beta")
    try:
        # Then it takes the job again once alfa's heartbeat is older than the limit (the old
        # rule would wait SMARTCRM_JOB_ABANDONED_AFTER, 30 minutes) and finishes the import
        wait_until(lambda: progress()[0] == "done", 180, "the import to finish", process=second)
    finally:
        code = second.stop()
    log = second.text()
    assert code == 0, log
    assert "of worker alfa queued again: no heartbeat from its worker for" in log
    ((status, worker_ids),) = database.query(
        "SELECT status, worker_ids FROM django_tasks_database_dbtaskresult WHERE task_path = ?",
        ("smartcrm.imports.tasks.import_run_task",),
    )
    if isinstance(worker_ids, str):  # SQLite gives the JSON's text
        worker_ids = json.loads(worker_ids)
    assert (status, worker_ids) == ("SUCCESSFUL", ["alfa", "beta"])
    # and every row is there exactly once
    assert progress() == ("done", ROWS, ROWS)
    org_key = org.pk.hex if database.sqlite_path is not None else str(org.pk)
    ((prospects, emails),) = database.query(
        "SELECT count(*), count(DISTINCT email) FROM sales_prospect WHERE organization_id = ?",
        (org_key,),
    )
    assert (prospects, emails) == (ROWS, ROWS)
