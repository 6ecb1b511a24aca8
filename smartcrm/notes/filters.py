"""The notes list's filters and orderings."""

from __future__ import annotations

import uuid

from django.db.models import F
from pydantic import Field

from smartcrm.api.pagination import Sort
from smartcrm.api.schemas import SEARCH_Q_DESCRIPTION, SearchableFilters
from smartcrm.notes.models import Note


class NoteFilters(SearchableFilters):
    search_kind = "note"

    prospect_id: uuid.UUID | None = None
    account_id: uuid.UUID | None = None
    offer_id: uuid.UUID | None = None
    pinned: bool | None = None
    q: str | None = Field(None, description=SEARCH_Q_DESCRIPTION + " The note's text, record.")


NOTE_ORDERINGS = {
    "created_at": Sort(F("created_at"), Note._meta.get_field("created_at")),
}
