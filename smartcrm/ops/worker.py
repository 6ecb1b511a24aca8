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

A mail server that is down (or says "try again later") stops nothing either: the e-mail job
that met it goes back to the queue, with no retry used up, and so do the other e-mail jobs:
one of them tries again after 1 s, 2 s, 4 s... up to ``SMARTCRM_WORKER_BACKOFF_MAX`` (the
others wait for it, so that a hundred waiting e-mails do not knock a hundred times), while
every other job goes on. The outage is logged once when it starts and once when an e-mail
gets through; e-mails that waited long are marked late.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connection, connections
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, TaskResultStatus
from django_tasks_db.compat import TaskContext, task_finished, task_started
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult, get_date_max
from django_tasks_db.utils import exclusive_transaction

import smartcrm
from smartcrm.core.audit import Via
from smartcrm.core.audit import origin as audit_origin
from smartcrm.core.outages import (
    MAIL_SERVER,
    ServiceUnavailable,
    database_misconfigured,
    database_outage,
    last_served,
    service_unavailable,
    tables_missing,
)
from smartcrm.jobs.services import (
    heartbeat_beat,
    heartbeat_job,
    heartbeat_start,
    heartbeat_stop,
    heartbeats_forget_old,
    requeue_orphaned_jobs,
)
from smartcrm.ops.health import pending_migrations

logger = logging.getLogger("smartcrm.worker")

# Periodic duties (daily agendas...) run at most this often, whatever the polling interval.
PERIODIC_EVERY = 30.0
# What waits while the database is away.
AFFECTED = "reminders, notification e-mails, daily agendas and imports wait"
# What waits while another service is away.
AFFECTED_BY = {MAIL_SERVER: "notification e-mails and daily agendas wait"}


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


class Outage:
    """One stretch of time without the database: logged when it starts and when it ends,
    tried again in between after waits that double up to ``cap`` seconds."""

    FIRST_WAIT = 0.5

    def __init__(self, cap: float, sleep: Callable[[float], None] = time.sleep) -> None:
        self.cap = max(cap, 0.0)
        self.sleep = sleep
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
        self.sleep(pause)

    def end(self) -> float:
        """Seconds the outage lasted (0 when there was none); the next one starts afresh."""
        if self.began is None:
            return 0.0
        lasted = time.monotonic() - self.began
        self.began, self.attempts = None, 0
        return lasted


