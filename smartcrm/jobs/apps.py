from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    """Background jobs in sight: the workers' heartbeats, the queue, failed jobs."""

    name = "smartcrm.jobs"
    label = "jobs"
    verbose_name = _("Background jobs")

    def ready(self) -> None:
        from smartcrm.core.mounts import Mount, register_mount

        register_mount(
            Mount(app="jobs", order=160, router="smartcrm.jobs.api", urls="smartcrm.jobs.urls")
        )
