from django.db import models
from django.utils.translation import gettext_lazy as _


class ProspectStatus(models.TextChoices):
    NEW = "new", _("New")
    IN_PROGRESS = "in_progress", _("In progress")
    QUALIFIED = "qualified", _("Qualified")
    DISQUALIFIED = "disqualified", _("Disqualified")
    CONVERTED = "converted", _("Converted")


OPEN_PROSPECT_STATUSES = (ProspectStatus.NEW, ProspectStatus.IN_PROGRESS, ProspectStatus.QUALIFIED)

# Moves a user may make by hand; "converted" is reached only through conversion.
PROSPECT_TRANSITIONS: dict[str, frozenset[str]] = {
    ProspectStatus.NEW: frozenset(
        {ProspectStatus.IN_PROGRESS, ProspectStatus.QUALIFIED, ProspectStatus.DISQUALIFIED}
    ),
    ProspectStatus.IN_PROGRESS: frozenset(
        {ProspectStatus.NEW, ProspectStatus.QUALIFIED, ProspectStatus.DISQUALIFIED}
    ),
    ProspectStatus.QUALIFIED: frozenset({ProspectStatus.IN_PROGRESS, ProspectStatus.DISQUALIFIED}),
    ProspectStatus.DISQUALIFIED: frozenset({ProspectStatus.NEW, ProspectStatus.IN_PROGRESS}),
    ProspectStatus.CONVERTED: frozenset(),
}


class ProspectSource(models.TextChoices):
    WEBSITE = "website", _("Website")
    REFERRAL = "referral", _("Referral")
    EVENT = "event", _("Event or fair")
    COLD_CALL = "cold_call", _("Cold call")
    CAMPAIGN = "campaign", _("Campaign")
    PARTNER = "partner", _("Partner")
    SOCIAL = "social", _("Social media")
    TENDER = "tender", _("Public tender (SEAP)")
    OTHER = "other", _("Other")


class OfferStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SENT = "sent", _("Sent")
    NEGOTIATION = "negotiation", _("Negotiation")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


OPEN_OFFER_STATUSES = (OfferStatus.DRAFT, OfferStatus.SENT, OfferStatus.NEGOTIATION)
CLOSED_OFFER_STATUSES = (OfferStatus.WON, OfferStatus.LOST)

OFFER_TRANSITIONS: dict[str, frozenset[str]] = {
    OfferStatus.DRAFT: frozenset({OfferStatus.SENT}),
    OfferStatus.SENT: frozenset(
        {OfferStatus.DRAFT, OfferStatus.NEGOTIATION, OfferStatus.WON, OfferStatus.LOST}
    ),
    OfferStatus.NEGOTIATION: frozenset({OfferStatus.SENT, OfferStatus.WON, OfferStatus.LOST}),
    OfferStatus.WON: frozenset(),
    OfferStatus.LOST: frozenset(),
}


class EventKind(models.TextChoices):
    CREATED = "created", _("Created")
    UPDATED = "updated", _("Updated")
    STATUS_CHANGED = "status_changed", _("Status changed")
    CONVERTED = "converted", _("Converted to an account")
    CREATED_FROM_PROSPECT = "created_from_prospect", _("Created from a prospect")
    MERGED_PROSPECT = "merged_prospect", _("A prospect was merged in")
    LINES_CHANGED = "lines_changed", _("Lines changed")
    CONTACTS_CHANGED = "contacts_changed", _("Contacts changed")
    MERGED = "merged", _("Duplicates merged in")
    CONTACTS_MERGED = "contacts_merged", _("Duplicate contacts merged")
