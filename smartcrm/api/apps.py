from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    """The REST API edge: the NinjaAPI instance, auth, pagination, errors, idempotency."""

    name = "smartcrm.api"
    label = "api"
    verbose_name = _("REST API")
