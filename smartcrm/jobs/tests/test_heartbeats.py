"""Heartbeats: a running job goes back to the queue as soon as its worker is known to be gone,
and stays with a worker that is alive and running it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from smartcrm.jobs.models import WorkerHeartbeat
from smartcrm.jobs.services import heartbeat_stop, requeue_orphaned_jobs
from smartcrm.notifications.jobs import enqueue, job
from smartcrm.ops.worker import SmartWorker

pytestmark = pytest.mark.django_db


@job
def remember(*, word: str) -> str:
    return word


def _claimed_by(worker_id: str, word: str) -> DBTaskResult:
    """A job claimed by a worker that registered its heartbeat, as a real one does."""
    enqueue(remember, word=word)
    worker = SmartWorker(once=True, interval=0, worker_id=worker_id, max_jobs=None)
    worker.register()
    claimed = worker.claim()
    assert claimed is not None
    return claimed


def _silent_for(worker_id: str, seconds: int) -> None:
    """The worker's last heartbeat is that old (it was killed then)."""
    WorkerHeartbeat.objects.filter(pk=worker_id).update(
        beat_at=timezone.now() - dt.timedelta(seconds=seconds)
    )


def _status(job_id) -> str:
    return DBTaskResult.objects.get(pk=job_id).status


def test_the_claim_notes_the_job_in_the_workers_heartbeat(settings):
    claimed = _claimed_by("alfa", "ofertă")

    beat = WorkerHeartbeat.objects.get(pk="alfa")
    assert (beat.job_id, beat.job_task) == (claimed.pk, claimed.task_path)
    assert beat.stopped_at is None and beat.pid > 0 and beat.version


def test_a_job_of_a_worker_silent_past_the_limit_is_queued_again_at_once(settings):
    settings.SMARTCRM_WORKER_DEAD_AFTER = 60
    settings.SMARTCRM_JOB_ABANDONED_AFTER = 1800
    claimed = _claimed_by("alfa", "import")
    _silent_for("alfa", 61)

    requeued = requeue_orphaned_jobs()

    assert [(r.job_id, r.worker_id) for r in requeued] == [(claimed.pk, "alfa")]
    assert requeued[0].reason == "no heartbeat from its worker for 61 s"
    assert _status(claimed.pk) == TaskResultStatus.READY


def test_a_job_of_a_live_worker_running_it_stays_with_it(settings):
    settings.SMARTCRM_WORKER_DEAD_AFTER = 60
    claimed = _claimed_by("alfa", "import")
    _silent_for("alfa", 59)

    assert requeue_orphaned_jobs() == []
    assert _status(claimed.pk) == TaskResultStatus.RUNNING


def test_a_job_of_a_worker_that_stopped_is_queued_again_at_once():
    claimed = _claimed_by("alfa", "import")
    heartbeat_stop(worker_id="alfa")  # stopped by force, the job in its hands

    (requeued,) = requeue_orphaned_jobs()

    assert (requeued.job_id, requeued.reason) == (claimed.pk, "its worker stopped")
    assert _status(claimed.pk) == TaskResultStatus.READY


def test_a_job_of_a_worker_started_again_under_its_name_is_queued_again_at_once():
    claimed = _claimed_by("alfa", "import")
    # the process was killed and a supervisor started a new one with the same name
    SmartWorker(once=True, interval=0, worker_id="alfa", max_jobs=None).register()

    (requeued,) = requeue_orphaned_jobs()

    assert (requeued.job_id, requeued.reason) == (claimed.pk, "its worker runs something else now")


def test_a_job_claimed_again_meanwhile_is_left_to_its_new_worker(settings):
    settings.SMARTCRM_WORKER_DEAD_AFTER = 60
    claimed = _claimed_by("alfa", "import")
    _silent_for("alfa", 120)
    requeue_orphaned_jobs()
    # beta takes it, then alfa's stale view would put it back: it must not
    retaken = SmartWorker(once=True, interval=0, worker_id="beta", max_jobs=None)
    retaken.register()
    assert retaken.claim() is not None

    assert requeue_orphaned_jobs() == []
    stored = DBTaskResult.objects.get(pk=claimed.pk)
    assert (stored.status, stored.worker_ids) == (TaskResultStatus.RUNNING, ["alfa", "beta"])


def test_a_finished_job_frees_the_worker_and_a_clean_stop_is_recorded():
    enqueue(remember, word="gata")
    worker = SmartWorker(once=False, interval=0, worker_id="alfa", max_jobs=1)

    worker.run()
    worker.stop()

    beat = WorkerHeartbeat.objects.get(pk="alfa")
    assert (beat.job_id, beat.job_task) == (None, "")
    assert beat.stopped_at is not None
    assert worker.ran == 1


def test_single_passes_from_cron_leave_one_row_per_host():
    for run in range(3):
        worker = SmartWorker(once=True, interval=0, worker_id=f"cron-{run}", max_jobs=None)
        worker.run()
        worker.stop()

    (remembered,) = WorkerHeartbeat.objects.all()
    assert remembered.worker_id.endswith("-once")
    assert remembered.stopped_at is not None
