from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgendaConfig(AppConfig):
    name = "smartcrm.agenda"
    label = "agenda"
    verbose_name = _("Agenda and calendar")

    def ready(self) -> None:
        from smartcrm.core.mounts import Mount, register_mount

        register_mount(
            Mount(
                app="agenda", order=140, router="smartcrm.agenda.api", urls="smartcrm.agenda.urls"
            )
        )

        from smartcrm.agenda.models import DailyAgenda
        from smartcrm.core.job_owners import JobKind, register_job

        register_job(
            JobKind(
                task_path="smartcrm.agenda.services.daily_agenda_send",
                label=_("Daily agenda e-mail"),
                model=DailyAgenda,
                argument="agenda_id",
                related=("user",),
            )
        )
