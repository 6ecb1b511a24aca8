"""The worker's loop in this process: a job the database's outage interrupts is neither failed
nor retried; it goes back to the queue and runs when the database answers again."""

from __future__ import annotations

import logging

import pytest
from django.db.utils import OperationalError
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from smartcrm.notifications.jobs import enqueue, job
from smartcrm.ops.worker import SmartWorker

CALLS: list[str] = []


@job
def lose_the_database_once(*, word: str) -> str:
    CALLS.append(word)
    if len(CALLS) == 1:
        raise OperationalError("server closed the connection unexpectedly")
    return "ok"


def setup_function() -> None:
    CALLS.clear()


@pytest.fixture
def no_waiting(settings):
    settings.SMARTCRM_WORKER_BACKOFF_MAX = 0


def test_a_job_cut_off_by_an_outage_runs_again_without_using_a_retry(db, no_waiting, caplog):
    enqueue(lose_the_database_once, word="mâine")
    worker = SmartWorker(once=False, interval=0, worker_id="test-worker", max_jobs=1)

    with caplog.at_level(logging.INFO, logger="smartcrm.worker"):
        worker.run()

    assert CALLS == ["mâine", "mâine"]
    (only,) = DBTaskResult.objects.all()  # no retry queued beside it
    assert (only.status, only.return_value) == (TaskResultStatus.SUCCESSFUL, "ok")
    assert only.worker_ids == ["test-worker", "test-worker"]
    messages = [record.getMessage() for record in caplog.records]
    assert sum(m.startswith("Database unavailable") for m in messages) == 1
    assert sum(m.startswith("Database back after") for m in messages) == 1
    assert any("lose_the_database_once) was interrupted" in m for m in messages)
    assert (worker.ran, worker.failed) == (1, 0)


def test_once_stops_on_an_outage_and_leaves_the_job_unfailed(db, no_waiting):
    enqueue(lose_the_database_once, word="azi")
    worker = SmartWorker(once=True, interval=0, worker_id="cron", max_jobs=None)

    with pytest.raises(OperationalError):
        worker.run()

    (only,) = DBTaskResult.objects.all()
    assert only.status == TaskResultStatus.RUNNING  # a later worker takes it again
