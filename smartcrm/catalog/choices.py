from django.db import models
from django.utils.translation import gettext_lazy as _


class ProductKind(models.TextChoices):
    PRODUCT = "product", _("Product")
    SERVICE = "service", _("Service")


class RateSource(models.TextChoices):
    MANUAL = "manual", _("Entered by hand")
    BNR = "bnr", _("National Bank of Romania")
    FILE = "file", _("Imported file")


# Units a Romanian price list uses; free text is allowed, these are suggestions.
COMMON_UNITS: tuple[str, ...] = (
    "buc",
    "oră",
    "zi",
    "lună",
    "an",
    "kg",
    "m",
    "m²",
    "l",
    "set",
    "pachet",
    "km",
)

# Romanian VAT rates since 1 August 2025 (standard 21 %, reduced 11 %), and 0 %.
VAT_RATES: tuple[str, ...] = ("21", "11", "0")
