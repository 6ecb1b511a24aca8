"""`smartcrm worker`: run background jobs (reminders, e-mails, daily agendas).

    smartcrm worker             run until stopped (Ctrl-C finishes the job at hand first)
    smartcrm worker --once      run the periodic duties and every job that is due, then exit
    smartcrm worker --failed    list the jobs that failed for good (after their last retry)

Any number of workers may share one database queue: a job is claimed under a row lock
(``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL; SQLite's exclusive write transaction),
so each runs once.
"""

from __future__ import annotations

import datetime as dt
import logging
import socket
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections, connection
from django.db.utils import OperationalError
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.module_loading import import_string
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

from smartcrm.notifications.jobs import RetryScheduled

logger = logging.getLogger("smartcrm.worker")

RETRY_SCHEDULED = f"{RetryScheduled.__module__}.{RetryScheduled.__qualname__}"
# Periodic duties (daily agendas...) run at most this often, whatever the polling interval.
PERIODIC_EVERY = 30.0


def failed_jobs() -> Any:
    """Jobs that failed for good: failed, and not because another attempt was queued."""
    return (
        DBTaskResult.objects.failed()
        .exclude(exception_class_path=RETRY_SCHEDULED)
        .order_by("-finished_at")
    )


def requeue_abandoned_jobs() -> int:
    """Put back in the queue the jobs a worker claimed and never finished (it was killed):
    every job is safe to run again (reminders and e-mails check under a lock whether they
    are still owed, imports resume after their last committed batch)."""
    stale = timezone.now() - dt.timedelta(seconds=settings.SMARTCRM_JOB_ABANDONED_AFTER)
    requeued = DBTaskResult.objects.filter(
        status=TaskResultStatus.RUNNING, started_at__lt=stale
    ).update(status=TaskResultStatus.READY, run_after=timezone.now(), started_at=None)
    if requeued:
        logger.warning("Requeued %s job(s) abandoned by a worker that stopped", requeued)
    return requeued


class SmartWorker(Worker):
    """django-tasks-db's worker, plus periodic duties and a clean single-pass mode."""

    def __init__(self, *, once: bool, interval: float, worker_id: str, max_jobs: int | None):
        super().__init__(
            queue_names=["*"],
            interval=interval,
            batch=once,
            backend_name=DEFAULT_TASK_BACKEND_ALIAS,
            startup_delay=False,
            max_tasks=max_jobs,
            worker_id=worker_id,
            excluded_queue_names=[],
        )
        self.periodic: list[Callable[[], Any]] = [
            import_string(path) for path in settings.SMARTCRM_WORKER_PERIODIC
        ]
        self.last_periodic: float | None = None
        self.ran = 0
        self.failed = 0

    def run_periodic(self) -> None:
        self.last_periodic = time.monotonic()
        requeue_abandoned_jobs()
        for duty in self.periodic:
            try:
                duty()
            except Exception:  # one broken duty must not stop the jobs
                logger.exception("Periodic duty %s failed", getattr(duty, "__name__", duty))

    def claim(self) -> DBTaskResult | None:
        ready = DBTaskResult.objects.ready().filter(backend_name=self.backend_name)
        try:
            with exclusive_transaction(ready.db):
                found = ready.get_locked()
                if found is not None:
                    found.claim(self.worker_id)
                return found
        except OperationalError as error:
            if is_locked_database_exception(error):
                return None
            raise

    def run(self) -> None:
        logger.info("Worker %s started", self.worker_id)
        while self.running:
            # Inside a test's transaction the connection must stay; elsewhere drop stale ones.
            if not connection.in_atomic_block:
                close_old_connections()
            if self.last_periodic is None or (
                not self.batch and time.monotonic() - self.last_periodic >= PERIODIC_EVERY
            ):
                self.run_periodic()
            job = self.claim()
            if job is not None:
                self.run_task(job)
                self.ran += 1
                job.refresh_from_db(fields=["status"])
                if job.status == TaskResultStatus.FAILED:
                    self.failed += 1
            if self.batch and job is None:
                return
            if self.max_tasks is not None and self.ran >= self.max_tasks:
                return
            if self.running and job is None:
                time.sleep(self.interval)


class Command(BaseCommand):
    help = "Run background jobs: reminders, notification e-mails, daily agendas."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--once",
            action="store_true",
            help="Run the periodic duties and every job that is due, then exit (for cron).",
        )
        parser.add_argument(
            "--failed",
            action="store_true",
            help="List the jobs that failed after their last retry, newest first, and exit.",
        )
        parser.add_argument(
            "--interval",
            type=float,
            default=None,
            help="Seconds between looks at an empty queue (default SMARTCRM_WORKER_INTERVAL).",
        )
        parser.add_argument("--max-jobs", type=int, default=None, help="Exit after this many.")
        parser.add_argument(
            "--worker-id",
            default=None,
            help="A name unique in the pool (default: host name and a random suffix).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["failed"]:
            self.list_failed()
            return
        if options["verbosity"] >= 2:
            logging.getLogger("smartcrm").setLevel(logging.INFO)
        worker_id = options["worker_id"] or (f"{socket.gethostname()[:40]}-{get_random_string(8)}")
        interval = options["interval"]
        worker = SmartWorker(
            once=options["once"],
            interval=settings.SMARTCRM_WORKER_INTERVAL if interval is None else max(interval, 0),
            worker_id=worker_id[:64],
            max_jobs=options["max_jobs"],
        )
        if not options["once"]:
            worker.configure_signals()
            self.stdout.write(f"SmartCRM worker {worker.worker_id} waiting for jobs (Ctrl-C stops)")
        try:
            worker.run()
        finally:
            if not options["once"]:
                worker.reset_signals()
        if options["once"] or options["verbosity"] >= 2:
            self.stdout.write(f"{worker.ran} job(s) run, {worker.failed} failed")

    def list_failed(self) -> None:
        jobs = list(failed_jobs()[:100])
        if not jobs:
            self.stdout.write("No failed jobs.")
            return
        for job in jobs:
            finished = timezone.localtime(job.finished_at) if job.finished_at else None
            last_line = (job.traceback.strip().splitlines() or [""])[-1]
            self.stdout.write(
                f"{job.id}  {finished:%Y-%m-%d %H:%M:%S}  {job.task_path}  "
                f"{job.args_kwargs.get('kwargs', {})}  {last_line}"
            )
