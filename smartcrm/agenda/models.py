"""A member's calendar feed (a secret address) and their daily agenda e-mail."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from smartcrm.core.models import TenantModel


class CalendarFeed(TenantModel):
    """The secret iCalendar address of one member's planned activities and due tasks.

    The secret in the address is an HMAC of the feed and its ``nonce`` (nothing secret is
    stored); regenerating makes a new feed, revoking retires this one for good."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    nonce = models.CharField(max_length=32, editable=False)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "user"],
                condition=Q(revoked_at__isnull=True),
                name="calendar_feed_one_active_per_member",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} ({'revoked' if self.revoked_at else 'active'})"


DEFAULT_AGENDA_TIME = dt.time(7, 30)


class DailyAgenda(TenantModel):
    """A member's opt-in to a morning e-mail of the day's activities and due or overdue tasks,
    at a local time of their choosing."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    enabled = models.BooleanField(_("send me a daily agenda"), default=False)
    send_at = models.TimeField(_("at (local time)"), default=DEFAULT_AGENDA_TIME)
    # The next instant to send (UTC); the worker picks rows whose time has come.
    next_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_sent_on = models.DateField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("daily agenda")
        verbose_name_plural = _("daily agendas")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "user"], name="daily_agenda_one_per_member"
            )
        ]
        indexes = [
            models.Index(fields=["next_at"], name="daily_agenda_due_idx", condition=Q(enabled=True))
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.send_at:%H:%M}"
