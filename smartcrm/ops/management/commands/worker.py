"""`smartcrm worker`: run background jobs (reminders, e-mails, daily agendas).

    smartcrm worker             run until stopped (Ctrl-C finishes the job at hand first)
    smartcrm worker --once      run the periodic duties and every job that is due, then exit
    smartcrm worker --failed    list the jobs that failed for good (after their last retry)
    smartcrm worker --processes N   N worker processes, each started again if it exits

Any number of workers may share one database queue: a job is claimed under a row lock
(``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL; SQLite's exclusive write transaction),
so each runs once.
"""

from __future__ import annotations

import logging
import socket
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.crypto import get_random_string

from smartcrm.jobs.selectors import failed_jobs
from smartcrm.ops.supervisor import EXIT_CONFIGURATION, Supervisor
from smartcrm.ops.worker import HeartbeatThread, SmartWorker, WorkerConfigurationError


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
        parser.add_argument(
            "--processes",
            type=int,
            default=None,
            help="Run this many worker processes and start again any that exits.",
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
        if options["processes"] is not None:
            self.supervise(options, worker_id)
            return
        interval = options["interval"]
        worker = SmartWorker(
            once=options["once"],
            interval=settings.SMARTCRM_WORKER_INTERVAL if interval is None else max(interval, 0),
            worker_id=worker_id[:64],
            max_jobs=options["max_jobs"],
        )
        if not options["once"]:
            worker.configure_signals()
        heartbeat = None if options["once"] else HeartbeatThread(worker)
        try:
            worker.check_database()
            if heartbeat is not None:
                heartbeat.start()
                self.stdout.write(
                    f"SmartCRM worker {worker.worker_id} waiting for jobs (Ctrl-C stops)"
                )
                self.stdout.flush()
            worker.run()
        except WorkerConfigurationError as error:
            raise CommandError(str(error), returncode=EXIT_CONFIGURATION) from error
        finally:
            if heartbeat is not None and heartbeat.is_alive():
                heartbeat.stop()
            worker.stop()
            if not options["once"]:
                worker.reset_signals()
        if options["once"] or options["verbosity"] >= 2:
            waiting = (
                f", {worker.put_back} put back until the mail server is back"
                if worker.put_back
                else ""
            )
            self.stdout.write(f"{worker.ran} job(s) run, {worker.failed} failed{waiting}")

    def supervise(self, options: dict[str, Any], name: str) -> None:
        """`--processes N`: a pool of N workers, each started again when it exits."""
        processes = options["processes"]
        if processes < 1:
            raise CommandError("--processes: give 1 or more.")
        if options["once"] or options["max_jobs"] is not None:
            raise CommandError("--processes runs until stopped: not with --once or --max-jobs.")
        worker_args = ["-v", str(options["verbosity"])]
        if options["interval"] is not None:
            worker_args += ["--interval", str(options["interval"])]
        status = Supervisor(
            processes=processes,
            name=name,
            worker_args=worker_args,
            backoff_max=settings.SMARTCRM_WORKER_BACKOFF_MAX,
            out=self.stdout,
        ).run()
        if status:
            raise CommandError("a worker stopped on a configuration error.", returncode=status)

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
