"""What the workers say of themselves: one heartbeat row per worker process."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class WorkerHeartbeat(models.Model):
    """A worker: where it runs, the job it runs, and when it last said it was alive."""

    worker_id = models.CharField(_("worker"), max_length=64, primary_key=True)
    host = models.CharField(_("host"), max_length=255)
    pid = models.PositiveIntegerField(_("process id"))
    version = models.CharField(_("version"), max_length=40)
    started_at = models.DateTimeField(_("started at"))
    beat_at = models.DateTimeField(_("last heartbeat"), db_index=True)
    # The job it runs (a django-tasks-db result id; no foreign key: finished jobs are pruned).
    job_id = models.UUIDField(_("current job"), null=True, blank=True)
    job_task = models.CharField(_("current task"), max_length=255, blank=True)
    job_started_at = models.DateTimeField(_("job started at"), null=True, blank=True)
    stopped_at = models.DateTimeField(_("stopped at"), null=True, blank=True)

    class Meta:
        verbose_name = _("worker heartbeat")
        verbose_name_plural = _("worker heartbeats")

    def __str__(self) -> str:
        return f"{self.worker_id} ({self.host}, pid {self.pid})"


class WorkersMissingAlert(models.Model):
    """The e-mail telling admins that no worker is heard of: one row per silence, so that
    however many web processes notice it, admins are e-mailed once for it."""

    # The last heartbeat heard before the silence (the epoch when no worker was ever heard
    # of). Unique: the process that inserts it is the one that e-mails; a worker heard of
    # again ends the silence, and the next one has another start.
    silent_since = models.DateTimeField(_("no worker heard of since"), unique=True)
    # When a web process took it upon itself to e-mail (taken again, with a conditional
    # update, when that attempt failed and ALERT_RETRY_AFTER has passed).
    claimed_at = models.DateTimeField(_("claimed at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    recipients = models.PositiveIntegerField(_("recipients"), default=0)

    class Meta:
        verbose_name = _("missing workers alert")
        verbose_name_plural = _("missing workers alerts")

    def __str__(self) -> str:
        return f"no worker since {self.silent_since:%Y-%m-%d %H:%M:%S}"
