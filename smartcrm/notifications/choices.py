from django.db import models
from django.utils.translation import gettext_lazy as _


class NotificationKind(models.TextChoices):
    OFFER_ACCEPTED = "offer_accepted", _("Offer accepted")
    OFFER_DECLINED = "offer_declined", _("Offer declined")
    TASK_ASSIGNED = "task_assigned", _("Task assigned")
    REMINDER = "reminder", _("Reminder")
    MENTION = "mention", _("Mention")
