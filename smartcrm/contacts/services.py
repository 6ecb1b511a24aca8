"""Contacts of prospects and accounts, and the contacts chosen for an offer."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from smartcrm.contacts.models import Contact, OfferContact
from smartcrm.core import writes
from smartcrm.core.audit import audit_created, audit_deleted, audit_updated
from smartcrm.core.errors import Conflict, ValidationFailed
from smartcrm.core.ids import RecordId
from smartcrm.core.models import Membership, Organization, User, normalize_email
from smartcrm.core.permissions import (
    membership_of,
    require_grant,
    require_owner_or_role,
    require_record_right,
)
from smartcrm.core.scopes import Scope, scope_for
from smartcrm.core.search import search_index
from smartcrm.dedupe.keys import set_matching_keys
from smartcrm.sales.choices import EventKind
from smartcrm.sales.models import Offer
from smartcrm.sales.parents import parent_owner_id, resolve_parent
from smartcrm.sales.services import record_event
from smartcrm.trash.services import trash_record

CONTACT_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "job_title",
    "department",
    "is_primary",
)


def _demote_other_primary(org: Organization, contact: Contact) -> None:
    """Only one primary contact per record: making one primary demotes the previous one."""
    if not contact.is_primary:
        return
    parent_filter = (
        {"prospect_id": contact.prospect_id}
        if contact.prospect_id
        else {"account_id": contact.account_id}
    )
    Contact.objects.for_org(org).filter(is_primary=True, **parent_filter).exclude(
        pk=contact.pk
    ).update(is_primary=False, version=F("version") + 1)


def _check(contact: Contact) -> None:
    if contact.email:
        contact.email = normalize_email(contact.email)
    writes.validate(contact, exclude=["prospect", "account"])
    set_matching_keys(contact, name=contact.full_name)


@transaction.atomic
def contact_create(
    *,
    org: Organization,
    user: User,
    prospect_id: RecordId | None = None,
    account_id: RecordId | None = None,
    offer_id: RecordId | None = None,
    allow_duplicate: bool = True,
    **fields: Any,
) -> Contact:
    """Add a person to a prospect or an account (an offer chooses among its account's).
    With ``allow_duplicate=False`` a contact with the same e-mail or phone in the
    organisation, or a very similar name at the same record, is refused (409)."""
    membership = require_grant(org, user, module="contacts", action="create")
    parent = resolve_parent(
        org=org,
        membership=membership,
        allowed=("prospect", "account"),
        prospect_id=prospect_id,
        account_id=account_id,
        offer_id=offer_id,
    )
    contact = Contact(organization=org, created_by=user, **parent)
    writes.apply_changes(contact, fields, allowed=CONTACT_FIELDS)
    _check(contact)
    if not allow_duplicate:
        from smartcrm.dedupe.selectors import refuse_likely_duplicates

        refuse_likely_duplicates(org=org, kind="contact", record=contact, member=membership)
    _demote_other_primary(org, contact)
    writes.save(contact)
    search_index(contact, changed=())
    audit_created(org=org, user=user, record=contact)
    return contact


@transaction.atomic
def contact_update(
    *,
    org: Organization,
    user: User,
    contact_id: RecordId,
    version: int | None = None,
    **changes: Any,
) -> Contact:
    """Change a contact's details (a contact does not change its prospect or account)."""
    membership = membership_of(org, user)
    contact = writes.lock(
        Contact.objects.for_org(org), contact_id, version=version, label=_("Contact")
    )
    require_record_right(
        membership,
        module="contacts",
        action="edit",
        holders=lambda: (parent_owner_id(org, contact),),
        label=_("contact"),
    )
    changed = writes.apply_changes(contact, changes, allowed=CONTACT_FIELDS)
    if not changed:
        return contact
    _check(contact)
    _demote_other_primary(org, contact)
    writes.save(contact)
    search_index(contact)
    audit_updated(org=org, user=user, record=contact, changed=changed)
    return contact


@transaction.atomic
def contact_delete(
    *, org: Organization, user: User, contact_id: RecordId, version: int | None = None
) -> None:
    """Move a contact to the trash (the owner of its prospect or account, or a manager); the
    offers and activities it was on no longer show it, and show it again if it is restored."""
    contact = writes.lock(
        Contact.objects.for_org(org), contact_id, version=version, label=_("Contact")
    )
    require_owner_or_role(
        org, user, owner_id=parent_owner_id(org, contact), module="contacts", label=_("contact")
    )
    audit_deleted(org=org, user=user, record=contact)
    trash_record(org=org, user=user, record=contact)


def contact_holder(contact: Contact) -> RecordId | None:
    """Whose a contact is: the owner of its prospect or account (for the trash)."""
    parent = contact.prospect if contact.prospect_id else contact.account
    return parent.owner_id if parent is not None else None


def primary_taken(org: Organization, contacts: Sequence[Contact]) -> Conflict | None:
    """A trashed primary contact cannot come back beside the primary contact its record got
    meanwhile: the restore says so, naming the flag."""
    for contact in contacts:
        if not contact.is_primary:
            continue
        parent = (
            {"prospect_id": contact.prospect_id}
            if contact.prospect_id
            else {"account_id": contact.account_id}
        )
        if Contact.objects.for_org(org).filter(is_primary=True, **parent).exists():
            return Conflict(
                _(
                    "%(name)s was the primary contact, and its record has another primary "
                    "contact now; make that one not primary first."
                )
                % {"name": contact},
                field="is_primary",
                code="primary_taken",
            )
    return None


def give_up_primary_before_move(
    *, org: Organization, source_field: str, source: Any, target_field: str, target: Any
) -> None:
    """Registry hook: moving contacts onto a record that has a primary keeps that one."""
    if Contact.objects.for_org(org).filter(is_primary=True, **{target_field: target}).exists():
        Contact.objects.for_org(org).filter(is_primary=True, **{source_field: source}).update(
            is_primary=False, version=F("version") + 1
        )


def _keep_visible_or_current(
    membership: Membership, contacts: list[Contact], current: set[Any]
) -> list[Contact]:
    """The contacts a member may choose for an offer: those already on it (they stay when
    someone else changes the set), and those in their view scope; another is not one of the
    account's, as another organisation's."""
    chosen_anew = {contact.pk for contact in contacts} - current
    if not chosen_anew or scope_for(membership, "contacts", "view") == Scope.ALL:
        return contacts
    visible = set(
        Contact.objects.for_member(membership, "contacts")
        .filter(pk__in=chosen_anew)
        .values_list("pk", flat=True)
    )
    return [contact for contact in contacts if contact.pk in current or contact.pk in visible]


@transaction.atomic
def offer_contacts_set(
    *,
    org: Organization,
    user: User,
    offer_id: RecordId,
    contact_ids: Iterable[RecordId],
    offer_version: int | None = None,
) -> list[Contact]:
    """Choose the offer's contacts among its account's contacts (replaces the previous set).

    An offer outside the member's view scope is not found; a contact outside it is not one
    of the account's, as a contact of another organisation."""
    membership = membership_of(org, user)
    offer = writes.lock(
        Offer.objects.for_org(org).visible_to(membership, "offers"),
        offer_id,
        version=offer_version,
        label=_("Offer"),
    )
    if offer.is_closed:
        raise Conflict(_("A closed offer cannot be changed."), field="status", code="offer_closed")
    wanted = {str(contact_id) for contact_id in contact_ids}
    current = set(OfferContact.objects.filter(offer=offer).values_list("contact_id", flat=True))
    try:
        contacts = list(
            Contact.objects.for_org(org).filter(account_id=offer.account_id, pk__in=wanted)
        )
    except (ValueError, TypeError, ValidationError):  # a malformed id is "not found"
        contacts = []
    contacts = _keep_visible_or_current(membership, contacts, current)
    if len(contacts) != len(wanted):
        found = {str(contact.pk) for contact in contacts}
        missing = sorted(wanted - found)
        raise ValidationFailed(
            _("These are not contacts of the offer's account: %(ids)s.")
            % {"ids": ", ".join(missing)},
            field="contact_ids",
            code="not_account_contact",
        )
    chosen = {contact.pk for contact in contacts}
    OfferContact.objects.filter(offer=offer).exclude(contact_id__in=chosen).delete()
    OfferContact.objects.bulk_create(
        [
            OfferContact(organization=org, created_by=user, offer=offer, contact=contact)
            for contact in contacts
            if contact.pk not in current
        ]
    )
    if current != chosen:
        writes.save(offer)
        record_event(
            org=org,
            user=user,
            kind=EventKind.CONTACTS_CHANGED,
            offer=offer,
            contacts=sorted(str(pk) for pk in chosen),
        )
    return sorted(contacts, key=lambda contact: (contact.last_name, contact.first_name))
