from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    name = "smartcrm.imports"
    label = "imports"
    verbose_name = _("Imports")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from smartcrm.core.mounts import Mount, register_mount

        register_mount(
            Mount(
                app="imports",
                order=150,
                router="smartcrm.imports.api",
                urls="smartcrm.imports.urls",
            )
        )

        from smartcrm.core.job_owners import JobKind, register_job
        from smartcrm.imports.models import ImportRun

        for task_path, label in (
            ("smartcrm.imports.tasks.import_run_task", _("Import")),
            ("smartcrm.imports.tasks.import_preview_task", _("Import preview")),
        ):
            register_job(
                JobKind(
                    task_path=task_path,
                    label=label,
                    model=ImportRun,
                    argument="import_id",
                    position=0,
                )
            )
