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
