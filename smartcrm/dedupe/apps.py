from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DedupeConfig(AppConfig):
    name = "smartcrm.dedupe"
    label = "dedupe"
    verbose_name = _("Duplicates")
