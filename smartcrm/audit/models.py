"""The audit log: one row per event, sealed into a hash chain per organisation."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from smartcrm.core.audit import AuditAction, Via
from smartcrm.core.ids import uuid7
from smartcrm.core.models import Organization


class AuditEvent(models.Model):
    """Who did what to which record, when and from where.

    No foreign key to the record, nor to the user: kind, id and label are kept as values,
    so the event outlives both. ``seq``, ``prev_hash`` and ``hash`` are empty until the
    event is sealed into its organisation's chain (``services.audit_seal``); from then on
    any change to the row, or its removal, breaks the chain that ``smartcrm audit verify``
    checks.
    """

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    occurred_at = models.DateTimeField(_("when"), default=timezone.now)
    action = models.CharField(_("action"), max_length=30, choices=AuditAction.choices)
    actor_id = models.UUIDField(_("user id"), null=True, blank=True)
    actor_email = models.CharField(_("user"), max_length=254, blank=True)
    via = models.CharField(_("via"), max_length=10, choices=Via.choices, default=Via.SYSTEM)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=255, blank=True)
    token_id = models.UUIDField(_("API token"), null=True, blank=True)
    record_kind = models.CharField(_("record kind"), max_length=30, blank=True)
    record_id = models.UUIDField(_("record id"), null=True, blank=True)
    record_label = models.CharField(_("record"), max_length=255, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)
    # The chain: position in the organisation's chain, the hash of the event before it,
    # and this event's own hash (over its fields and prev_hash). Set when sealed.
    seq = models.PositiveBigIntegerField(null=True, blank=True, editable=False)
    prev_hash = models.CharField(max_length=64, blank=True, editable=False)
    hash = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-id"]
        constraints = [
            # One event per position: two sealers can never fork a chain.
            models.UniqueConstraint(fields=["organization", "seq"], name="audit_event_seq_unique"),
        ]
        indexes = [
            # The lists' keyset order: newest first, (occurred_at, id).
            models.Index(
                fields=["organization", "-occurred_at", "-id"], name="audit_event_org_newest"
            ),
            models.Index(
                fields=["organization", "record_kind", "record_id", "-occurred_at", "-id"],
                name="audit_event_record_history",
            ),
            models.Index(
                fields=["organization", "id"],
                condition=Q(seq=None),
                name="audit_event_unsealed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.record_kind} {self.record_label}".strip()


class AuditChain(models.Model):
    """The head of an organisation's chain: the last sealed position and its hash. The
    sealer locks this row, so sealing is one at a time per organisation."""

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, blank=True)
    sealed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("audit chain")
        verbose_name_plural = _("audit chains")

    def __str__(self) -> str:
        return f"{self.organization_id} #{self.seq}"
