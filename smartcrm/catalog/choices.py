from django.db import models
from django.utils.translation import gettext_lazy as _


class ProductKind(models.TextChoices):
    PRODUCT = "product", _("Product")
    SERVICE = "service", _("Service")


class RateSource(models.TextChoices):
    MANUAL = "manual", _("Entered by hand")
    BNR = "bnr", _("National Bank of Romania")
    FILE = "file", _("Imported file")
