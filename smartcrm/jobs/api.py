"""REST API of the background jobs, for admins: the queue, the workers, failed jobs (retry,
discard)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema
from pydantic import Field

from smartcrm.api.endpoints import actor_in, no_content
from smartcrm.api.schemas import errors_for
from smartcrm.jobs import selectors, services

router = Router(tags=["background jobs"])


class QueueOut(Schema):
    queued: int = Field(description="Jobs waiting, due or not (reminders wait for their time)")
    due: int = Field(description="Jobs waiting whose time has come")
    oldest_due_at: dt.datetime | None = Field(description="When the oldest due job fell due")
    oldest_due_seconds: int | None = Field(description="How long it has waited, in seconds")
    running: int
    failed: int = Field(description="Jobs failed for good, every organisation's")


class WorkerOut(Schema):
    worker_id: str
    host: str
    pid: int
    version: str
    alive: bool = Field(description="Heard of within SMARTCRM_WORKER_DEAD_AFTER, not stopped")
    started_at: dt.datetime
    last_heartbeat_at: dt.datetime
    seconds_since_heartbeat: int
    current_job_id: uuid.UUID | None
    current_task: str
    stopped_at: dt.datetime | None


class FailedJobOut(Schema):
    id: uuid.UUID
    task: str = Field(description="What the job does, e.g. Task reminder")
    task_path: str
    record_id: uuid.UUID | None = Field(description="The record it works for")
    record: str = Field(description="What that record is called (empty when it is gone)")
    error: str = Field(description="The error it failed with (last line)")
    attempts: int
    failed_at: dt.datetime | None


class JobsOut(Schema):
    queue: QueueOut
    workers: list[WorkerOut]
    failed: list[FailedJobOut] = Field(description="This organisation's, newest first (≤ 200)")


class RetriedOut(Schema):
    id: uuid.UUID
    status: str
    run_after: dt.datetime


def _queue(state: selectors.QueueState) -> dict[str, Any]:
    return {
        "queued": state.queued,
        "due": state.due,
        "oldest_due_at": state.oldest_due_at,
        "oldest_due_seconds": state.oldest_due_seconds,
        "running": state.running,
        "failed": state.failed,
    }


def _worker(worker: selectors.WorkerState) -> dict[str, Any]:
    return {
        "worker_id": worker.worker_id,
        "host": worker.host,
        "pid": worker.pid,
        "version": worker.version,
        "alive": worker.alive,
        "started_at": worker.started_at,
        "last_heartbeat_at": worker.beat_at,
        "seconds_since_heartbeat": worker.seconds_since_beat,
        "current_job_id": worker.job_id,
        "current_task": worker.job_label if worker.job_task else "",
        "stopped_at": worker.stopped_at,
    }


def _failed(job: selectors.FailedJob) -> dict[str, Any]:
    return {
        "id": job.id,
        "task": job.label,
        "task_path": job.task_path,
        "record_id": job.record_id,
        "record": job.record,
        "error": job.error,
        "attempts": job.attempts,
        "failed_at": job.failed_at,
    }


@router.get(
    "/jobs",
    response={200: JobsOut, **errors_for(401, 403, 429)},
    summary="Background jobs: queue, workers, failed jobs",
    description="For admins and owners. The queue and the workers are the installation's; "
    "the failed jobs are the organisation's own.",
)
def jobs_overview(request: HttpRequest) -> Any:
    actor = actor_in(request)
    overview = selectors.jobs_overview(org=actor.org, user=actor.user)
    return {
        "queue": _queue(overview.queue),
        "workers": [_worker(worker) for worker in overview.workers],
        "failed": [_failed(job) for job in overview.failed],
    }


@router.post(
    "/jobs/{job_id}/retry",
    response={200: RetriedOut, **errors_for(400, 401, 403, 404, 409, 429)},
    summary="Run a failed job once more",
    description="Queues the job to run now, once: should it fail again it stays failed. "
    "A job that has not failed (already retried) is a 409.",
)
def retry_job(request: HttpRequest, job_id: uuid.UUID) -> Any:
    actor = actor_in(request)
    job = services.job_retry(org=actor.org, user=actor.user, job_id=job_id)
    return {"id": job.pk, "status": job.status, "run_after": job.run_after}


@router.post(
    "/jobs/{job_id}/discard",
    response={204: None, **errors_for(400, 401, 403, 404, 409, 429)},
    summary="Discard a failed job",
    description="The job is forgotten and will not run. A job that has not failed is a 409.",
)
def discard_job(request: HttpRequest, job_id: uuid.UUID) -> HttpResponse:
    actor = actor_in(request)
    services.job_discard(org=actor.org, user=actor.user, job_id=job_id)
    return no_content()
