"""What admins see of the background work: the queue, the workers, the failed jobs.

The queue and the workers are the installation's (every organisation's reminders wait in the
same queue, for the same workers); failed jobs are each organisation's own, found through the
record each job works for (``core.job_owners``).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Max, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from smartcrm.core.choices import Role
from smartcrm.core.errors import NotFound
from smartcrm.core.ids import RecordId
from smartcrm.core.job_owners import JobKind, job_kind
from smartcrm.core.models import Membership, Organization, User
from smartcrm.core.permissions import require_role
from smartcrm.jobs.models import WorkerHeartbeat
from smartcrm.notifications.jobs import ATTEMPT, RetryScheduled

RETRY_SCHEDULED = f"{RetryScheduled.__module__}.{RetryScheduled.__qualname__}"
# The newest failed jobs looked through for an organisation's own.
FAILED_SCAN = 2000
# Workers gone longer than this are no longer listed.
WORKERS_SHOWN_FOR = dt.timedelta(days=1)


def failed_jobs() -> QuerySet[DBTaskResult]:
    """Every job that failed for good (not because another attempt was queued), newest first."""
    return (
        DBTaskResult.objects.failed()
        .exclude(exception_class_path=RETRY_SCHEDULED)
        .order_by("-finished_at")
    )


@dataclass(frozen=True)
class QueueState:
    """How much waits in the queue, and since when."""

    queued: int  # waiting, due or not
    due: int  # waiting and due now
    oldest_due_at: dt.datetime | None
    running: int
    failed: int  # failed for good, every organisation's

    @property
    def oldest_due_seconds(self) -> int | None:
        if self.oldest_due_at is None:
            return None
        return max(int((timezone.now() - self.oldest_due_at).total_seconds()), 0)


@dataclass(frozen=True)
class WorkerState:
    """A worker as its heartbeat shows it."""

    worker_id: str
    host: str
    pid: int
    version: str
    started_at: dt.datetime
    beat_at: dt.datetime
    job_id: uuid.UUID | None
    job_task: str
    stopped_at: dt.datetime | None

    @property
    def seconds_since_beat(self) -> int:
        return max(int((timezone.now() - self.beat_at).total_seconds()), 0)

    @property
    def alive(self) -> bool:
        return (
            self.stopped_at is None
            and self.seconds_since_beat <= settings.SMARTCRM_WORKER_DEAD_AFTER
        )

    @property
    def job_label(self) -> str:
        kind = job_kind(self.job_task)
        return str(kind.label) if kind is not None else self.job_task.rsplit(".", 1)[-1]


@dataclass(frozen=True)
class FailedJob:
    """A job that failed for good: what it was, for which record, why, after how many tries."""

    id: uuid.UUID
    task_path: str
    label: str
    record_id: uuid.UUID | None
    record: str  # what the record is called (a task's title...); "" when it is gone
    error: str
    attempts: int
    failed_at: dt.datetime | None


def queue_state() -> QueueState:
    waiting = DBTaskResult.objects.filter(status=TaskResultStatus.READY)
    due = DBTaskResult.objects.ready()
    return QueueState(
        queued=waiting.count(),
        due=due.count(),
        oldest_due_at=due.order_by("run_after").values_list("run_after", flat=True).first(),
        running=DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).count(),
        failed=failed_jobs().count(),
    )


def worker_list() -> list[WorkerState]:
    """The workers heard of in the last day, the most recently heard first."""
    since = timezone.now() - WORKERS_SHOWN_FOR
    return [
        WorkerState(
            worker_id=beat.worker_id,
            host=beat.host,
            pid=beat.pid,
            version=beat.version,
            started_at=beat.started_at,
            beat_at=beat.beat_at,
            job_id=beat.job_id,
            job_task=beat.job_task,
            stopped_at=beat.stopped_at,
        )
        for beat in WorkerHeartbeat.objects.filter(beat_at__gte=since).order_by("-beat_at")
    ]


@dataclass(frozen=True)
class WorkersMissing:
    """No worker has been heard of for SMARTCRM_WORKER_MISSING_AFTER seconds."""

    silent_since: dt.datetime | None  # the last heartbeat heard; None: no worker ever was


def workers_missing() -> WorkersMissing | None:
    """The silence of the workers, or None while one is heard of."""
    last = WorkerHeartbeat.objects.aggregate(last=Max("beat_at"))["last"]
    missing_after = dt.timedelta(seconds=settings.SMARTCRM_WORKER_MISSING_AFTER)
    if last is not None and last >= timezone.now() - missing_after:
        return None
    return WorkersMissing(silent_since=last)


def workers_missing_recipients() -> list[Membership]:
    """Whom to e-mail when no worker is heard of: every active admin and owner of every
    organisation, once each (a member of several: their oldest membership), with an e-mail."""
    memberships = (
        Membership.objects.filter(
            role__in=[Role.OWNER, Role.ADMIN], is_active=True, user__is_active=True
        )
        .exclude(user__email="")
        .select_related("user", "organization")
        .order_by("created_at", "pk")
    )
    once: dict[uuid.UUID, Membership] = {}
    for membership in memberships:
        once.setdefault(membership.user_id, membership)
    return list(once.values())


def attempts_of(job: DBTaskResult) -> int:
    """How many times the work was tried: earlier attempts (each queued as a job of its own
    by the retries), plus every run of this one (a manual retry runs it again)."""
    earlier = int((job.args_kwargs.get("kwargs") or {}).get(ATTEMPT, 1)) - 1
    return earlier + max(len(job.worker_ids), 1)


def error_of(traceback: str, exception_class_path: str = "") -> str:
    """The error a job failed with, on one line (the last of its traceback)."""
    lines = (traceback or "").strip().splitlines()
    return (lines[-1] if lines else exception_class_path)[:500]


def _failed(
    job: DBTaskResult, kind: JobKind | None, traceback: str, names: dict[uuid.UUID, str]
) -> FailedJob:
    record_id = kind.record_id(job.args_kwargs) if kind is not None else None
    return FailedJob(
        id=job.pk,
        task_path=job.task_path,
        label=str(kind.label) if kind is not None else job.task_path.rsplit(".", 1)[-1],
        record_id=record_id,
        record=names.get(record_id, "") if record_id is not None else "",
        error=error_of(traceback, job.exception_class_path),
        attempts=attempts_of(job),
        failed_at=job.finished_at,
    )


def _of_organization(org: Organization, jobs: list[DBTaskResult]) -> list[DBTaskResult]:
    """The jobs (of any organisation) that work for a record of ``org``; one query per kind."""
    wanted: dict[str, set[uuid.UUID]] = defaultdict(set)
    for job in jobs:
        kind = job_kind(job.task_path)
        record_id = kind.record_id(job.args_kwargs) if kind is not None else None
        if kind is not None and record_id is not None:
            wanted[job.task_path].add(record_id)
    ours: dict[str, set[uuid.UUID]] = {}
    for task_path, ids in wanted.items():
        kind = job_kind(task_path)
        assert kind is not None
        records: Any = kind.model._default_manager.filter(organization=org, pk__in=ids)
        ours[task_path] = set(records.values_list("pk", flat=True))
    return [
        job
        for job in jobs
        if (kind := job_kind(job.task_path)) is not None
        and kind.record_id(job.args_kwargs) in ours.get(job.task_path, ())
    ]


def _record_names(org: Organization | None, jobs: list[DBTaskResult]) -> dict[uuid.UUID, str]:
    """What the records of ``jobs`` (``org``'s; None: any) are called; one query per kind of
    record."""
    wanted: dict[type[Any], set[uuid.UUID]] = defaultdict(set)
    related: dict[type[Any], set[str]] = defaultdict(set)
    for job in jobs:
        kind = job_kind(job.task_path)
        record_id = kind.record_id(job.args_kwargs) if kind is not None else None
        if kind is not None and record_id is not None:
            wanted[kind.model].add(record_id)
            related[kind.model].update(kind.related)
    names: dict[uuid.UUID, str] = {}
    for model, ids in wanted.items():
        records: Any = model._default_manager.filter(pk__in=ids)
        if org is not None:
            records = records.filter(organization=org)
        if related[model]:
            records = records.select_related(*sorted(related[model]))
        names.update({record.pk: str(record) for record in records})
    return names


def failed_job_list(*, org: Organization | None, limit: int = 200) -> list[FailedJob]:
    """The failed jobs of ``org`` (None: of every organisation, for the command line), newest
    first. Tracebacks (long) are read only for the jobs shown."""
    fields = ("id", "task_path", "args_kwargs", "exception_class_path", "worker_ids")
    jobs = list(failed_jobs().only(*fields, "finished_at")[:FAILED_SCAN])
    shown = (jobs if org is None else _of_organization(org, jobs))[:limit]
    if not shown:
        return []
    tracebacks = dict(
        DBTaskResult.objects.filter(pk__in=[job.pk for job in shown]).values_list("pk", "traceback")
    )
    names = _record_names(org, shown)
    return [
        _failed(job, job_kind(job.task_path), tracebacks.get(job.pk, ""), names) for job in shown
    ]


def job_get(*, org: Organization | None, job_id: RecordId) -> DBTaskResult:
    """A job of ``org`` (None: any job); another organisation's is not found."""
    try:
        job = DBTaskResult.objects.filter(pk=job_id).first()
    except (ValueError, TypeError, ValidationError):
        job = None
    if job is not None and (org is None or _of_organization(org, [job])):
        return job
    raise NotFound(_("No background job has this id."), field="job_id")


@dataclass(frozen=True)
class JobsOverview:
    queue: QueueState
    workers: list[WorkerState]
    failed: list[FailedJob]


def jobs_overview(*, org: Organization, user: User) -> JobsOverview:
    """Settings → Background jobs, for admins: the queue, the workers, the failed jobs."""
    require_role(org, user, Role.ADMIN)
    return JobsOverview(queue=queue_state(), workers=worker_list(), failed=failed_job_list(org=org))
