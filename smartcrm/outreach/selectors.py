"""Reads of the outreach module: an offer's client link, and what the client may see."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from smartcrm.core.errors import Conflict, DomainError
from smartcrm.core.models import Organization, User
from smartcrm.outreach import links
from smartcrm.outreach.choices import LinkDecision
from smartcrm.outreach.models import OfferLink
from smartcrm.sales.choices import OfferStatus
from smartcrm.sales.models import Offer, OfferLine
from smartcrm.sales.selectors import VatBreakdownRow, offer_vat_breakdown

# The statuses in which a client may still accept or decline.
DECIDABLE_STATUSES = (OfferStatus.SENT, OfferStatus.NEGOTIATION)


def active_link_of(*, org: Organization, offer: Offer) -> OfferLink | None:
    """The offer's live (not revoked) link, decided or not; None if there is none."""
    return OfferLink.objects.for_org(org).filter(offer=offer, revoked_at__isnull=True).first()


def link_from_token(*, token: str) -> OfferLink:
    """The link a client's URL stands for. A tampered, unknown or mismatched token (another
    offer's id with this token, this offer's id with another token) is "not found"."""
    offer_id, plain = links.unsign(token)
    link = (
        OfferLink.objects.select_related("organization", "offer", "offer__account", "offer__owner")
        .filter(token_hash=links.token_hash(plain), offer_id=offer_id)
        .first()
    )
    if link is None:
        raise links.link_not_found()
    return link


def link_refusal(link: OfferLink, *, deciding: bool) -> DomainError | None:
    """Why the client cannot use this link now (None: they can). A decided link may still
    be looked at (its decision and PDF), but not decided again."""
    if link.revoked_at is not None:
        return Conflict(
            _("This link was withdrawn. Ask the sender for a new one."), code="link_revoked"
        )
    if link.is_expired:
        return Conflict(
            _("This link has expired. Ask the sender for a new one."), code="link_expired"
        )
    if link.decision:
        if not deciding:
            return None
        message = (
            _("This offer was already accepted; nothing was changed.")
            if link.decision == LinkDecision.ACCEPTED
            else _("This offer was already declined; nothing was changed.")
        )
        return Conflict(message, code="link_decided")
    if link.offer.status not in DECIDABLE_STATUSES:
        return offer_not_open()
    return None


def offer_not_open() -> Conflict:
    return Conflict(
        _("This offer can no longer be accepted or declined online. Please contact the sender."),
        code="offer_not_open",
    )


@dataclass(frozen=True)
class ClientOffer:
    """What the client's page shows: the supplier, the offer, its lines and totals."""

    link: OfferLink
    org: Organization
    offer: Offer
    owner: User | None
    lines: list[OfferLine]
    vat_breakdown: list[VatBreakdownRow]


def client_offer(*, link: OfferLink) -> ClientOffer:
    offer = link.offer
    return ClientOffer(
        link=link,
        org=link.organization,
        offer=offer,
        owner=offer.owner,
        lines=list(offer.lines.order_by("position", "created_at")),
        vat_breakdown=offer_vat_breakdown(offer=offer),
    )
