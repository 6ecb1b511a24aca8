from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    """Background jobs in sight: the workers' heartbeats, the queue, failed jobs."""

    name = "smartcrm.jobs"
    label = "jobs"
    verbose_name = _("Background jobs")
