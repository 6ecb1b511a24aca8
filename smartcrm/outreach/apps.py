from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutreachConfig(AppConfig):
    """Offers out the door: PDF, e-mail to the client, the client's acceptance link."""

    name = "smartcrm.outreach"
    label = "outreach"
    verbose_name = _("Offers out the door")

    def ready(self) -> None:
        from smartcrm.core.mounts import Mount, register_mount

        # Its public pages hang under the web app's namespace (web:outreach:…).
        register_mount(Mount(app="outreach", order=120, router="smartcrm.outreach.api"))
