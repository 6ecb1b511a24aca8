"""Every write about background jobs: the workers' heartbeats, and jobs put back in the queue.

A worker writes its heartbeat every ``SMARTCRM_WORKER_HEARTBEAT_SECONDS`` (from a thread of
its own, so a long import does not silence it), and notes the job it runs in the very
transaction that claims the job. A job left running is put back in the queue by whichever
worker sees it first:

- its worker stopped, or has not beaten for ``SMARTCRM_WORKER_DEAD_AFTER`` seconds (killed,
  its machine gone): at once;
- its worker is alive but runs something else (an outage cut the job off, or the process was
  restarted under the same name): at once;
- no heartbeat of its worker is known (a worker of an older version): after
  ``SMARTCRM_JOB_ABANDONED_AFTER`` seconds from the claim, as before heartbeats.

Every job is safe to run again: reminders and e-mails check under a row lock whether they are
still owed, imports go on after their last committed batch.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.conf import settings
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from smartcrm.jobs.models import WorkerHeartbeat

logger = logging.getLogger("smartcrm.worker")

# Heartbeats of workers gone this long are forgotten.
FORGET_AFTER = dt.timedelta(days=7)


def heartbeat_start(*, worker_id: str, host: str, pid: int, version: str) -> None:
    """A worker starts (or starts again under the same name): its row, afresh."""
    now = timezone.now()
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={
            "host": host[:255],
            "pid": pid,
            "version": version[:40],
            "started_at": now,
            "beat_at": now,
            "job_id": None,
            "job_task": "",
            "job_started_at": None,
            "stopped_at": None,
        },
    )


def heartbeat_beat(*, worker_id: str) -> bool:
    """The worker is alive; False when it has no row (forgotten: start it again)."""
    return bool(WorkerHeartbeat.objects.filter(pk=worker_id).update(beat_at=timezone.now()))


def heartbeat_job(*, worker_id: str, job: DBTaskResult | None) -> None:
    """The job the worker runs now (None: none). Called in the claim's transaction, so that
    nobody sees the job claimed while the worker's row says it runs something else."""
    now = timezone.now()
    WorkerHeartbeat.objects.filter(pk=worker_id).update(
        beat_at=now,
        job_id=job.pk if job is not None else None,
        job_task=job.task_path[:255] if job is not None else "",
        job_started_at=now if job is not None else None,
    )


def heartbeat_stop(*, worker_id: str) -> None:
    """The worker stops: a job it still holds (a forced stop) is anybody's at once."""
    now = timezone.now()
    WorkerHeartbeat.objects.filter(pk=worker_id).update(
        beat_at=now, stopped_at=now, job_id=None, job_task="", job_started_at=None
    )


@dataclass(frozen=True)
class Requeued:
    """A job put back in the queue, and why."""

    job_id: UUID
    task_path: str
    worker_id: str
    reason: str


def _left_behind(job: Mapping[str, Any], beat: WorkerHeartbeat | None, now: dt.datetime) -> str:
    """Why the running ``job`` was left behind by its worker ("" when it was not)."""
    if beat is None:
        abandoned = now - dt.timedelta(seconds=settings.SMARTCRM_JOB_ABANDONED_AFTER)
        started = job["started_at"]
        if started is not None and started < abandoned:
            return f"claimed {int((now - started).total_seconds())} s ago, no heartbeat known"
        return ""
    if beat.stopped_at is not None:
        return "its worker stopped"
    silent = (now - beat.beat_at).total_seconds()
    if silent > settings.SMARTCRM_WORKER_DEAD_AFTER:
        return f"no heartbeat from its worker for {int(silent)} s"
    if beat.job_id != job["id"]:
        return "its worker runs something else now"
    return ""


def requeue_orphaned_jobs() -> list[Requeued]:
    """Put back in the queue every running job its worker left behind (see the module)."""
    # The jobs first, then the heartbeats: a claim writes both in one transaction, so a row
    # read after the job is at least as new as the claim that made the job run.
    running = list(
        DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).values(
            "id", "task_path", "worker_ids", "started_at"
        )
    )
    if not running:
        return []
    owners = {job["worker_ids"][-1] for job in running if job["worker_ids"]}
    beats = {beat.pk: beat for beat in WorkerHeartbeat.objects.filter(pk__in=owners)}
    now = timezone.now()
    requeued = []
    for job in running:
        owner = job["worker_ids"][-1] if job["worker_ids"] else ""
        reason = _left_behind(job, beats.get(owner), now)
        if not reason:
            continue
        # Only as it was seen: a job claimed again meanwhile has another start time.
        if DBTaskResult.objects.filter(
            pk=job["id"], status=TaskResultStatus.RUNNING, started_at=job["started_at"]
        ).update(status=TaskResultStatus.READY, started_at=None):
            requeued.append(Requeued(job["id"], job["task_path"], owner, reason))
            logger.warning(
                "Job %s (%s) of worker %s queued again: %s",
                job["id"],
                job["task_path"],
                owner or "?",
                reason,
            )
    return requeued


def heartbeats_forget_old() -> int:
    """Forget the workers gone for a week."""
    deleted, _kinds = WorkerHeartbeat.objects.filter(
        beat_at__lt=timezone.now() - FORGET_AFTER
    ).delete()
    return deleted
