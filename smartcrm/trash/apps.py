from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrashConfig(AppConfig):
    name = "smartcrm.trash"
    label = "trash"
    verbose_name = _("Trash")

    def ready(self) -> None:
        from smartcrm.core.mounts import Mount, register_mount

        register_mount(
            Mount(app="trash", order=170, router="smartcrm.trash.api", urls="smartcrm.trash.urls")
        )
