from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    """Operations: the command-line edge (init, demo data, users, checks)."""

    name = "smartcrm.ops"
    label = "ops"
    verbose_name = _("Operations")
