"""Notes on prospects, accounts and offers."""

from __future__ import annotations

from functools import partial

from django.db import transaction
from django.utils.translation import gettext as _

from smartcrm.core import writes
from smartcrm.core.audit import audit_created, audit_deleted, audit_updated
from smartcrm.core.ids import RecordId
from smartcrm.core.models import Organization, User
from smartcrm.core.modules import Module, require_module
from smartcrm.core.permissions import membership_of, require_grant, require_right_on
from smartcrm.core.search import search_index
from smartcrm.notes.models import Note
from smartcrm.sales.parents import resolve_parent
from smartcrm.trash.services import trash_record

PARENTS = ("prospect", "account", "offer")


@transaction.atomic
def note_create(
    *,
    org: Organization,
    user: User,
    body: str,
    pinned: bool = False,
    prospect_id: RecordId | None = None,
    account_id: RecordId | None = None,
    offer_id: RecordId | None = None,
) -> Note:
    """Write a note on one record."""
    require_module(org, Module.NOTES)
    membership = require_grant(org, user, module="notes", action="create")
    parent = resolve_parent(
        org=org,
        membership=membership,
        allowed=PARENTS,
        prospect_id=prospect_id,
        account_id=account_id,
        offer_id=offer_id,
    )
    note = Note(organization=org, created_by=user, body=body, pinned=pinned, **parent)
    writes.validate(note, exclude=list(PARENTS))
    writes.save(note)
    search_index(note)
    audit_created(org=org, user=user, record=note)
    _mentions_after_commit(org, user, note)
    return note


def _mentions_after_commit(org: Organization, user: User, note: Note, before: str = "") -> None:
    """Members @mentioned in the note (newly, on an edit) are notified once it is saved
    (a note without an @ mentions nobody: nothing to read again)."""
    if "@" not in note.body:
        return
    from smartcrm.notifications.services import notify_mentions

    transaction.on_commit(
        partial(notify_mentions, org_id=org.pk, author_id=user.pk, note_id=note.pk, before=before),
        robust=True,  # the note is saved whatever happens to the notifications
    )


def _locked(org: Organization, note_id: RecordId, version: int | None) -> Note:
    require_module(org, Module.NOTES)
    return writes.lock(Note.objects.for_org(org), note_id, version=version, label=_("Note"))


@transaction.atomic
def note_update(
    *,
    org: Organization,
    user: User,
    note_id: RecordId,
    version: int | None = None,
    body: str | None = None,
    pinned: bool | None = None,
) -> Note:
    """Edit a note (its author, or a manager)."""
    membership = membership_of(org, user)
    note = _locked(org, note_id, version)
    require_right_on(membership, note, module="notes", action="edit", label=_("note"))
    changes = {k: v for k, v in {"body": body, "pinned": pinned}.items() if v is not None}
    before = note.body
    changed = writes.apply_changes(note, changes, allowed=("body", "pinned"))
    if changed:
        writes.validate(note, exclude=list(PARENTS))
        writes.save(note)
        audit_updated(org=org, user=user, record=note, changed=changed)
        if "body" in changed:
            search_index(note)
            _mentions_after_commit(org, user, note, before=before)
    return note


@transaction.atomic
def note_delete(
    *, org: Organization, user: User, note_id: RecordId, version: int | None = None
) -> None:
    """Move a note to the trash (its author, or a manager)."""
    membership = membership_of(org, user)
    note = _locked(org, note_id, version)
    require_right_on(membership, note, module="notes", action="delete", label=_("note"))
    audit_deleted(org=org, user=user, record=note)
    trash_record(org=org, user=user, record=note)
