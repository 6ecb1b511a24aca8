from django.db import models
from django.utils.translation import gettext_lazy as _


class ContactDepartment(models.TextChoices):
    MANAGEMENT = "management", _("Management")
    FINANCE = "finance", _("Finance")
    PROCUREMENT = "procurement", _("Procurement")
    SALES = "sales", _("Sales")
    TECHNICAL = "technical", _("Technical")
    OTHER = "other", _("Other")
