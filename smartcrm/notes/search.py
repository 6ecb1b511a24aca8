"""How notes are found by the search box of their lists (not by the global search)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from smartcrm.core.search import SearchDocument
    from smartcrm.notes.models import Note


def note_document(note: Note) -> SearchDocument:
    """A note is found by its text and the name of its record."""
    return document_of(note, str(note.prospect or note.account or note.offer or ""))


def document_of(note: Any, parent: str) -> SearchDocument:
    """The document of a note (or of a migration's historical row) on record ``parent``."""
    from smartcrm.core.search import SearchDocument

    return SearchDocument(
        title=note.body.split("\n", 1)[0], subtitle=parent, terms=[note.body, parent]
    )
