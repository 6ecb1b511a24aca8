"""A real worker killed with SIGKILL in the middle of an import: another worker notices its
silence within the heartbeat limit, takes the job again, and the import goes on after its
last committed batch, so that every row is imported exactly once."""

from __future__ import annotations

import pytest
from django_tasks_db.models import DBTaskResult

from smartcrm.imports import services
from smartcrm.imports.choices import ImportStatus
from smartcrm.imports.models import ImportRun
from smartcrm.imports.tests.factories import preview
from smartcrm.ops.tests.processes import WorkerProcess, postgres_url, wait_until, worker_env
from smartcrm.sales.models import Prospect

ROWS = 4000


@pytest.mark.postgres
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
    env = worker_env(
        DATABASE_URL=postgres_url(),
        SMARTCRM_IMPORT_BATCH_ROWS="40",
        SMARTCRM_WORKER_HEARTBEAT_SECONDS="1",
        SMARTCRM_WORKER_DEAD_AFTER="5",
    )

    def progress() -> int:
        return ImportRun.objects.get(pk=run.pk).processed_rows

    # When the worker running it is killed half-way
    first = WorkerProcess(env, tmp_path / "alfa.log", "worker", "--worker-id", "alfa")
    wait_until(lambda: progress() >= 200, 180, "the import to be under way", process=first)
    first.kill()
    done_when_killed = progress()
    assert done_when_killed < ROWS
    # and another worker is running
    second = WorkerProcess(env, tmp_path / "beta.log", "worker", "--worker-id", "beta")
    try:
        # Then it takes the job again once alfa's heartbeat is older than the limit (the old
        # rule would wait SMARTCRM_JOB_ABANDONED_AFTER, 30 minutes) and finishes the import
        wait_until(
            lambda: ImportRun.objects.get(pk=run.pk).status == ImportStatus.DONE,
            180,
            "the import to finish",
            process=second,
        )
    finally:
        code = second.stop()
    log = second.text()
    assert code == 0, log
    assert "of worker alfa queued again: no heartbeat from its worker for" in log
    job = DBTaskResult.objects.get(task_path__endswith="import_run_task")
    assert (job.status, job.worker_ids) == ("SUCCESSFUL", ["alfa", "beta"])
    # and every row is there exactly once
    finished = ImportRun.objects.get(pk=run.pk)
    assert (finished.processed_rows, finished.created_count) == (ROWS, ROWS)
    prospects = Prospect.objects.filter(organization=org)
    assert prospects.count() == ROWS
    assert prospects.values("email").distinct().count() == ROWS
