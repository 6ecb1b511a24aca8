from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DedupeConfig(AppConfig):
    name = "smartcrm.dedupe"
    label = "dedupe"
    verbose_name = _("Duplicates")

    def ready(self) -> None:
        from smartcrm.core.mounts import Mount, register_mount

        # Before sales: /prospects/merge must not be taken for /prospects/{prospect_id}.
        register_mount(
            Mount(app="dedupe", order=10, router="smartcrm.dedupe.api", urls="smartcrm.dedupe.urls")
        )
