"""Merging duplicates: one survivor keeps, field by field, the values the user chose, and
everything that hung on the others; the others are deleted. One transaction, rows locked."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from smartcrm.contacts.models import Contact, OfferContact
from smartcrm.core import writes
from smartcrm.core.audit import AuditAction, audit, audit_many
from smartcrm.core.errors import Conflict, FieldIssue, NotFound, ValidationFailed
from smartcrm.core.ids import RecordId
from smartcrm.core.models import Membership, Organization, User
from smartcrm.core.permissions import membership_of, require_record_right, require_visible
from smartcrm.core.registry import move_children
from smartcrm.core.scopes import Scope, scope_for
from smartcrm.core.search import search_index, search_unindex
from smartcrm.dedupe.selectors import DedupeKind, dedupe_kind
from smartcrm.sales.choices import EventKind, ProspectStatus
from smartcrm.sales.models import Account, Offer, Prospect, RecordEvent
from smartcrm.sales.parents import parent_owner_id

MAX_MERGED = 20


def merge_fields(kind: str) -> tuple[str, ...]:
    """The fields whose value the user picks among the merged records."""
    from smartcrm.contacts.services import CONTACT_FIELDS
    from smartcrm.sales.services.accounts import ACCOUNT_FIELDS
    from smartcrm.sales.services.prospects import PROSPECT_FIELDS

    return {"prospect": PROSPECT_FIELDS, "account": ACCOUNT_FIELDS, "contact": CONTACT_FIELDS}[
        dedupe_kind(kind).key
    ]


@dataclass
class Merge:
    """What a merge did: the survivor as saved, who was merged in, what moved, what was kept."""

    survivor: Any
    merged: list[dict[str, str]]
    moved: dict[str, int] = field(default_factory=dict)
    kept: dict[str, str] = field(default_factory=dict)


def _ids(survivor_id: RecordId, merged_ids: Iterable[RecordId]) -> tuple[str, list[str]]:
    survivor = str(survivor_id)
    merged = [str(pk) for pk in merged_ids]
    if not merged:
        raise ValidationFailed(
            _("Choose at least one record to merge into the surviving one."),
            field="merged_ids",
            code="required",
        )
    if len(merged) > MAX_MERGED:
        raise ValidationFailed(
            _("Merge at most %(count)s records at a time.") % {"count": MAX_MERGED},
            field="merged_ids",
            code="too_many",
        )
    if survivor in merged or len(set(merged)) != len(merged):
        raise ValidationFailed(
            _("Each record appears once, and the surviving one is not among those merged in."),
            field="merged_ids",
            code="repeated",
        )
    return survivor, merged


def _locked_rows(model: type[Any], org: Organization, ids: list[str]) -> dict[str, Any]:
    """Every row, locked in id order (two merges over the same rows cannot deadlock)."""
    label = str(model._meta.verbose_name).capitalize()
    not_found = NotFound(_("%(label)s not found.") % {"label": label}, code="not_found")
    try:
        ids = [str(uuid.UUID(pk)) for pk in ids]
        rows = list(
            model._default_manager.filter(organization=org, pk__in=ids)
            .select_for_update()
            .order_by("pk")
        )
    except (ValueError, TypeError, ValidationError):
        raise not_found from None
    if len(rows) != len(ids):
        raise not_found
    return {str(row.pk): row for row in rows}


def _chosen_values(
    kind: str, rows: Mapping[str, Any], survivor: Any, keep: Mapping[str, RecordId]
) -> tuple[dict[str, Any], dict[str, str]]:
    allowed = merge_fields(kind)
    issues = []
    changes: dict[str, Any] = {}
    kept: dict[str, str] = {}
    for name, source_id in keep.items():
        source = rows.get(str(source_id))
        if name not in allowed:
            issues.append(FieldIssue(f"keep.{name}", _("This field is not merged."), "read_only"))
        elif source is None:
            issues.append(
                FieldIssue(
                    f"keep.{name}",
                    _("Take the value from one of the records being merged."),
                    "not_merged_record",
                )
            )
        else:
            kept[name] = str(source.pk)
            attname = survivor._meta.get_field(name.removesuffix("_id")).attname
            if getattr(source, attname) != getattr(survivor, attname):
                changes[name] = getattr(source, attname)
    if issues:
        raise ValidationFailed.from_issues(issues)
    return changes, kept


def _move_contact_links(
    org: Organization, survivor: Contact, merged: list[Contact]
) -> dict[str, int]:
    """Offer contacts and activity participations of the merged contacts go to the survivor;
    where the survivor is already on that offer or activity, the duplicate link goes."""
    moved = {"offer_contacts": 0, "participations": 0}
    links = OfferContact.objects.filter(organization=org)
    taken = set(links.filter(contact=survivor).values_list("offer_id", flat=True))
    keep: list[Any] = []
    drop: list[Any] = []
    for link_id, offer_id in links.filter(contact__in=merged).values_list("pk", "offer_id"):
        (drop if offer_id in taken else keep).append(link_id)
        taken.add(offer_id)
    links.filter(pk__in=drop).delete()
    moved["offer_contacts"] = links.filter(pk__in=keep).update(
        contact=survivor, version=F("version") + 1
    )
    through = Contact.activities.through
    rows = through.objects.filter(contact_id__in=[c.pk for c in merged])
    taken = set(through.objects.filter(contact=survivor).values_list("activity_id", flat=True))
    keep, drop = [], []
    for row_id, activity_id in rows.values_list("pk", "activity_id"):
        (drop if activity_id in taken else keep).append(row_id)
        taken.add(activity_id)
    through.objects.filter(pk__in=drop).delete()
    moved["participations"] = through.objects.filter(pk__in=keep).update(contact=survivor)
    return moved


def _move_record_children(
    org: Organization, kind: str, survivor: Prospect | Account, merged: list[Any]
) -> dict[str, int]:
    moved: dict[str, int] = {}
    for record in merged:
        for key, count in move_children(
            org=org, source_field=kind, source=record, target_field=kind, target=survivor
        ).items():
            moved[key] = moved.get(key, 0) + count
    events = RecordEvent.objects.filter(organization=org, **{f"{kind}__in": merged})
    moved["events"] = events.update(**{kind: survivor})
    if kind == "account":
        moved["offers"] = (
            Offer.objects.for_org(org)
            .filter(account__in=merged)
            .update(account=survivor, version=F("version") + 1)
        )
        Prospect.objects.for_org(org).filter(converted_account__in=merged).update(
            converted_account=survivor, version=F("version") + 1
        )
    else:
        Account.objects.for_org(org).filter(source_prospect__in=merged).update(
            source_prospect=survivor, version=F("version") + 1
        )
    return moved


def _holders(kind: str, org: Organization, survivor: Any) -> Callable[[Any], tuple[Any, ...]]:
    """Who holds each record being merged: its owner; a contact, its record's owner (the
    contacts merged share one record: asked once, and only when a scope needs it)."""
    if kind != "contact":
        return lambda row: (row.owner_id,)
    parent_owner: list[Any] = []

    def holders(row: Any) -> tuple[Any, ...]:
        if not parent_owner:
            parent_owner.append(parent_owner_id(org, survivor))
        return (parent_owner[0],)

    return holders


def _require_visible(
    spec: DedupeKind, membership: Membership, rows: Mapping[str, Any], holders: Any
) -> None:
    """Every record merged is in the member's view scope: another one is not found, as
    another organisation's."""
    if scope_for(membership, spec.grant, "view") == Scope.ALL:
        return
    label = spec.model._meta.verbose_name
    for row in rows.values():
        require_visible(membership, spec.grant, holders(row), label=label)


