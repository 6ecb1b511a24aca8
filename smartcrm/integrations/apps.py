from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationsConfig(AppConfig):
    """Romanian public sources: BNR exchange rates, ANAF company data."""

    name = "smartcrm.integrations"
    label = "integrations"
    verbose_name = _("Integrations")
