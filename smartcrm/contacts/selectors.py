"""Reads of contacts: what a member's view scope of contacts shows."""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import QuerySet

from smartcrm.contacts.models import Contact, OfferContact
from smartcrm.core.models import Membership, Organization
from smartcrm.core.selectors import tenant_get
from smartcrm.sales.models import Offer
from smartcrm.sales.parents import contacts_scope_of


def contact_list(*, member: Membership, with_parents: bool = False) -> QuerySet[Contact]:
    """The contacts the member's view scope shows; ``with_parents`` joins their prospect and
    account (a page's rows name them)."""
    contacts = Contact.objects.for_member(member, "contacts")
    return contacts.select_related("prospect", "account") if with_parents else contacts


def contact_get(
    *, member: Membership, contact_id: uuid.UUID | str, with_parents: bool = False
) -> Contact:
    """One contact the member's view scope shows, or NotFound (another organisation's, one
    outside the scope and an unknown id alike)."""
    visible = Contact.objects.visible_to(member, "contacts")
    if with_parents:
        visible = visible.select_related("prospect", "account")
    return tenant_get(visible, org=member.organization, record_id=contact_id)


def record_contacts(*, member: Membership, parent_kind: str, parent: Any) -> QuerySet[Contact]:
    """The contacts of a prospect or an account the member sees, the primary one first."""
    return (
        Contact.objects.for_member(member, "contacts")
        .filter(**{parent_kind: parent})
        .order_by("-is_primary", "last_name", "first_name")
    )


def offer_contacts(*, member: Membership, offer: Offer) -> QuerySet[Contact]:
    """The contacts chosen for an offer that the member sees, by name."""
    return (
        Contact.objects.for_member(member, "contacts")
        .filter(offer_links__offer=offer)
        .order_by("last_name", "first_name")
    )


def offer_contact_candidates(
    *, member: Membership, offer: Offer, chosen: list[Contact]
) -> QuerySet[Contact]:
    """The contacts of the offer's account the member sees that are not chosen yet."""
    return (
        Contact.objects.for_member(member, "contacts")
        .filter(account_id=offer.account_id)
        .exclude(pk__in=[contact.pk for contact in chosen])
        .order_by("last_name", "first_name")
    )


def offer_contact_ids(*, org: Organization, offer: Offer) -> set[uuid.UUID]:
    """The ids of every contact on the offer (whoever sees them: a change keeps the rest)."""
    return set(
        OfferContact.objects.for_org(org).filter(offer=offer).values_list("contact_id", flat=True)
    )


def contacts_to_pick(*, member: Membership, parent: Any) -> QuerySet[Contact]:
    """The contacts an activity on ``parent`` may name as participants, by name: those in
    the member's view scope (the others, already participants, stay without being shown);
    none without a record (or one out of the member's sight)."""
    if parent is None:
        return Contact.objects.none()
    return (
        Contact.objects.for_member(member, "contacts")
        .filter(**contacts_scope_of(parent))
        .order_by("last_name", "first_name")
    )
