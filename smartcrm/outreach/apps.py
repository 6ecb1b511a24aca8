from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutreachConfig(AppConfig):
    """Offers out the door: PDF, e-mail to the client, the client's acceptance link."""

    name = "smartcrm.outreach"
    label = "outreach"
    verbose_name = _("Offers out the door")
