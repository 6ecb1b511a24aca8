"""What the web UI keeps for its users: saved list filters."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from smartcrm.core.models import TenantModel


class SavedFilter(TenantModel):
    """A named list search of a user ("My hot prospects in Cluj"), optionally shared."""

    FIELD_OF_CONSTRAINT: ClassVar[dict[str, str]] = {"saved_filter_unique_name": "name"}

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="saved_filters",
        verbose_name=_("user"),
    )
    list_key = models.CharField(_("list"), max_length=40)
    name = models.CharField(_("name"), max_length=100)
    query = models.CharField(_("filters"), max_length=2000, blank=True)
    shared = models.BooleanField(_("shared with the organisation"), default=False)

    class Meta:
        verbose_name = _("saved filter")
        verbose_name_plural = _("saved filters")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                "organization", "user", "list_key", "name", name="saved_filter_unique_name"
            )
        ]
        indexes = [
            models.Index(
                fields=["organization", "list_key", "shared"], name="saved_filter_list_idx"
            )
        ]

    def __str__(self) -> str:
        return self.name
