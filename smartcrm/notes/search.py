"""How notes are found by the search box of their lists (not by the global search)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from smartcrm.core.search import SearchDocument
    from smartcrm.notes.models import Note


def note_document(note: Note) -> SearchDocument:
    """A note is found by its text and the name of its record."""
    from smartcrm.core.search import SearchDocument

    parent = note.prospect or note.account or note.offer
    return SearchDocument(
        title=note.body.split("\n", 1)[0],
        subtitle=str(parent or ""),
        terms=[note.body, str(parent or "")],
    )
