from django.db import models
from django.utils.translation import gettext_lazy as _


class LinkDecision(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
