"""Free text to remember, on exactly one prospect, account or offer."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from smartcrm.core.registry import parent_constraint
from smartcrm.trash.models import Trashable, trash_index


class Note(Trashable):
    """A note; its author is ``created_by``."""

    HOLDER_FIELDS: ClassVar[tuple[str, ...]] = ("created_by",)
    # In the view scope (core.models.held_by), also the records' children of a record one owns.
    HELD_THROUGH: ClassVar[tuple[str, ...]] = ("prospect", "account", "offer")

    body = models.TextField(_("text"))
    pinned = models.BooleanField(_("pinned"), default=False)
    prospect = models.ForeignKey(
        "sales.Prospect", on_delete=models.CASCADE, null=True, blank=True, related_name="notes"
    )
    account = models.ForeignKey(
        "sales.Account", on_delete=models.CASCADE, null=True, blank=True, related_name="notes"
    )
    offer = models.ForeignKey(
        "sales.Offer", on_delete=models.CASCADE, null=True, blank=True, related_name="notes"
    )

    class Meta:
        verbose_name = _("note")
        verbose_name_plural = _("notes")
        ordering = ["-created_at"]
        constraints = [
            parent_constraint(
                name="note_exactly_one_parent", fields=("prospect", "account", "offer")
            )
        ]
        # The list's order (newest first, then id), for keyset pages.
        indexes = [
            models.Index(fields=["organization", "created_at", "id"], name="note_org_created_idx"),
            trash_index("note"),
        ]

    def __str__(self) -> str:
        return self.body[:60]
