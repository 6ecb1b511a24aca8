"""The worker's loop: django-tasks-db's worker, plus periodic duties, a single-pass mode, and
patience: a database that goes away is waited for, never died of.

Every turn of the loop (periodic duties, claiming a job, running it, recording its result)
happens inside one guard. A database outage (connection refused or lost, sessions ended by
an administrator, PostgreSQL restarting, SQLite's write lock held by another process) is
logged once when it starts and once when it ends; in between the worker tries again after
0.5 s, 1 s, 2 s... up to ``SMARTCRM_WORKER_BACKOFF_MAX``. A job the outage interrupted is not
recorded as failed (it did not fail: the database went away) and goes back to the queue when
the database returns; every job is safe to run again. Only a configuration error (no such
database, a refused password, tables never created) stops the worker, with
:class:`WorkerConfigurationError`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import time
from collections.abc import Callable
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import close_old_connections, connection
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, TaskResultStatus
from django_tasks_db.compat import TaskContext, task_finished, task_started
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction

from smartcrm.core.outages import database_misconfigured, database_outage, tables_missing
from smartcrm.ops.health import pending_migrations

logger = logging.getLogger("smartcrm.worker")

# Periodic duties (daily agendas...) run at most this often, whatever the polling interval.
PERIODIC_EVERY = 30.0
# What waits while the database is away.
AFFECTED = "reminders, notification e-mails, daily agendas and imports wait"


class WorkerConfigurationError(Exception):
    """The database is reachable but not set up for SmartCRM: waiting will not help."""


def describe(error: BaseException) -> str:
    """An error on one line: its class and first line."""
    text = " ".join(str(error).split()) or "(no message)"
    return f"{type(error).__name__}: {text}"


def configuration_problem(error: BaseException) -> str:
    """What to tell the administrator about a database that is set up wrong."""
    if tables_missing(error):
        return (
            f"the database has no SmartCRM tables ({describe(error)}); "
            "run `smartcrm migrate` (or `smartcrm init`) first"
        )
    return f"the database cannot be used as configured ({describe(error)}); check DATABASE_URL"


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


class Outage:
    """One stretch of time without the database: logged when it starts and when it ends,
    tried again in between after waits that double up to ``cap`` seconds."""

    FIRST_WAIT = 0.5

    def __init__(self, cap: float) -> None:
        self.cap = max(cap, 0.0)
        self.began: float | None = None
        self.attempts = 0

    @property
    def ongoing(self) -> bool:
        return self.began is not None

    def next_wait(self) -> float:
        return min(self.FIRST_WAIT * 2**self.attempts, self.cap)

    def wait(self, error: BaseException, affected: str) -> None:
        if self.began is None:
            self.began, self.attempts = time.monotonic(), 0
            logger.error(
                "Database unavailable (%s): %s; trying again, waiting up to %s s between tries",
                describe(error),
                affected,
                f"{self.cap:g}",
            )
        else:
            logger.debug("Database still unavailable (%s)", describe(error))
        pause = self.next_wait()
        self.attempts += 1
        time.sleep(pause)

    def end(self) -> float:
        """Seconds the outage lasted (0 when there was none); the next one starts afresh."""
        if self.began is None:
            return 0.0
        lasted = time.monotonic() - self.began
        self.began, self.attempts = None, 0
        return lasted


def drop_connection() -> None:
    """Forget a connection the outage broke, so that the next query opens a new one."""
    if connection.in_atomic_block:  # a test's transaction: it is not ours to close
        return
    # Closing a dead connection may fail; it is gone either way.
    with contextlib.suppress(Exception):
        connection.close()


class SmartWorker(Worker):
    """django-tasks-db's worker, plus periodic duties, a clean single-pass mode, and outages
    waited out instead of died of."""

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
        self.outage = Outage(settings.SMARTCRM_WORKER_BACKOFF_MAX)
        # The job an outage interrupted: back to the queue once the database returns.
        self.interrupted: UUID | None = None
        self.interrupted_task = ""
        self.checked = False

    # --- the loop ---------------------------------------------------------------------

    def run(self) -> None:
        logger.info("Worker %s started", self.worker_id)
        if not self.checked:
            self.check_database()
        while self.running:
            try:
                if not self.turn():
                    return
            except Exception as error:
                if self.batch or not database_outage(error):
                    raise
                drop_connection()
                self.outage.wait(error, self.affected())

    def turn(self) -> bool:
        """Periodic duties when due, then one due job. False when the worker should stop."""
        # Inside a test's transaction the connection must stay; elsewhere drop stale ones.
        if not connection.in_atomic_block:
            close_old_connections()
        waiting = self.due_summary() if self.outage.ongoing else ""
        if self.interrupted is not None:
            self.requeue_interrupted()
        if self.last_periodic is None or (
            not self.batch and time.monotonic() - self.last_periodic >= PERIODIC_EVERY
        ):
            self.run_periodic()
        job = self.claim()
        if self.outage.ongoing:
            # Reading is not enough (SQLite readers pass a held write lock): the claim wrote.
            logger.warning(
                "Database back after %.0f s: the worker resumes; %s",
                self.outage.end(),
                waiting,
            )
        if job is not None:
            self.run_task(job)
            self.ran += 1
            job.refresh_from_db(fields=["status"])
            if job.status == TaskResultStatus.FAILED:
                self.failed += 1
        if self.batch and job is None:
            return False
        if self.max_tasks is not None and self.ran >= self.max_tasks:
            return False
        if self.running and job is None:
            time.sleep(self.interval)
        return True

    def affected(self) -> str:
        if self.interrupted is None:
            return AFFECTED
        return (
            f"{AFFECTED}; job {self.interrupted} ({self.interrupted_task}) was interrupted "
            "and runs again when the database is back"
        )

    def due_summary(self) -> str:
        """How many jobs are due, since when."""
        due = DBTaskResult.objects.ready().filter(backend_name=self.backend_name)
        oldest = due.order_by("run_after").values_list("run_after", flat=True).first()
        if oldest is None:
            return "no job was due"
        return f"{due.count()} job(s) due, the oldest since {oldest:%Y-%m-%d %H:%M:%S} UTC"

    def requeue_interrupted(self) -> None:
        """The job an outage interrupted goes back to the queue (it did not fail)."""
        if self.interrupted is None:
            return
        DBTaskResult.objects.filter(pk=self.interrupted, status=TaskResultStatus.RUNNING).update(
            status=TaskResultStatus.READY, started_at=None
        )
        logger.warning("Job %s (%s) queued again", self.interrupted, self.interrupted_task)
        self.interrupted, self.interrupted_task = None, ""

    def check_database(self) -> None:
        """Before the first job: the database is set up (else stop, saying what is wrong),
        and reachable (else wait for it, as for any outage)."""
        while True:
            try:
                pending = pending_migrations()
                break
            except Exception as error:
                if database_misconfigured(error):
                    raise WorkerConfigurationError(configuration_problem(error)) from error
                if self.batch or not database_outage(error):
                    raise
                drop_connection()
                self.outage.wait(error, f"{AFFECTED}; the worker starts when it is back")
        if pending:
            raise WorkerConfigurationError(
                f"{len(pending)} migration(s) not applied to the database; "
                "run `smartcrm migrate` first"
            )
        self.checked = True
        if self.outage.ongoing:
            logger.warning("Database back after %.0f s: the worker starts", self.outage.end())

    # --- the parts of a turn ------------------------------------------------------------

    def run_periodic(self) -> None:
        self.last_periodic = time.monotonic()
        requeue_abandoned_jobs()
        for duty in self.periodic:
            try:
                duty()
            except Exception as error:  # one broken duty must not stop the jobs
                if database_outage(error):
                    raise
                logger.exception("Periodic duty %s failed", getattr(duty, "__name__", duty))

    def claim(self) -> DBTaskResult | None:
        """The next due job, claimed under a row lock (SQLite: the write lock; held by
        another process for longer than its busy timeout, that is waited out as an outage)."""
        ready = DBTaskResult.objects.ready().filter(backend_name=self.backend_name)
        with exclusive_transaction(ready.db):
            found = ready.get_locked()
            if found is not None:
                found.claim(self.worker_id)
            return found

    def run_task(self, db_task_result: DBTaskResult) -> None:
        """Run one claimed job and record how it ended (django-tasks-db's, except that a
        database outage or a forced stop records nothing: the job goes back to the queue)."""
        self.running_task = True
        self.interrupted, self.interrupted_task = db_task_result.pk, db_task_result.task_path
        try:
            task = db_task_result.task
            task_result = db_task_result.task_result
            backend_type = task.get_backend()
            task_started.send(sender=backend_type, task_result=task_result)
            if task.takes_context:
                context: Any = TaskContext(task_result=task_result)
                value = task.call(context, *task_result.args, **task_result.kwargs)
            else:
                value = task.call(*task_result.args, **task_result.kwargs)
            db_task_result.set_successful(value)
            task_finished.send(sender=backend_type, task_result=db_task_result.task_result)
        except (KeyboardInterrupt, SystemExit):
            raise  # a forced stop: the job stays claimed, and is run again
        except Exception as error:
            if database_outage(error):
                raise  # not the job's failure; put back in the queue when the database returns
            db_task_result.set_failed(error)
            try:
                sender = type(db_task_result.task.get_backend())
                result = db_task_result.task_result
            except Exception:
                logger.exception("Job %s failed unexpectedly", db_task_result.pk)
            else:
                task_finished.send(sender=sender, task_result=result)
        finally:
            self.running_task = False
            self._run_tasks += 1
        self.interrupted, self.interrupted_task = None, ""
