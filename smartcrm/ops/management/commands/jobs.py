"""`smartcrm jobs`: background work in sight, and failed jobs handled, from the command line.

    smartcrm jobs                  the queue, the workers and how many jobs failed
    smartcrm jobs failed           the jobs that failed for good, newest first
    smartcrm jobs retry ID|--all   run a failed job (or every one) once more
    smartcrm jobs discard ID       forget a failed job

The command line is the installation's operator: it sees every organisation's jobs.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from smartcrm.core.errors import DomainError
from smartcrm.jobs import selectors, services
from smartcrm.ops.management.commands._common import domain_error_line


def _when(moment: Any) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M:%S}" if moment else "-"


class Command(BaseCommand):
    help = "Background jobs: the queue, the workers, failed jobs (retry, discard)."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", metavar="{failed,retry,discard}")
        actions.add_parser("failed", help="List the jobs that failed for good, newest first.")
        retry = actions.add_parser("retry", help="Run a failed job once more, now.")
        retry.add_argument("job_id", nargs="?", help="The failed job's id.")
        retry.add_argument("--all", action="store_true", help="Every failed job.")
        discard = actions.add_parser("discard", help="Forget a failed job.")
        discard.add_argument("job_id", help="The failed job's id.")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options.get("action")
        try:
            if action == "failed":
                self.list_failed()
            elif action == "retry":
                self.retry(options.get("job_id"), every=options["all"])
            elif action == "discard":
                services.job_discard(org=None, user=None, job_id=options["job_id"])
                self.stdout.write(f"Job {options['job_id']} discarded.")
            else:
                self.status()
        except DomainError as error:
            raise domain_error_line(error) from None

    def retry(self, job_id: str | None, *, every: bool) -> None:
        if every == bool(job_id):
            raise CommandError("give a job id or --all (not both).")
        if every:
            retried = services.jobs_retry_all(org=None, user=None)
            self.stdout.write(f"{len(retried)} failed job(s) queued to run again.")
            return
        job = services.job_retry(org=None, user=None, job_id=job_id or "")
        self.stdout.write(f"Job {job.pk} ({job.task_path}) queued to run again.")

    def list_failed(self) -> None:
        jobs = selectors.failed_job_list(org=None)
        if not jobs:
            self.stdout.write("No failed jobs.")
            return
        for job in jobs:
            self.stdout.write(
                f"{job.id}  {_when(job.failed_at)}  {job.label}  "
                f"record {job.record_id or '-'}{f' ({job.record})' if job.record else ''}  "
                f"{job.attempts} attempt(s)  {job.error}"
            )

    def status(self) -> None:
        queue = selectors.queue_state()
        waited = queue.oldest_due_seconds
        self.stdout.write(
            f"Queue: {queue.queued} waiting, {queue.due} due"
            + (f" (the oldest for {waited} s)" if waited is not None else "")
            + f", {queue.running} running, {queue.failed} failed"
        )
        workers = selectors.worker_list()
        if not workers:
            self.stdout.write("Workers: none heard of in the last day.")
        for worker in workers:
            state = "alive" if worker.alive else ("stopped" if worker.stopped_at else "silent")
            doing = f", running {worker.job_label} {worker.job_id}" if worker.job_id else ""
            self.stdout.write(
                f"Worker {worker.worker_id} on {worker.host} (pid {worker.pid}, "
                f"{worker.version}): {state}, last heartbeat {worker.seconds_since_beat} s ago"
                f"{doing}"
            )