def _require_rights(
    spec: DedupeKind, membership: Membership, survivor: Any, merged: list[Any], holders: Any
) -> None:
    """Merging changes every record and deletes the merged ones: the member's edit grant
    must reach them all, their delete grant the merged ones."""
    label = spec.model._meta.verbose_name
    for row, actions in ((survivor, ("edit",)), *((row, ("edit", "delete")) for row in merged)):
        for action in actions:
            require_record_right(
                membership,
                module=spec.grant,
                action=action,
                holders=partial(holders, row),
                label=label,
            )


def _check_mergeable(kind: str, survivor: Any, merged: list[Any]) -> None:
    if kind == "prospect" and any(
        row.status == ProspectStatus.CONVERTED for row in (survivor, *merged)
    ):
        raise Conflict(
            _("A converted prospect is kept as the history of its account; merge accounts."),
            field="merged_ids",
            code="prospect_converted",
        )
    if kind == "contact":
        parent = (survivor.prospect_id, survivor.account_id)
        if any((row.prospect_id, row.account_id) != parent for row in merged):
            raise ValidationFailed(
                _("Only contacts of the same prospect or account can be merged."),
                field="merged_ids",
                code="different_parent",
            )


def _update_survivor(
    kind: str, org: Organization, user: User, survivor: Any, changes: dict[str, Any]
) -> Any:
    """The chosen values go through the kind's own update service (its validation, keys,
    search and history), in this transaction."""
    from smartcrm.contacts.services import contact_update
    from smartcrm.sales.services import account_update, prospect_update

    if kind == "prospect":
        return prospect_update(org=org, user=user, prospect_id=survivor.pk, **changes)
    if kind == "account":
        return account_update(org=org, user=user, account_id=survivor.pk, **changes)
    return contact_update(org=org, user=user, contact_id=survivor.pk, **changes)


