from django.db import models
from django.utils.translation import gettext_lazy as _


class ActivityKind(models.TextChoices):
    CALL = "call", _("Call")
    EMAIL = "email", _("E-mail")
    MEETING = "meeting", _("Meeting")


class ActivityStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    DONE = "done", _("Done")
    CANCELED = "canceled", _("Canceled")


ACTIVITY_TRANSITIONS: dict[str, frozenset[str]] = {
    ActivityStatus.PLANNED: frozenset({ActivityStatus.DONE, ActivityStatus.CANCELED}),
    ActivityStatus.DONE: frozenset(),
    ActivityStatus.CANCELED: frozenset({ActivityStatus.PLANNED}),
}
