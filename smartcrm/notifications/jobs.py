"""Background jobs: a ``@job`` is a django-tasks task that is retried with backoff.

A job that raises is enqueued again (after ``SMARTCRM_JOB_BACKOFF`` seconds, then 4×,
16×...) while retries remain; the attempt that gave up is recorded as failed with
:class:`RetryScheduled` (its cause in the traceback), the last one with the job's own
error: that is the *failed* state ``smartcrm worker --failed`` and the admin show.

A database or a mail server that is away is not the job's failure: the worker runs the job
again when it is back, and no retry is used up (``smartcrm.ops.worker``).

Jobs are enqueued inside the service's transaction: with the database backend the queue
row commits (or rolls back) together with the change that asked for it.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

from django.conf import settings
from django.utils import timezone
from django_tasks import task
from django_tasks.base import Task

from smartcrm.core.outages import database_outage, service_unavailable

logger = logging.getLogger("smartcrm.jobs")

P = ParamSpec("P")
T = TypeVar("T")

ATTEMPT = "_attempt"


class RetryScheduled(Exception):
    """This attempt failed; another one is queued."""


def backoff(attempt: int) -> dt.timedelta:
    """How long to wait after failed attempt number ``attempt`` (1-based)."""
    return dt.timedelta(seconds=settings.SMARTCRM_JOB_BACKOFF * 4 ** (attempt - 1))


def job(func: Callable[..., T]) -> Task[..., T]:
    """Make ``func`` a background job (keyword arguments, JSON values) with retries."""

    @functools.wraps(func)
    def attempt(*args: Any, **kwargs: Any) -> T:
        number = int(kwargs.pop(ATTEMPT, 1))
        try:
            return func(*args, **kwargs)
        except Exception as error:
            if database_outage(error) or service_unavailable(error) is not None:
                # Not this job's failure: the worker puts it back in the queue for when the
                # database or the service returns, without using up a retry.
                raise
            if number > settings.SMARTCRM_JOB_RETRIES:
                logger.error("Job %s failed for good after %s attempts", func.__name__, number)
                raise
            run_after = timezone.now() + backoff(number)
            wrapped.using(run_after=run_after).enqueue(*args, **{**kwargs, ATTEMPT: number + 1})
            logger.warning(
                "Job %s failed (attempt %s: %r); trying again at %s",
                func.__name__,
                number,
                error,
                run_after.isoformat(),
            )
            raise RetryScheduled(
                f"attempt {number} failed; attempt {number + 1} queued for "
                f"{run_after:%Y-%m-%d %H:%M:%S} UTC"
            ) from error

    wrapped: Task[..., T] = task(attempt)
    return wrapped


def enqueue(job_: Task[..., Any], *, run_after: dt.datetime | None = None, **kwargs: Any) -> str:
    """Queue ``job_`` with keyword arguments, due at ``run_after`` (now when omitted)."""
    scheduled = job_.using(run_after=run_after) if run_after is not None else job_
    return str(scheduled.enqueue(**kwargs).id)
