"""In-app notifications: something a user should know about, read or not yet."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from smartcrm.core.models import TenantModel
from smartcrm.notifications.choices import NotificationKind


class Notification(TenantModel):
    """One message to one user of the organisation (an offer accepted, a task assigned...)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    kind = models.CharField(_("kind"), max_length=30, choices=NotificationKind.choices)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    # Where the bell leads: a path inside SmartCRM ("/offers/<id>/") or a full URL.
    url = models.CharField(_("link"), max_length=500, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    # A reminder delivered well after its time (no worker was running then).
    late = models.BooleanField(_("late"), default=False)
    # Set by the e-mail job once the message left: a retried job never sends it twice.
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=NotificationKind.values), name="notification_kind_valid"
            )
        ]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_user_read_idx")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


def default_email_kinds() -> list[str]:
    return list(NotificationKind.values)


class NotificationPreference(TenantModel):
    """One member's choices: which kinds of notification also come by e-mail."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("user"),
    )
    # The kinds (NotificationKind values) that are e-mailed too; every kind by default.
    email_kinds = models.JSONField(_("e-mailed kinds"), default=default_email_kinds, blank=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "user"], name="notification_preference_one_per_member"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organization_id}"

    def wants_email(self, kind: str) -> bool:
        return kind in (self.email_kinds or [])
