"""Converting a qualified prospect into an account: one transaction, all or nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from smartcrm.core import writes
from smartcrm.core.audit import AuditAction, audit
from smartcrm.core.choices import PartyKind
from smartcrm.core.errors import Conflict, Forbidden, ValidationFailed
from smartcrm.core.ids import RecordId
from smartcrm.core.models import Organization, User
from smartcrm.core.permissions import may, membership_of, require_grant
from smartcrm.core.registry import move_children
from smartcrm.core.search import search_index
from smartcrm.dedupe.keys import set_matching_keys
from smartcrm.sales.choices import EventKind, ProspectStatus
from smartcrm.sales.models import Account, Offer, Prospect
from smartcrm.sales.services.events import record_event
from smartcrm.sales.services.offers import offer_create
from smartcrm.sales.services.prospects import IDENTITY_FIELDS, require_prospect_edit


@dataclass
class Conversion:
    """What a conversion produced: the account, the first offer if asked, rows moved per kind."""

    prospect: Prospect
    account: Account
    offer: Offer | None
    created_account: bool
    moved: dict[str, int] = field(default_factory=dict)


def _account_from(prospect: Prospect, user: User) -> Account:
    account = Account(
        organization_id=prospect.organization_id,
        created_by=user,
        kind=prospect.kind,
        name=prospect.display_name,
        owner_id=prospect.owner_id or user.pk,
        description=prospect.description,
        source_prospect=prospect,
    )
    for name in IDENTITY_FIELDS:
        setattr(account, name, getattr(prospect, name))
    if prospect.kind == PartyKind.PERSON and not account.name:
        account.name = prospect.person_name
    return account


def _fill_blanks(account: Account, prospect: Prospect) -> list[str]:
    """Merging keeps the account's data and only fills what it lacks from the prospect."""
    filled = []
    for name in IDENTITY_FIELDS:
        if not getattr(account, name) and getattr(prospect, name):
            setattr(account, name, getattr(prospect, name))
            filled.append(name)
    return filled


@transaction.atomic
def prospect_convert(
    *,
    org: Organization,
    user: User,
    prospect_id: RecordId,
    account_id: RecordId | None = None,
    offer: dict[str, Any] | None = None,
    version: int | None = None,
) -> Conversion:
    """Turn a qualified prospect into an account (new, or ``account_id`` to merge into).

    Its contacts, activities, notes and tasks (every registered child kind) move to the
    account; the prospect becomes converted and points to the account; with ``offer``
    (title and fields) a first draft offer is created. The prospect row is locked first, so
    of two conversions racing, the second sees "converted" and gets a 409.
    """
    membership = membership_of(org, user)
    prospect = writes.lock(
        Prospect.objects.for_org(org), prospect_id, version=None, label=_("Prospect")
    )
    # Converting changes the prospect: it must be in the member's view scope (else it is
    # not found) and their edit grant must reach it.
    require_prospect_edit(membership, prospect)
    if prospect.status == ProspectStatus.CONVERTED:
        raise Conflict(
            _("This prospect has already been converted."), field="status", code="already_converted"
        )
    writes.check_version(prospect, version)
    if prospect.status != ProspectStatus.QUALIFIED:
        raise Conflict(
            _("Only a qualified prospect can be converted; this one is “%(status)s”.")
            % {"status": ProspectStatus(prospect.status).label},
            field="status",
            code="not_qualified",
        )
    if account_id is not None:
        try:
            account = Account.objects.for_org(org).select_for_update().filter(pk=account_id).first()
        except (ValueError, TypeError, ValidationError):  # a malformed id is "not found"
            account = None
        if account is None or not may(membership, "accounts", "view", (account.owner_id,)):
            raise ValidationFailed(
                _("No account with this id."), field="account_id", code="not_found"
            )
        if not may(membership, "accounts", "edit", (account.owner_id,)):
            raise Forbidden(
                _("Your role does not allow changing this account."),
                field="account_id",
                code="forbidden",
            )
        filled = _fill_blanks(account, prospect)
        if filled:
            set_matching_keys(account, name=account.name)
            writes.save(account)
        record_event(
            org=org,
            user=user,
            kind=EventKind.MERGED_PROSPECT,
            account=account,
            prospect_id=str(prospect.pk),
            prospect_name=prospect.display_name,
            filled=filled,
        )
        audit(
            org=org,
            user=user,
            action=AuditAction.MERGED,
            record=account,
            prospect_id=prospect.pk,
            prospect_name=prospect.display_name,
            filled=filled,
        )
        created = False
    else:
        require_grant(org, user, module="accounts", action="create", membership=membership)
        account = _account_from(prospect, user)
        writes.validate(account, exclude=["source_prospect"])
        set_matching_keys(account, name=account.name)
        writes.save(account)
        record_event(
            org=org,
            user=user,
            kind=EventKind.CREATED_FROM_PROSPECT,
            account=account,
            prospect_id=str(prospect.pk),
            prospect_name=prospect.display_name,
        )
        audit(
            org=org,
            user=user,
            action=AuditAction.CREATED,
            record=account,
            prospect_id=prospect.pk,
            prospect_name=prospect.display_name,
        )
        created = True

    moved = move_children(
        org=org, source_field="prospect", source=prospect, target_field="account", target=account
    )

    prospect.status = ProspectStatus.CONVERTED
    prospect.converted_account = account
    prospect.converted_at = timezone.now()
    writes.save(prospect)
    record_event(
        org=org,
        user=user,
        kind=EventKind.CONVERTED,
        prospect=prospect,
        account_id=str(account.pk),
        account_name=account.name,
        moved=moved,
        merged=not created,
    )
    audit(
        org=org,
        user=user,
        action=AuditAction.CONVERTED,
        record=prospect,
        changes={"status": [ProspectStatus.QUALIFIED, ProspectStatus.CONVERTED]},
        account_id=account.pk,
        account_name=account.name,
        moved=moved,
        merged=not created,
    )
    # After the move: re-indexing the account re-indexes the contacts it received.
    search_index(account)
    search_index(prospect)

    first_offer = None
    if offer is not None:
        offer_values = dict(offer)
        title = offer_values.pop("title", "") or _("Offer for %(name)s") % {"name": account.name}
        first_offer = offer_create(
            org=org, user=user, account_id=account.pk, title=title, **offer_values
        )
    return Conversion(
        prospect=prospect, account=account, offer=first_offer, created_account=created, moved=moved
    )
