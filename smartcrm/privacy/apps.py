from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "smartcrm.privacy"
    label = "privacy"
    verbose_name = _("Privacy")

    def ready(self) -> None:
        from smartcrm.core.mounts import Mount, register_mount

        register_mount(
            Mount(
                app="privacy",
                order=180,
                router="smartcrm.privacy.api",
                urls="smartcrm.privacy.urls",
            )
        )
