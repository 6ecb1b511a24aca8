"""Writes on many offers at once (the offer list's bulk actions): all or nothing (an offer
the user may not reassign refuses them all)."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from smartcrm.core.audit import AuditAction, audit_many
from smartcrm.core.errors import Conflict, ValidationFailed
from smartcrm.core.ids import RecordId
from smartcrm.core.models import Organization, User
from smartcrm.core.permissions import ensure_member, membership_of, require_assign_right
from smartcrm.sales.choices import EventKind
from smartcrm.sales.models import Offer, RecordEvent

BULK_LIMIT = 500


@transaction.atomic
def offers_set_owner(
    *, org: Organization, user: User, offer_ids: Iterable[RecordId], owner_id: RecordId
) -> int:
    """Give the chosen open offers another owner; returns how many changed. Every id must
    be an open offer of the organisation, else nothing changes."""
    membership = membership_of(org, user)
    wanted = {str(offer_id) for offer_id in offer_ids}
    if not wanted:
        raise ValidationFailed(_("Choose at least one offer."), field="ids", code="required")
    if len(wanted) > BULK_LIMIT:
        raise ValidationFailed(
            _("At most %(n)s offers at once.") % {"n": BULK_LIMIT}, field="ids", code="too_many"
        )
    if not owner_id:
        raise ValidationFailed(_("Choose the new owner."), field="owner_id", code="required")
    ensure_member(org, owner_id, field="owner_id")
    try:
        offers = list(
            Offer.objects.for_org(org).select_for_update().filter(pk__in=wanted).order_by("pk")
        )
    except (ValueError, TypeError, ValidationError):  # a malformed id is "not found"
        offers = []
    if len(offers) != len(wanted):
        raise ValidationFailed(_("Some of these offers do not exist."), field="ids")
    require_assign_right(
        org, user, records=offers, new_holder=owner_id, membership=membership, module="offers"
    )
    closed = sorted(offer.number for offer in offers if offer.is_closed)
    if closed:
        raise Conflict(
            _("Closed offers cannot be changed: %(numbers)s.") % {"numbers": ", ".join(closed)},
            field="ids",
            code="offer_closed",
        )
    changed = [offer for offer in offers if str(offer.owner_id) != str(owner_id)]
    now = timezone.now()
    owners_before = {offer.pk: offer.owner_id for offer in changed}
    for offer in changed:
        offer.owner_id = owner_id
        offer.version += 1
        offer.updated_at = now
    Offer.objects.bulk_update(changed, ["owner", "version", "updated_at"])
    RecordEvent.objects.bulk_create(
        [
            RecordEvent(
                organization=org,
                created_by=user,
                kind=EventKind.UPDATED,
                offer=offer,
                data={"fields": ["owner_id"]},
            )
            for offer in changed
        ]
    )
    audit_many(
        org=org,
        user=user,
        action=AuditAction.UPDATED,
        records=changed,
        changes=lambda offer: {"owner_id": [owners_before[offer.pk], offer.owner_id]},
    )
    return len(changed)