class ServiceOutage:
    """A service (the mail server) away, as this worker met it: the jobs that need it wait
    for one of them to try again at ``probe_at``, after waits that double up to ``cap``."""

    FIRST_WAIT = 1.0

    def __init__(self, service: str, cap: float) -> None:
        self.service = service
        self.cap = max(cap, self.FIRST_WAIT)
        self.began = time.monotonic()
        self.attempts = 0
        self.task_paths: set[str] = set()
        self.probe_at = timezone.now()

    def failed(self, error: ServiceUnavailable, task_path: str) -> dt.datetime:
        """A job of ``task_path`` met the service away: when to try again."""
        if self.attempts == 0:
            logger.error(
                "%s unavailable (%s): %s; trying again, waiting up to %s s between tries",
                self.service.capitalize(),
                describe(error.error),
                AFFECTED_BY.get(self.service, "the jobs that need it wait"),
                f"{self.cap:g}",
            )
        else:
            logger.debug("%s still unavailable (%s)", self.service, describe(error.error))
        wait = min(self.FIRST_WAIT * 2**self.attempts, self.cap)
        self.attempts += 1
        self.task_paths.add(task_path)
        self.probe_at = timezone.now() + dt.timedelta(seconds=wait)
        return self.probe_at

    def holds(self, job: DBTaskResult) -> bool:
        """``job`` needs the service, and it is not yet time to try it again."""
        return job.task_path in self.task_paths and timezone.now() < self.probe_at


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
        self.outage = Outage(settings.SMARTCRM_WORKER_BACKOFF_MAX, sleep=self.pause)
        # The job claimed and not yet recorded as finished; after an outage cut it off, it
        # goes back to the queue once the database returns.
        self.holding: DBTaskResult | None = None
        # Services away (the mail server), and the jobs put back to wait for them.
        self.waiting_for: dict[str, ServiceOutage] = {}
        self.put_back = 0  # jobs put back (or moved on) to wait for a service
        self.checked = False
        # The heartbeat: written here between jobs, unless a HeartbeatThread writes it.
        self.registered = False
        self.beats_in_loop = True
        self.last_beat: float | None = None

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
        if not self.registered:
            self.register()
        if self.holding is not None:
            self.requeue_interrupted()
        if self.beats_in_loop and (
            self.last_beat is None
            or time.monotonic() - self.last_beat >= settings.SMARTCRM_WORKER_HEARTBEAT_SECONDS
        ):
            self.beat()
        if self.last_periodic is None or (
            not self.batch and time.monotonic() - self.last_periodic >= PERIODIC_EVERY
        ):
            self.run_periodic()
        if not self.running:
            return False  # a stop was asked for: no new job
        job = self.claim()
        if self.outage.ongoing:
            # Reading is not enough (SQLite readers pass a held write lock): the claim wrote.
            logger.warning(
                "Database back after %.0f s: the worker resumes; %s",
                self.outage.end(),
                waiting,
            )
        held = self.held_by(job) if job is not None else None
        if job is not None and held is not None:
            # Its service is away, and another job tries it first: no knock of its own.
            self.wait_for(job, held)
            heartbeat_job(worker_id=self.worker_id, job=None)
        elif job is not None:
            self.run_task(job)
            self.ran += 1
            job.refresh_from_db(fields=["status"])
            if job.status == TaskResultStatus.FAILED:
                self.failed += 1
            elif job.status == TaskResultStatus.SUCCESSFUL:
                self.services_back()
        if self.batch and job is None:
            return False
        if self.max_tasks is not None and self.ran >= self.max_tasks:
            return False
        if self.running and job is None:
            self.pause(self.interval)
        return True

    # --- stopping -----------------------------------------------------------------------

    # How often a pause looks whether a stop was asked for.
    PAUSE_SLICE = 0.1

    def shutdown(self, signum: int, frame: Any) -> None:
        """A stop signal: the loop stops at its next safe point, after the job or query at
        hand (django-tasks-db's own handler exits from inside whatever query was running,
        which leaves the connection mid-query and the last heartbeat unwritable). A second
        signal stops at once."""
        if not self.running:
            super().shutdown(signum, frame)  # forced: exits
            return
        logger.warning(
            "Received %s - stopping after the step at hand (send it again to force)",
            signal.strsignal(signum),
        )
        self.running = False

    def pause(self, seconds: float) -> None:
        """Sleep ``seconds``, or less when a stop is asked for meanwhile."""
        end = time.monotonic() + seconds
        while self.running:
            left = end - time.monotonic()
            if left <= 0:
                return
            time.sleep(min(left, self.PAUSE_SLICE))

    def affected(self) -> str:
        if self.holding is None:
            return AFFECTED
        return (
            f"{AFFECTED}; job {self.holding.pk} ({self.holding.task_path}) was interrupted "
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
        """The job an outage interrupted goes back to the queue (it did not fail), unless
        another worker took it meanwhile (this one was silent too long): then it is theirs."""
        job = self.holding
        if job is None:
            return
        if DBTaskResult.objects.filter(
            pk=job.pk, status=TaskResultStatus.RUNNING, started_at=job.started_at
        ).update(status=TaskResultStatus.READY, started_at=None):
            logger.warning("Job %s (%s) queued again", job.pk, job.task_path)
        heartbeat_job(worker_id=self.worker_id, job=None)
        self.holding = None

    # --- services away (the mail server) ------------------------------------------------

    def held_by(self, job: DBTaskResult) -> ServiceOutage | None:
        return next((o for o in self.waiting_for.values() if o.holds(job)), None)

    def service_away(self, job: DBTaskResult, error: ServiceUnavailable) -> None:
        """``job`` met a service away: it, and the others that need it, wait for it."""
        outage = self.waiting_for.get(error.service)
        if outage is None:
            outage = ServiceOutage(error.service, settings.SMARTCRM_WORKER_BACKOFF_MAX)
            self.waiting_for[error.service] = outage
        outage.failed(error, job.task_path)
        self.wait_for(job, outage)
        # The others due before the next try wait for it too (one statement, not one each).
        self.put_back += DBTaskResult.objects.filter(
            Q(run_after__lt=outage.probe_at) | Q(run_after=get_date_max()),
            status=TaskResultStatus.READY,
            backend_name=self.backend_name,
            task_path__in=outage.task_paths,
        ).update(run_after=outage.probe_at)

    def wait_for(self, job: DBTaskResult, outage: ServiceOutage) -> None:
        """Put the claimed ``job`` back in the queue until ``outage``'s next try; not as a
        run of its own (its attempts stay as they were)."""
        if DBTaskResult.objects.filter(
            pk=job.pk, status=TaskResultStatus.RUNNING, started_at=job.started_at
        ).update(
            status=TaskResultStatus.READY,
            started_at=None,
            run_after=outage.probe_at,
            worker_ids=job.worker_ids[:-1],
        ):
            self.put_back += 1

    def services_back(self) -> None:
        """Services that served a job since their outage began are back."""
        for service, outage in list(self.waiting_for.items()):
            if last_served.get(service, 0.0) > outage.began:
                del self.waiting_for[service]
                logger.warning(
                    "%s back after %.0f s: the jobs that waited for it go on",
                    service.capitalize(),
                    time.monotonic() - outage.began,
                )

    def register(self) -> None:
        heartbeat_start(
            worker_id=self.worker_id,
            host=socket.gethostname(),
            pid=os.getpid(),
            version=smartcrm.__version__,
        )
        self.registered = True

    def beat(self) -> None:
        """Say this worker is alive; put back the jobs of workers that are not."""
        self.last_beat = time.monotonic()
        if not heartbeat_beat(worker_id=self.worker_id) and self.beats_in_loop:
            self.register()  # its row was forgotten; only the loop may write it afresh
        requeue_orphaned_jobs()

    def stop(self) -> None:
        """Note that this worker stopped (a job it still holds is anybody's at once)."""
        if not self.registered:
            return
        # A single pass (cron) that finished its work leaves one row per host, not one a run.
        single_pass = self.batch and self.holding is None
        remembered_as = f"{socket.gethostname()[:40]}-once" if single_pass else None
        for attempt in range(2):
            try:
                heartbeat_stop(worker_id=self.worker_id, remembered_as=remembered_as)
                return
            except Exception as error:
                if database_outage(error):
                    break
                if attempt or connection.in_atomic_block:
                    raise
                # A stop signal while idle ends the loop at once, from inside whatever query
                # was running (a periodic duty, a claim): that connection is left mid-query
                # and unusable. A fresh one writes the last heartbeat.
                drop_connection()
        logger.warning("Worker %s stopped without its last heartbeat", self.worker_id)

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
                if not self.running:
                    return  # stopped while it waited: run() has nothing to do
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
        heartbeats_forget_old()
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
                heartbeat_job(worker_id=self.worker_id, job=found)
            return found

    def run_task(self, db_task_result: DBTaskResult) -> None:
        """Run one claimed job and record how it ended (django-tasks-db's, except that a
        database outage, a service away or a forced stop records nothing: the job goes back
        to the queue)."""
        self.running_task = True
        self.holding = db_task_result
        try:
            task = db_task_result.task
            task_result = db_task_result.task_result
            backend_type = task.get_backend()
            task_started.send(sender=backend_type, task_result=task_result)
            with audit_origin(via=Via.WORKER):  # what the job changes, the log says
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
            unavailable = service_unavailable(error)
            if unavailable is not None:
                self.service_away(db_task_result, unavailable)  # not the job's failure either
            else:
                self.record_failure(db_task_result, error)
        finally:
            self.running_task = False
            self._run_tasks += 1
        self.holding = None
        heartbeat_job(worker_id=self.worker_id, job=None)

    def record_failure(self, db_task_result: DBTaskResult, error: Exception) -> None:
        """django-tasks-db's record of a failed job."""
        db_task_result.set_failed(error)
        try:
            sender = type(db_task_result.task.get_backend())
            result = db_task_result.task_result
        except Exception:
            logger.exception("Job %s failed unexpectedly", db_task_result.pk)
        else:
            task_finished.send(sender=sender, task_result=result)


class HeartbeatThread(threading.Thread):
    """Beats for a worker from a thread (and a database connection) of its own, so that a
    long job does not silence it; puts back in the queue the jobs of dead workers meanwhile."""

    def __init__(self, worker: SmartWorker) -> None:
        super().__init__(name=f"heartbeat-{worker.worker_id}", daemon=True)
        self.worker = worker
        self.every = max(settings.SMARTCRM_WORKER_HEARTBEAT_SECONDS, 0.1)
        self.halt = threading.Event()
        worker.beats_in_loop = False

    def run(self) -> None:
        try:
            while not self.halt.wait(self.every):
                if not self.worker.registered:
                    continue  # the loop writes the worker's row first
                try:
                    self.worker.beat()
                except Exception as error:
                    # An outage is the loop's to report; anything else is a bug to see.
                    if not database_outage(error):
                        logger.exception("Heartbeat of worker %s failed", self.worker.worker_id)
                    drop_connection()
        finally:
            connections.close_all()  # this thread's own

    def stop(self) -> None:
        self.halt.set()
        self.join(timeout=30)
