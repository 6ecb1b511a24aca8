"""Accounts: create, edit, delete."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from smartcrm.core import writes
from smartcrm.core.audit import audit_created, audit_deleted, audit_updated
from smartcrm.core.errors import Conflict
from smartcrm.core.ids import RecordId
from smartcrm.core.models import Organization, User
from smartcrm.core.permissions import (
    ensure_member,
    membership_of,
    require_assign_right,
    require_grant,
    require_owner_or_role,
    require_record_right,
)
from smartcrm.core.search import search_index
from smartcrm.core.services import normalize_identity
from smartcrm.dedupe.keys import set_matching_keys
from smartcrm.dedupe.selectors import refuse_likely_duplicates
from smartcrm.sales.choices import EventKind
from smartcrm.sales.models import Account, Offer, Prospect
from smartcrm.sales.services.events import record_event
from smartcrm.sales.services.prospects import IDENTITY_FIELDS
from smartcrm.trash.services import trash_record

ACCOUNT_FIELDS = ("kind", "name", *IDENTITY_FIELDS, "industry", "owner_id", "description")


def _check(org: Organization, user: User, account: Account) -> None:
    normalize_identity(account)
    ensure_member(org, account.owner_id, field="owner_id", acting=user)
    writes.validate(account, exclude=["source_prospect"])
    set_matching_keys(account, name=account.name)


@transaction.atomic
def account_create(
    *, org: Organization, user: User, allow_duplicate: bool = True, **fields: Any
) -> Account:
    """Create an account directly (most come from converting a prospect). With
    ``allow_duplicate=False`` one that looks like an existing account is refused (409)."""
    membership = require_grant(org, user, module="accounts", action="create")
    account = Account(organization=org, created_by=user, owner=user)
    writes.apply_changes(account, fields, allowed=ACCOUNT_FIELDS)
    _check(org, user, account)
    if not allow_duplicate:
        refuse_likely_duplicates(org=org, kind="account", record=account, member=membership)
    writes.save(account)
    search_index(account, changed=())
    record_event(org=org, user=user, kind=EventKind.CREATED, account=account)
    audit_created(org=org, user=user, record=account)
    return account


@transaction.atomic
def account_update(
    *,
    org: Organization,
    user: User,
    account_id: RecordId,
    version: int | None = None,
    **changes: Any,
) -> Account:
    """Change an account's details; a new owner needs the right to reassign it."""
    membership = membership_of(org, user)
    account = writes.lock(
        Account.objects.for_org(org), account_id, version=version, label=_("Account")
    )
    require_record_right(
        membership,
        module="accounts",
        action="edit",
        holders=lambda: (account.owner_id,),
        label=_("account"),
    )
    if "owner_id" in changes:
        require_assign_right(
            org,
            user,
            records=[account],
            new_holder=changes["owner_id"],
            membership=membership,
            module="accounts",
        )
    changed = writes.apply_changes(account, changes, allowed=ACCOUNT_FIELDS)
    if not changed:
        return account
    _check(org, user, account)
    writes.save(account)
    search_index(account, changed=changed)
    record_event(org=org, user=user, kind=EventKind.UPDATED, account=account, fields=changed)
    audit_updated(org=org, user=user, record=account, changed=changed)
    return account


@transaction.atomic
def account_delete(
    *, org: Organization, user: User, account_id: RecordId, version: int | None = None
) -> None:
    """Move an account to the trash with its contacts, activities, notes and tasks.

    Refused while it has offers (they are the sales history) or when it was created from
    a prospect (the converted prospect points to it).
    """
    account = writes.lock(
        Account.objects.for_org(org), account_id, version=version, label=_("Account")
    )
    require_owner_or_role(
        org, user, owner_id=account.owner_id, module="accounts", label=_("account")
    )
    if Offer.objects.for_org(org).filter(account=account).exists():
        raise Conflict(
            _("This account has offers; it cannot be deleted."), field="offers", code="has_offers"
        )
    if Prospect.objects.for_org(org).filter(converted_account=account).exists():
        raise Conflict(
            _("This account came from a converted prospect; it is kept as history."),
            field="converted_prospects",
            code="has_converted_prospects",
        )
    audit_deleted(org=org, user=user, record=account)
    trash_record(org=org, user=user, record=account)
