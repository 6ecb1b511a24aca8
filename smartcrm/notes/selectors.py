"""Reads of notes: what a member's view scope of notes shows."""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import QuerySet

from smartcrm.core.models import Membership
from smartcrm.core.selectors import tenant_get
from smartcrm.notes.models import Note


def note_list(*, member: Membership) -> QuerySet[Note]:
    """The notes the member's view scope shows."""
    return Note.objects.for_member(member, "notes")


def note_get(*, member: Membership, note_id: uuid.UUID | str) -> Note:
    """One note the member's view scope shows, or NotFound (another organisation's, one
    outside the scope and an unknown id alike)."""
    visible = Note.objects.visible_to(member, "notes")
    return tenant_get(visible, org=member.organization, record_id=note_id)


def record_notes(*, member: Membership, parent_kind: str, parent: Any) -> QuerySet[Note]:
    """The notes of a prospect, account or offer the member sees: pinned first, then the
    newest, with their authors."""
    return (
        Note.objects.for_member(member, "notes")
        .filter(**{parent_kind: parent})
        .select_related("created_by")
        .order_by("-pinned", "-created_at", "-id")
    )
