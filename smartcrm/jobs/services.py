"""Every write about background jobs: the workers' heartbeats, jobs put back in the queue, and
what admins do with failed jobs (run once more, discard).

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
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from smartcrm.core.choices import Role
from smartcrm.core.errors import Conflict
from smartcrm.core.ids import RecordId
from smartcrm.core.models import Membership, Organization, User
from smartcrm.core.permissions import require_role
from smartcrm.jobs.models import WorkerHeartbeat, WorkersMissingAlert
from smartcrm.jobs.selectors import (
    FAILED_SCAN,
    RETRY_SCHEDULED,
    WorkersMissing,
    failed_job_list,
    job_get,
    workers_missing,
    workers_missing_recipients,
)

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


def heartbeat_stop(*, worker_id: str, remembered_as: str | None = None) -> None:
    """The worker stops: a job it still holds (a forced stop) is anybody's at once.

    A single pass that holds no job (`smartcrm worker --once`, from cron) is remembered under
    ``remembered_as`` (one name per host) instead of its own name, so that a cron line leaves
    one row, not one a minute."""
    now = timezone.now()
    stopped = {"beat_at": now, "stopped_at": now, "job_id": None, "job_task": ""}
    if remembered_as is None or remembered_as == worker_id:
        WorkerHeartbeat.objects.filter(pk=worker_id).update(**stopped, job_started_at=None)
        return
    with transaction.atomic():
        beat = WorkerHeartbeat.objects.filter(pk=worker_id).first()
        if beat is None:
            return
        beat.delete()
        WorkerHeartbeat.objects.update_or_create(
            worker_id=remembered_as,
            defaults={
                **stopped,
                "host": beat.host,
                "pid": beat.pid,
                "version": beat.version,
                "started_at": beat.started_at,
                "job_started_at": None,
            },
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


# --- failed jobs: run once more, or discard ----------------------------------------------


def _failed_job(org: Organization | None, user: User | None, job_id: RecordId) -> DBTaskResult:
    """A failed job of ``org``, for one of its admins (``org`` None: any, for the operator at
    the command line). Not a job of the organisation: not found; not failed: a conflict."""
    if org is not None:
        if user is None:
            raise ValueError("an organisation's job is handled by one of its members")
        require_role(org, user, Role.ADMIN)
    job = job_get(org=org, job_id=job_id)
    if job.status != TaskResultStatus.FAILED or job.exception_class_path == RETRY_SCHEDULED:
        state = {
            TaskResultStatus.READY: _("queued"),
            TaskResultStatus.RUNNING: _("running"),
            TaskResultStatus.SUCCESSFUL: _("done"),
            TaskResultStatus.FAILED: _("retried automatically"),
        }.get(job.status, job.status)
        raise Conflict(
            _("Only a failed job can be retried or discarded; this one is %(state)s.")
            % {"state": state},
            field="job_id",
            code="not_failed",
        )
    return job


def job_retry(*, org: Organization | None, user: User | None, job_id: RecordId) -> DBTaskResult:
    """Queue a failed job to run once more, now. Its retries are not given back: should it
    fail again, it stays failed (a second click or a race retries nothing: a conflict)."""
    job = _failed_job(org, user, job_id)
    queued = DBTaskResult.objects.filter(pk=job.pk, status=TaskResultStatus.FAILED).update(
        status=TaskResultStatus.READY,
        run_after=timezone.now(),
        started_at=None,
        finished_at=None,
    )
    if not queued:
        raise Conflict(_("This job was retried or discarded meanwhile."), field="job_id")
    logger.info("Job %s (%s) queued again by %s", job.pk, job.task_path, user or "the operator")
    job.refresh_from_db()
    return job


def jobs_retry_all(*, org: Organization | None, user: User | None) -> list[DBTaskResult]:
    """Retry every failed job of ``org`` (None: every failed job)."""
    if org is not None and user is not None:
        require_role(org, user, Role.ADMIN)
    retried = []
    for failed in failed_job_list(org=org, limit=FAILED_SCAN):
        try:
            retried.append(job_retry(org=org, user=user, job_id=failed.id))
        except Conflict:
            continue  # retried or discarded meanwhile by someone else
    return retried


def job_discard(*, org: Organization | None, user: User | None, job_id: RecordId) -> None:
    """Forget a failed job (it will not run again)."""
    job = _failed_job(org, user, job_id)
    deleted, _kinds = DBTaskResult.objects.filter(
        pk=job.pk, status=TaskResultStatus.FAILED
    ).delete()
    if not deleted:
        raise Conflict(_("This job was retried or discarded meanwhile."), field="job_id")
    logger.info("Job %s (%s) discarded by %s", job.pk, job.task_path, user or "the operator")


# --- no worker heard of: admins are e-mailed, once per silence ------------------------------

# The key of a silence when no worker was ever heard of.
NEVER_HEARD = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
# An alert whose e-mails could not be sent (the mail server down) is tried again this late.
ALERT_RETRY_AFTER = dt.timedelta(minutes=5)
# Alerts of silences this old are forgotten.
ALERTS_KEPT = dt.timedelta(days=90)


def workers_missing_notice() -> WorkersMissing | None:
    """The silence of the workers (None while one is heard of); the first web process to
    notice a silence e-mails every admin and owner about it, once.

    No worker is there to send it, so the web side does, when an admin's page asks for the
    banner. Two processes noticing at once both try to insert the silence's row; only one
    can (its start is unique), and only that one e-mails."""
    missing = workers_missing()
    if missing is None:
        return None
    alert = _alert_claimed(missing.silent_since or NEVER_HEARD)
    if alert is not None:
        _alert_send(alert, missing)
    return missing


def _alert_claimed(silent_since: dt.datetime) -> WorkersMissingAlert | None:
    """The silence's alert, if this process is the one to send it now; else None (sent, or
    being sent by another process)."""
    now = timezone.now()
    known = WorkersMissingAlert.objects.filter(silent_since=silent_since).first()
    if known is None:
        try:
            with transaction.atomic():
                alert = WorkersMissingAlert.objects.create(
                    silent_since=silent_since, claimed_at=now
                )
        except IntegrityError:
            return None  # another process noticed it first: the e-mails are theirs
        WorkersMissingAlert.objects.filter(claimed_at__lt=now - ALERTS_KEPT).delete()
        return alert
    if known.sent_at is not None or known.claimed_at >= now - ALERT_RETRY_AFTER:
        return None
    # Its e-mails could not be sent: try again, only one process (compare-and-set).
    if not WorkersMissingAlert.objects.filter(
        pk=known.pk, sent_at=None, claimed_at=known.claimed_at
    ).update(claimed_at=now):
        return None
    known.claimed_at = now
    return known


def _alert_message(membership: Membership, missing: WorkersMissing) -> EmailMessage:
    """The alert for one admin, in their language, times in their time zone."""
    user, org = membership.user, membership.organization
    with (
        translation.override(user.language or org.language or settings.LANGUAGE_CODE),
        timezone.override(user.time_zone or org.time_zone),
    ):
        if missing.silent_since is None:
            since = _("No background worker has been heard of yet.")
        else:
            since = _("No background worker has been heard of since %(when)s.") % {
                "when": timezone.localtime(missing.silent_since).strftime("%d.%m.%Y %H:%M")
            }
        body = [
            since,
            "",
            _(
                "Until one runs again, reminders, notification e-mails, daily agendas and "
                "imports wait. Nothing is lost: they are done as soon as a worker runs again, "
                "and reminders that come late are marked late."
            ),
            "",
            _(
                "What to do: start the worker on the server with “smartcrm worker” (or start "
                "its service again, where SmartCRM runs as a service); should it stop again, "
                "its log says why."
            ),
            "",
            _("Settings → Background jobs shows the workers, the queue and failed jobs: %(url)s")
            % {"url": settings.SMARTCRM_PUBLIC_URL + reverse("jobs:overview")},
            "",
            "-- ",
            _(
                "You receive this e-mail as an administrator of %(organization)s in SmartCRM, "
                "once each time the background work stops."
            )
            % {"organization": org.name},
        ]
        return EmailMessage(
            subject=_("SmartCRM: background work has stopped"),
            body="\n".join(body) + "\n",
            to=[user.email],
        )


def _alert_send(alert: WorkersMissingAlert, missing: WorkersMissing) -> None:
    """E-mail every admin and owner over one connection; recorded as sent when the mail
    server took any of them (the others are logged). Nothing taken: tried again later."""
    recipients = workers_missing_recipients()
    sent = 0
    try:
        with get_connection(fail_silently=False) as mail:
            for membership in recipients:
                try:
                    sent += mail.send_messages([_alert_message(membership, missing)])
                except Exception as error:  # one refused address must not stop the others
                    logger.warning(
                        "No-worker alert to %s not sent: %r", membership.user.email, error
                    )
    except Exception as error:  # the mail server cannot be reached at all
        logger.error("No-worker alert not sent (tried again later): %r", error)
    logger.warning(
        "No background worker heard of since %s: %s of %s admin(s) e-mailed",
        missing.silent_since.isoformat() if missing.silent_since else "ever",
        sent,
        len(recipients),
    )
    if sent or not recipients:
        WorkersMissingAlert.objects.filter(pk=alert.pk).update(
            sent_at=timezone.now(), recipients=sent
        )
