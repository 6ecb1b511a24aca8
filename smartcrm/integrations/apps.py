from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationsConfig(AppConfig):
    """Romanian public sources: BNR exchange rates, ANAF company data."""

    name = "smartcrm.integrations"
    label = "integrations"
    verbose_name = _("Integrations")

    def ready(self) -> None:
        from smartcrm.core.mounts import Mount, register_mount

        # Before catalog: /exchange-rates/bnr/fetch must not be taken for an id.
        register_mount(Mount(app="integrations", order=100, router="smartcrm.integrations.api"))
