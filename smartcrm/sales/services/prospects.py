"""Prospects: create, edit, move through their statuses, delete."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from smartcrm.core import writes
from smartcrm.core.audit import audit_created, audit_deleted, audit_status, audit_updated
from smartcrm.core.choices import PartyKind
from smartcrm.core.errors import Conflict, ValidationFailed
from smartcrm.core.ids import RecordId
from smartcrm.core.models import Membership, Organization, User
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
from smartcrm.sales.choices import (
    OPEN_PROSPECT_STATUSES,
    PROSPECT_TRANSITIONS,
    EventKind,
    ProspectStatus,
)
from smartcrm.sales.models import Prospect
from smartcrm.sales.services.events import record_event
from smartcrm.trash.services import trash_record

IDENTITY_FIELDS = (
    "cui",
    "vat_payer",
    "trade_register",
    "address",
    "postal_code",
    "locality",
    "county",
    "country",
    "phone",
    "email",
    "website",
)
PROSPECT_FIELDS = (
    "kind",
    "first_name",
    "last_name",
    "company_name",
    *IDENTITY_FIELDS,
    "source",
    "priority",
    "owner_id",
    "description",
)


def _check(org: Organization, user: User, prospect: Prospect) -> None:
    normalize_identity(prospect)
    ensure_member(org, prospect.owner_id, field="owner_id", acting=user)
    writes.validate(prospect, exclude=["converted_account"])
    prospect_check_name(prospect)
    set_matching_keys(prospect, name=prospect.display_name)


def prospect_check_name(prospect: Prospect) -> None:
    """A company has its name; a person a first or last name (the importer checks it too)."""
    if prospect.kind == PartyKind.COMPANY and not prospect.company_name:
        raise ValidationFailed(
            _("A company needs its name."), field="company_name", code="required"
        )
    if prospect.kind == PartyKind.PERSON and not (prospect.first_name or prospect.last_name):
        raise ValidationFailed(_("A person needs a name."), field="last_name", code="required")


def _locked(org: Organization, prospect_id: RecordId, version: int | None) -> Prospect:
    return writes.lock(
        Prospect.objects.for_org(org), prospect_id, version=version, label=_("Prospect")
    )


def _refuse_if_converted(prospect: Prospect) -> None:
    if prospect.status == ProspectStatus.CONVERTED:
        raise Conflict(
            _("This prospect was converted; edit its account instead."),
            field="status",
            code="prospect_converted",
        )


@transaction.atomic
def prospect_create(
    *,
    org: Organization,
    user: User,
    status: str = ProspectStatus.NEW,
    allow_duplicate: bool = True,
    **fields: Any,
) -> Prospect:
    """Record a new prospect; its owner defaults to the acting user. With
    ``allow_duplicate=False`` a prospect that looks like an existing one (same e-mail,
    phone, CUI or a very similar name) is refused with PossibleDuplicate (409)."""
    membership = require_grant(org, user, module="prospects", action="create")
    if status not in OPEN_PROSPECT_STATUSES:
        raise ValidationFailed(
            _("A new prospect is new, in progress or qualified."),
            field="status",
            code="invalid_status",
        )
    prospect = Prospect(organization=org, created_by=user, owner=user, status=status)
    writes.apply_changes(prospect, fields, allowed=PROSPECT_FIELDS)
    _check(org, user, prospect)
    if not allow_duplicate:
        refuse_likely_duplicates(org=org, kind="prospect", record=prospect, member=membership)
    writes.save(prospect)
    search_index(prospect, changed=())
    record_event(org=org, user=user, kind=EventKind.CREATED, prospect=prospect)
    audit_created(org=org, user=user, record=prospect)
    return prospect


def require_prospect_edit(membership: Membership, prospect: Prospect) -> None:
    """The prospect is in the member's view scope (else not found) and their edit grant
    reaches it (else refused)."""
    require_record_right(
        membership,
        module="prospects",
        action="edit",
        holders=lambda: (prospect.owner_id,),
        label=_("prospect"),
    )


@transaction.atomic
def prospect_update(
    *,
    org: Organization,
    user: User,
    prospect_id: RecordId,
    version: int | None = None,
    **changes: Any,
) -> Prospect:
    """Change a prospect's details (not its status: see the transitions below); a new owner
    needs the right to reassign it."""
    membership = membership_of(org, user)
    prospect = _locked(org, prospect_id, version)
    require_prospect_edit(membership, prospect)
    _refuse_if_converted(prospect)
    if "owner_id" in changes:
        require_assign_right(
            org,
            user,
            records=[prospect],
            new_holder=changes["owner_id"],
            membership=membership,
            module="prospects",
        )
    changed = writes.apply_changes(prospect, changes, allowed=PROSPECT_FIELDS)
    if not changed:
        return prospect
    _check(org, user, prospect)
    writes.save(prospect)
    search_index(prospect, changed=changed)
    record_event(org=org, user=user, kind=EventKind.UPDATED, prospect=prospect, fields=changed)
    audit_updated(org=org, user=user, record=prospect, changed=changed)
    return prospect


@transaction.atomic
def prospect_set_status(
    *,
    org: Organization,
    user: User,
    prospect_id: RecordId,
    status: str,
    reason: str = "",
    version: int | None = None,
) -> Prospect:
    """Move a prospect along new → in progress → qualified, or disqualify it with a reason."""
    membership = membership_of(org, user)
    prospect = _locked(org, prospect_id, version)
    require_prospect_edit(membership, prospect)
    if status not in ProspectStatus.values:
        raise ValidationFailed(_("Unknown status."), field="status", code="invalid_status")
    if status == ProspectStatus.CONVERTED:
        raise Conflict(
            _("Use conversion to turn a prospect into an account."),
            field="status",
            code="illegal_transition",
        )
    if status not in PROSPECT_TRANSITIONS[prospect.status]:
        raise Conflict(
            _("A prospect cannot go from “%(old)s” to “%(new)s”.")
            % {"old": ProspectStatus(prospect.status).label, "new": ProspectStatus(status).label},
            field="status",
            code="illegal_transition",
        )
    reason = " ".join((reason or "").split())
    if status == ProspectStatus.DISQUALIFIED and not reason:
        raise ValidationFailed(
            _("Say why the prospect is disqualified."), field="reason", code="required"
        )
    old = prospect.status
    prospect.status = status
    prospect.disqualify_reason = reason if status == ProspectStatus.DISQUALIFIED else ""
    writes.validate(prospect, exclude=["converted_account"])
    writes.save(prospect)
    record_event(
        org=org,
        user=user,
        kind=EventKind.STATUS_CHANGED,
        prospect=prospect,
        old=old,
        new=status,
        reason=prospect.disqualify_reason,
    )
    audit_status(
        org=org, user=user, record=prospect, old=old, new=status, reason=prospect.disqualify_reason
    )
    return prospect


def prospect_qualify(
    *, org: Organization, user: User, prospect_id: RecordId, version: int | None = None
) -> Prospect:
    """Mark a prospect qualified: ready to be converted."""
    return prospect_set_status(
        org=org,
        user=user,
        prospect_id=prospect_id,
        status=ProspectStatus.QUALIFIED,
        version=version,
    )


def prospect_disqualify(
    *,
    org: Organization,
    user: User,
    prospect_id: RecordId,
    reason: str,
    version: int | None = None,
) -> Prospect:
    """Disqualify an open prospect, saying why."""
    return prospect_set_status(
        org=org,
        user=user,
        prospect_id=prospect_id,
        status=ProspectStatus.DISQUALIFIED,
        reason=reason,
        version=version,
    )


@transaction.atomic
def prospect_delete(
    *, org: Organization, user: User, prospect_id: RecordId, version: int | None = None
) -> None:
    """Move a prospect to the trash with its contacts, activities, notes and tasks (owner or
    manager).

    A converted prospect is the history of its account and stays.
    """
    prospect = _locked(org, prospect_id, version)
    require_owner_or_role(
        org, user, owner_id=prospect.owner_id, module="prospects", label=_("prospect")
    )
    if prospect.status == ProspectStatus.CONVERTED:
        raise Conflict(
            _("A converted prospect is kept as the history of its account."),
            field="status",
            code="prospect_converted",
        )
    audit_deleted(org=org, user=user, record=prospect)
    trash_record(org=org, user=user, record=prospect)
