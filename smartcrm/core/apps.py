from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "smartcrm.core"
    label = "core"
    verbose_name = _("Core")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.core import checks

        from smartcrm.core.mounts import Mount, check_mounts, register_mount

        checks.register(check_mounts)
        register_mount(
            Mount(app="core", order=30, router="smartcrm.core.api", urls="smartcrm.core.urls")
        )

        from django.db.backends.signals import connection_created

        from smartcrm.core.postgres import use_compiled_timestamptz_loader
        from smartcrm.core.sqlite import install_unicode_case_functions

        connection_created.connect(
            install_unicode_case_functions, dispatch_uid="smartcrm-sqlite-case"
        )
        connection_created.connect(
            use_compiled_timestamptz_loader, dispatch_uid="smartcrm-postgres-timestamptz"
        )
