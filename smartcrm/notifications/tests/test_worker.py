"""The background worker: due jobs run once, failures are retried with backoff and end
failed, `--failed` shows them."""

from __future__ import annotations

import datetime as dt
import io

from django.core.management import call_command
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from smartcrm.notifications.jobs import backoff, enqueue, job
from smartcrm.notifications.tests.helpers import run_worker

# What the jobs below did, in this process.
CALLS: list[str] = []


@job
def remember(*, word: str) -> str:
    CALLS.append(word)
    return word.upper()


@job
def always_fails(*, word: str) -> None:
    CALLS.append(word)
    raise ConnectionError(f"server away ({word})")


@job
def fails_once(*, word: str) -> str:
    CALLS.append(word)
    if CALLS.count(word) == 1:
        raise ConnectionError("first try fails")
    return "ok"


def setup_function() -> None:
    CALLS.clear()


def test_once_runs_the_due_jobs_and_leaves_the_later_ones(db):
    enqueue(remember, word="acum")
    later = enqueue(remember, run_after=timezone.now() + dt.timedelta(hours=1), word="mâine")

    output = run_worker()

    assert CALLS == ["acum"]
    assert "1 job(s) run, 0 failed" in output
    assert DBTaskResult.objects.get(pk=later).status == TaskResultStatus.READY
    done = DBTaskResult.objects.get(args_kwargs__kwargs__word="acum")
    assert (done.status, done.return_value, len(done.worker_ids)) == ("SUCCESSFUL", "ACUM", 1)


def test_a_job_left_running_by_a_dead_worker_runs_again_later(db, settings):
    settings.SMARTCRM_JOB_ABANDONED_AFTER = 600
    abandoned = enqueue(remember, word="abandonat")
    recent = enqueue(remember, word="în lucru")
    # Two workers claimed these and died: one 20 minutes ago, one a minute ago.
    for job_id, minutes in ((abandoned, 20), (recent, 1)):
        DBTaskResult.objects.filter(pk=job_id).update(
            status=TaskResultStatus.RUNNING,
            started_at=timezone.now() - dt.timedelta(minutes=minutes),
        )

    run_worker()

    assert CALLS == ["abandonat"]
    assert DBTaskResult.objects.get(pk=abandoned).status == TaskResultStatus.SUCCESSFUL
    assert DBTaskResult.objects.get(pk=recent).status == TaskResultStatus.RUNNING


def test_a_job_runs_once_however_often_workers_pass(db):
    enqueue(remember, word="o dată")

    run_worker()
    run_worker()

    assert CALLS == ["o dată"]


def test_a_failed_job_is_queued_again_after_the_backoff(db, settings):
    settings.SMARTCRM_JOB_RETRIES = 3
    settings.SMARTCRM_JOB_BACKOFF = 60
    enqueue(always_fails, word="a")
    before = timezone.now()

    run_worker()

    first, retry = DBTaskResult.objects.order_by("enqueued_at")
    assert first.status == TaskResultStatus.FAILED
    assert first.exception_class_path == "smartcrm.notifications.jobs.RetryScheduled"
    assert "ConnectionError: server away (a)" in first.traceback
    assert retry.status == TaskResultStatus.READY
    assert retry.args_kwargs["kwargs"] == {"word": "a", "_attempt": 2}
    assert before + dt.timedelta(seconds=60) <= retry.run_after
    assert retry.run_after <= timezone.now() + dt.timedelta(seconds=60)
    # the waits grow: 60 s, 4 min, 16 min
    assert [backoff(n).total_seconds() for n in (1, 2, 3)] == [60, 240, 960]


def test_after_the_last_retry_the_job_stays_failed_and_is_listed(db, settings):
    settings.SMARTCRM_JOB_RETRIES = 2
    settings.SMARTCRM_JOB_BACKOFF = 0
    enqueue(always_fails, word="b")

    output = run_worker()

    assert CALLS == ["b", "b", "b"]
    assert "3 job(s) run, 3 failed" in output
    attempts = list(DBTaskResult.objects.order_by("enqueued_at"))
    assert [a.status for a in attempts] == ["FAILED"] * 3
    assert [a.exception_class_path for a in attempts] == [
        "smartcrm.notifications.jobs.RetryScheduled",
        "smartcrm.notifications.jobs.RetryScheduled",
        "builtins.ConnectionError",
    ]
    listing = io.StringIO()
    call_command("worker", "--failed", stdout=listing)
    lines = listing.getvalue().strip().splitlines()
    assert len(lines) == 1
    assert str(attempts[-1].pk) in lines[0]
    assert "always_fails" in lines[0]
    assert "ConnectionError: server away (b)" in lines[0]


def test_a_job_that_fails_once_succeeds_on_the_retry(db, settings):
    settings.SMARTCRM_JOB_BACKOFF = 0
    enqueue(fails_once, word="c")

    run_worker()

    assert CALLS == ["c", "c"]
    assert list(DBTaskResult.objects.order_by("enqueued_at").values_list("status", flat=True)) == [
        "FAILED",
        "SUCCESSFUL",
    ]
    listing = io.StringIO()
    call_command("worker", "--failed", stdout=listing)
    assert listing.getvalue().strip() == "No failed jobs."
