"""The trash: deleted records wait here, with the children they carried, until restored
or purged.

A trashed row stays in its own table with ``trash`` pointing at the batch it went with
(the record a member deleted and every child deleted with it share one batch, so a
restore brings back exactly those). The default manager of a trashable model hides
trashed rows, so every list, search, count and page leaves them out without asking;
``Model.objects.with_trashed()`` sees them (the trash itself, a restore, the purge).
Foreign-key access to a trashed parent still works (Django reads it through the base
manager): a row whose parent is trashed was trashed with it, or is in the trash itself.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from smartcrm.core.ids import uuid7
from smartcrm.core.models import Organization, TenantModel, TenantQuerySet


class TrashBatch(models.Model):
    """One delete: the record a member deleted (``kind``, ``object_id``), who and when; the
    rows it took along point here. Purged ``SMARTCRM_TRASH_DAYS`` after ``deleted_at``."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=20)
    object_id = models.UUIDField()
    title = models.CharField(_("name"), max_length=255)
    # Who may restore it besides admins: the record's owner (holder) when deleted, and the
    # member who deleted it.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        verbose_name=_("deleted by"),
    )
    deleted_at = models.DateTimeField(_("deleted on"))
    # How many rows of each kind went with it ({"contact": 2, "note": 1}), shown in the list.
    children = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("trashed record")
        verbose_name_plural = _("trashed records")
        ordering = ["-deleted_at"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="trash_batch_unique_record")
        ]
        indexes = [
            # The trash page, newest first; the purge walks deleted_at across organisations.
            models.Index(fields=["organization", "deleted_at"], name="trash_batch_org_idx"),
            models.Index(fields=["deleted_at"], name="trash_batch_purge_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.title}"


_TenantManager = models.Manager.from_queryset(TenantQuerySet)


class TrashableManager(_TenantManager):
    """The default manager of a trashable model: trashed rows are not there."""

    def get_queryset(self) -> TenantQuerySet:
        return TenantQuerySet(self.model, using=self._db).filter(trash__isnull=True)

    def with_trashed(self) -> TenantQuerySet:
        """Live and trashed rows alike (the trash, restore and purge read these)."""
        return TenantQuerySet(self.model, using=self._db)


def trash_field() -> Any:
    """The batch a trashed row went with; NULL while the row is live. Indexed only where
    set (``trash_index``): nearly every row is live."""
    return models.ForeignKey(
        TrashBatch,
        on_delete=models.CASCADE,  # purging a batch deletes its rows
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        db_index=False,
    )


def trash_index(prefix: str) -> models.Index:
    """The index that finds a batch's rows (restore, purge), trashed rows only."""
    return models.Index(
        fields=["trash"], condition=Q(trash__isnull=False), name=f"{prefix}_trash_idx"
    )


class Trashable(TenantModel):
    """A tenant row that goes to the trash when deleted."""

    trash = trash_field()

    objects: ClassVar[TrashableManager] = TrashableManager()  # type: ignore[assignment]  # live rows only: a narrower manager than TenantModel's

    class Meta:
        abstract = True