@transaction.atomic
def records_merge(
    *,
    org: Organization,
    user: User,
    kind: str,
    survivor_id: RecordId,
    merged_ids: Iterable[RecordId],
    keep: Mapping[str, RecordId] | None = None,
    version: int | None = None,
    versions: Mapping[str, int] | None = None,
) -> Merge:
    """Merge ``merged_ids`` into ``survivor_id`` (prospects, accounts or contacts of one
    prospect/account): ``keep`` names, per field, the record whose value survives (the
    survivor's value otherwise); every contact, activity, note, task, offer, offer contact
    and event moves to the survivor; the merged records are deleted; the merge is written on
    the survivor's timeline (a contact's: its prospect's or account's). ``version`` is the
    survivor's (If-Match); ``versions``, by id, those of any of the records (the page the
    user chose the values on)."""
    spec = dedupe_kind(kind)
    kind = spec.key
    membership = membership_of(org, user)
    survivor_key, merged_keys = _ids(survivor_id, merged_ids)
    rows = _locked_rows(spec.model, org, [survivor_key, *merged_keys])
    survivor = rows[survivor_key]
    merged = [rows[key] for key in merged_keys]
    holders = _holders(kind, org, survivor)
    _require_visible(spec, membership, rows, holders)
    writes.check_version(survivor, version)
    for key, row in rows.items():
        writes.check_version(row, (versions or {}).get(str(key)))
    _check_mergeable(kind, survivor, merged)
    _require_rights(spec, membership, survivor, merged, holders)
    changes, kept = _chosen_values(kind, rows, survivor, keep or {})
    summary = [{"id": str(row.pk), "name": str(row)} for row in merged]

    if kind == "contact":
        moved = _move_contact_links(org, survivor, merged)
    else:
        moved = _move_record_children(org, kind, survivor, merged)
    # A merged primary contact gives the flag up first: one primary per record.
    for row in merged:
        search_unindex(row)
    audit_many(
        org=org,
        user=user,
        action=AuditAction.MERGED,
        records=merged,
        into_id=survivor.pk,
        into=str(survivor),
    )
    spec.model._default_manager.filter(pk__in=[row.pk for row in merged]).delete()

    if changes:
        survivor = _update_survivor(kind, org, user, survivor, changes)
    else:
        writes.save(survivor)  # a new version: what hangs on it changed
    search_index(survivor)
    data: dict[str, Any] = {"merged": summary, "kept": kept, "moved": moved}
    audit(
        org=org,
        user=user,
        action=AuditAction.MERGED,
        record=survivor,
        **data,
    )
    if kind == "contact":
        parent: dict[str, Any] = {"prospect": survivor.prospect, "account": survivor.account}
        from smartcrm.sales.services import record_event

        record_event(
            org=org,
            user=user,
            kind=EventKind.CONTACTS_MERGED,
            contact_id=str(survivor.pk),
            contact_name=survivor.full_name,
            **data,
            **{name: value for name, value in parent.items() if value is not None},
        )
    else:
        from smartcrm.sales.services import record_event

        record_event(org=org, user=user, kind=EventKind.MERGED, **{kind: survivor}, **data)
    return Merge(survivor=survivor, merged=summary, moved=moved, kept=kept)
