"""The client's link to a sent offer: signed, unguessable, expiring, revocable, decided once."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from smartcrm.core.models import TenantModel
from smartcrm.outreach.choices import LinkDecision


class OfferLink(TenantModel):
    """A link a client opens without logging in to see, accept or decline one offer.

    Only the SHA-256 of its random token is kept: the token itself travels in the URL
    (signed with the offer's id) and nowhere else.
    """

    offer = models.ForeignKey("sales.Offer", on_delete=models.CASCADE, related_name="client_links")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    decision = models.CharField(
        _("decision"), max_length=10, choices=LinkDecision.choices, blank=True
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by_name = models.CharField(_("decided by"), max_length=200, blank=True)
    decision_note = models.TextField(_("note or reason"), blank=True)

    class Meta:
        verbose_name = _("client link")
        verbose_name_plural = _("client links")
        ordering = ["-created_at"]
        constraints = [
            # Creating a link revokes the previous one: at most one is live per offer.
            models.UniqueConstraint(
                fields=["offer"],
                condition=Q(revoked_at__isnull=True),
                name="offer_link_one_live_per_offer",
            ),
            models.CheckConstraint(
                condition=Q(decision="", decided_at__isnull=True)
                | (Q(decision__in=LinkDecision.values) & Q(decided_at__isnull=False)),
                name="offer_link_decision_has_date",
            ),
        ]
        indexes = [models.Index(fields=["organization", "offer"], name="offer_link_org_offer_idx")]

    def __str__(self) -> str:
        return f"{self.offer_id} until {self.expires_at:%Y-%m-%d}"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def is_live(self) -> bool:
        """Usable by the client: not revoked, not expired, not decided yet."""
        return self.revoked_at is None and not self.decision and not self.is_expired
