"""Calls, e-mails and meetings, done or planned, on a prospect, account or offer."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from smartcrm.activities.choices import ActivityKind, ActivityStatus
from smartcrm.core.registry import parent_constraint
from smartcrm.trash.models import Trashable, trash_index


class Activity(Trashable):
    """An interaction with the contacts of exactly one prospect, account or offer."""

    FIELD_OF_CONSTRAINT: ClassVar[dict[str, str]] = {"end_before_start": "end_at"}
    # Whose own it is (core.scopes): its owner's, and, to view it, the owner of its record's.
    HELD_THROUGH: ClassVar[tuple[str, ...]] = ("prospect", "account", "offer")

    kind = models.CharField(_("kind"), max_length=10, choices=ActivityKind.choices)
    subject = models.CharField(_("subject"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ActivityStatus.choices, default=ActivityStatus.PLANNED
    )
    start_at = models.DateTimeField(_("starts at"))
    end_at = models.DateTimeField(_("ends at"), null=True, blank=True)
    location = models.CharField(_("location"), max_length=200, blank=True)
    outcome = models.TextField(_("outcome"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owner"),
    )
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True, editable=False)
    reminder_minutes = models.PositiveIntegerField(
        _("reminder (minutes before)"),
        null=True,
        blank=True,
        help_text=_("Empty: no reminder."),
        validators=[MaxValueValidator(7 * 24 * 60)],
    )
    # When the reminder went out; cleared when the activity moves, so it fires again then.
    reminder_sent_at = models.DateTimeField(
        _("reminder sent at"), null=True, blank=True, editable=False
    )
    participants = models.ManyToManyField("contacts.Contact", blank=True, related_name="activities")
    prospect = models.ForeignKey(
        "sales.Prospect", on_delete=models.CASCADE, null=True, blank=True, related_name="activities"
    )
    account = models.ForeignKey(
        "sales.Account", on_delete=models.CASCADE, null=True, blank=True, related_name="activities"
    )
    offer = models.ForeignKey(
        "sales.Offer", on_delete=models.CASCADE, null=True, blank=True, related_name="activities"
    )

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["-start_at"]
        constraints = [
            parent_constraint(
                name="activity_exactly_one_parent", fields=("prospect", "account", "offer")
            ),
            models.CheckConstraint(
                condition=Q(end_at__isnull=True) | Q(end_at__gte=models.F("start_at")),
                name="activity_ends_after_start",
                violation_error_code="end_before_start",
                violation_error_message=_("The end cannot be before the start."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=ActivityStatus.values), name="activity_status_valid"
            ),
        ]
        indexes = [
            models.Index(
                fields=["organization", "status", "start_at"], name="activity_org_status_idx"
            ),
            models.Index(
                fields=["organization", "owner", "start_at"], name="activity_org_owner_idx"
            ),
            models.Index(fields=["organization", "start_at", "id"], name="activity_org_start_idx"),
            trash_index("activity"),
        ]

    def __str__(self) -> str:
        return self.subject

    @property
    def remind_at(self) -> dt.datetime | None:
        """When the owner is reminded: ``reminder_minutes`` before the start."""
        if self.reminder_minutes is None or self.start_at is None:
            return None
        return self.start_at - dt.timedelta(minutes=self.reminder_minutes)
