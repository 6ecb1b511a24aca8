"""Bulk actions of the list pages: assign an owner, change the status, delete.

Each action is one transaction over every selected row: all of them change or none (a row
of another organisation, a converted prospect, an illegal move, a row the user may not
reassign or delete: the error names the rows and nothing changes). Writes are one UPDATE
(or DELETE) for the whole selection, and the timeline events are inserted in one
statement, as the single-record services would write them.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from functools import partial
from typing import Any, TypeVar

from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from smartcrm.core.audit import AuditAction, audit_many
from smartcrm.core.choices import Role
from smartcrm.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from smartcrm.core.ids import RecordId
from smartcrm.core.models import Organization, User
from smartcrm.core.permissions import (
    ensure_member,
    may,
    membership_of,
    require_assign_right,
    require_record_right,
    require_visible,
)
from smartcrm.core.text import listed
from smartcrm.sales.choices import PROSPECT_TRANSITIONS, EventKind, ProspectStatus
from smartcrm.sales.models import Account, Offer, Prospect, RecordEvent
from smartcrm.trash.services import trash_records

# A page shows 50 rows; "select all" over several loaded pages stays well below this.
MAX_BULK = 500
# How many names an error lists before "and N more".
NAMES_SHOWN = 5

R = TypeVar("R", Prospect, Account)


def _ids(record_ids: Iterable[RecordId]) -> list[uuid.UUID]:
    """The selected ids as UUIDs, each once; a malformed one is an error naming ``ids``."""
    parsed: list[uuid.UUID] = []
    for value in record_ids:
        try:
            record_id = value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
        except (ValueError, TypeError, AttributeError):
            raise ValidationFailed(
                _("The selection contains an id that is not valid."), field="ids", code="invalid"
            ) from None
        if record_id not in parsed:
            parsed.append(record_id)
    if not parsed:
        raise ValidationFailed(_("Select at least one row."), field="ids", code="required")
    if len(parsed) > MAX_BULK:
        raise ValidationFailed(
            _("Select at most %(count)s rows at a time.") % {"count": MAX_BULK},
            field="ids",
            code="too_many",
        )
    return parsed


def _locked(queryset: QuerySet[R], ids: Sequence[uuid.UUID]) -> list[R]:
    """Every selected row of the organisation, locked; any other id is "not found"."""
    rows = list(queryset.select_for_update().filter(pk__in=ids).order_by("pk"))
    if len(rows) != len(ids):
        missing = len(ids) - len(rows)
        raise NotFound(
            ngettext(
                "%(count)s selected row was not found; nothing was changed.",
                "%(count)s selected rows were not found; nothing was changed.",
                missing,
            )
            % {"count": missing},
            code="not_found",
        )
    return rows


def _names(rows: Sequence[Any]) -> str:
    return listed(rows, shown=NAMES_SHOWN)


def _refuse_converted(prospects: Sequence[Prospect]) -> None:
    converted = [p for p in prospects if p.status == ProspectStatus.CONVERTED]
    if converted:
        raise Conflict(
            _("Converted prospects cannot change; edit their accounts instead: %(names)s.")
            % {"names": _names(converted)},
            field="ids",
            code="prospect_converted",
        )


def _require_owner_or_manager(
    org: Organization, user: User, rows: Sequence[Any], *, module: str
) -> None:
    """As for one record: the member's delete grant decides (a sales user deletes only
    what they own, a manager anything); a row outside their view scope is not found."""
    membership = membership_of(org, user)
    for row in rows:
        require_visible(membership, module, (row.owner_id,), label=row._meta.verbose_name)
    others = [row for row in rows if not may(membership, module, "delete", (row.owner_id,))]
    if others and membership.custom_role_id is not None:
        raise Forbidden(
            _("Your role does not allow this on: %(names)s.") % {"names": _names(others)},
            code="forbidden",
        )
    if others:
        raise Forbidden(
            _("Only the record's owner or a %(role)s may do this: %(names)s.")
            % {"role": Role.MANAGER.label, "names": _names(others)},
            code="forbidden",
        )


def _events(
    org: Organization, user: User, kind: str, field: str, rows: Iterable[Any], data: Any
) -> None:
    """One timeline event per row, in one INSERT (``data`` maps a row to its event data)."""
    RecordEvent.objects.bulk_create(
        [
            RecordEvent(
                organization=org, created_by=user, kind=kind, data=data(row), **{field: row}
            )
            for row in rows
        ]
    )


def _assign(
    org: Organization,
    user: User,
    queryset: QuerySet[R],
    record_ids: Iterable[RecordId],
    owner_id: RecordId | None,
    field: str,
) -> list[R]:
    membership = membership_of(org, user)
    ids = _ids(record_ids)
    if owner_id in (None, ""):
        raise ValidationFailed(_("Choose the new owner."), field="owner_id", code="required")
    ensure_member(org, owner_id, field="owner_id")
    owner = uuid.UUID(str(owner_id))
    rows = _locked(queryset, ids)
    require_assign_right(
        org, user, records=rows, new_holder=owner, membership=membership, module=f"{field}s"
    )
    if field == "prospect":
        _refuse_converted(rows)  # type: ignore[arg-type]  # rows are prospects here
    changing = [row for row in rows if row.owner_id != owner]
    queryset.filter(pk__in=[row.pk for row in changing]).update(
        owner_id=owner, version=F("version") + 1, updated_at=timezone.now()
    )
    _events(org, user, EventKind.UPDATED, field, changing, lambda row: {"fields": ["owner_id"]})
    audit_many(
        org=org,
        user=user,
        action=AuditAction.UPDATED,
        records=changing,
        changes=lambda row: {"owner_id": [row.owner_id, owner]},
    )
    return changing


@transaction.atomic
def prospects_assign_owner(
    *, org: Organization, user: User, prospect_ids: Iterable[RecordId], owner_id: RecordId | None
) -> int:
    """Give the selected prospects to one member; returns how many changed owner."""
    changed = _assign(
        org, user, Prospect.objects.for_org(org), prospect_ids, owner_id, field="prospect"
    )
    return len(changed)


@transaction.atomic
def accounts_assign_owner(
    *, org: Organization, user: User, account_ids: Iterable[RecordId], owner_id: RecordId | None
) -> int:
    """Give the selected accounts to one member; returns how many changed owner."""
    changed = _assign(
        org, user, Account.objects.for_org(org), account_ids, owner_id, field="account"
    )
    return len(changed)


@transaction.atomic
def prospects_set_status(
    *,
    org: Organization,
    user: User,
    prospect_ids: Iterable[RecordId],
    status: str,
    reason: str = "",
) -> int:
    """Move the selected prospects to ``status`` (the moves one prospect may make; to
    disqualify, with a reason). Those already there stay; returns how many moved."""
    membership = membership_of(org, user)
    ids = _ids(prospect_ids)
    if status not in ProspectStatus.values:
        raise ValidationFailed(_("Unknown status."), field="status", code="invalid_status")
    if status == ProspectStatus.CONVERTED:
        raise Conflict(
            _("Use conversion to turn a prospect into an account."),
            field="status",
            code="illegal_transition",
        )
    reason = " ".join((reason or "").split())
    if status == ProspectStatus.DISQUALIFIED and not reason:
        raise ValidationFailed(
            _("Say why the prospects are disqualified."), field="reason", code="required"
        )
    max_length = Prospect._meta.get_field("disqualify_reason").max_length or 255
    if len(reason) > max_length:
        raise ValidationFailed(
            _("Write at most %(count)s characters.") % {"count": max_length},
            field="reason",
            code="max_length",
        )
    prospects = _locked(Prospect.objects.for_org(org), ids)
    for prospect in prospects:
        require_record_right(
            membership,
            module="prospects",
            action="edit",
            holders=partial(tuple, (prospect.owner_id,)),
            label=_("prospect"),
        )
    _refuse_converted(prospects)
    moving = [p for p in prospects if p.status != status]
    illegal = [p for p in moving if status not in PROSPECT_TRANSITIONS[p.status]]
    if illegal:
        raise Conflict(
            _("These prospects cannot move to “%(status)s”: %(names)s.")
            % {"status": ProspectStatus(status).label, "names": _names(illegal)},
            field="status",
            code="illegal_transition",
        )
    kept_reason = reason if status == ProspectStatus.DISQUALIFIED else ""
    Prospect.objects.for_org(org).filter(pk__in=[p.pk for p in moving]).update(
        status=status,
        disqualify_reason=kept_reason,
        version=F("version") + 1,
        updated_at=timezone.now(),
    )
    _events(
        org,
        user,
        EventKind.STATUS_CHANGED,
        "prospect",
        moving,
        lambda p: {"old": p.status, "new": status, "reason": kept_reason},
    )
    audit_many(
        org=org,
        user=user,
        action=AuditAction.STATUS_CHANGED,
        records=moving,
        changes=lambda p: {"status": [p.status, status]},
        reason=kept_reason,
    )
    return len(moving)


@transaction.atomic
def prospects_delete(*, org: Organization, user: User, prospect_ids: Iterable[RecordId]) -> int:
    """Move the selected prospects to the trash, each with its contacts, activities, notes and
    tasks (one trash entry per prospect, restored on its own).

    Converted prospects are the history of their accounts and stay (nothing is deleted)."""
    ids = _ids(prospect_ids)
    prospects = _locked(Prospect.objects.for_org(org), ids)
    _require_owner_or_manager(org, user, prospects, module="prospects")
    if any(p.status == ProspectStatus.CONVERTED for p in prospects):
        raise Conflict(
            _("Converted prospects are kept as the history of their accounts: %(names)s.")
            % {"names": _names([p for p in prospects if p.status == ProspectStatus.CONVERTED])},
            field="ids",
            code="prospect_converted",
        )
    audit_many(org=org, user=user, action=AuditAction.DELETED, records=prospects)
    trash_records(org=org, user=user, records=prospects)
    return len(prospects)


@transaction.atomic
def accounts_delete(*, org: Organization, user: User, account_ids: Iterable[RecordId]) -> int:
    """Move the selected accounts to the trash, each with its contacts, activities, notes and
    tasks (one trash entry per account).

    Refused, for all of them, while one has offers or came from a converted prospect."""
    ids = _ids(account_ids)
    accounts = _locked(Account.objects.for_org(org), ids)
    _require_owner_or_manager(org, user, accounts, module="accounts")
    with_offers = set(
        Offer.objects.for_org(org).filter(account_id__in=ids).values_list("account_id", flat=True)
    )
    if with_offers:
        raise Conflict(
            _("These accounts have offers and cannot be deleted: %(names)s.")
            % {"names": _names([a for a in accounts if a.pk in with_offers])},
            field="ids",
            code="has_offers",
        )
    from_prospects = set(
        Prospect.objects.for_org(org)
        .filter(converted_account_id__in=ids)
        .values_list("converted_account_id", flat=True)
    )
    if from_prospects:
        raise Conflict(
            _("These accounts came from converted prospects and are kept: %(names)s.")
            % {"names": _names([a for a in accounts if a.pk in from_prospects])},
            field="ids",
            code="has_converted_prospects",
        )
    audit_many(org=org, user=user, action=AuditAction.DELETED, records=accounts)
    trash_records(org=org, user=user, records=accounts)
    return len(accounts)
