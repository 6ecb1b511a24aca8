from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExportsConfig(AppConfig):
    name = "smartcrm.exports"
    label = "exports"
    verbose_name = _("Exports")

    def ready(self) -> None:
        from smartcrm.core.mounts import Mount, register_mount

        # Before sales: /prospects/export must not be taken for /prospects/{prospect_id}.
        register_mount(
            Mount(
                app="exports", order=20, router="smartcrm.exports.api", urls="smartcrm.exports.urls"
            )
        )
