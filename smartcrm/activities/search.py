"""How activities are found by the search box of their lists (not by the global search)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from smartcrm.activities.models import Activity
    from smartcrm.core.search import SearchDocument


def activity_document(activity: Activity) -> SearchDocument:
    """An activity is found by its subject, notes, outcome, place and its record's name."""
    parent = activity.prospect or activity.account or activity.offer
    return document_of(activity, str(parent or ""))


def document_of(activity: Any, parent: str) -> SearchDocument:
    """The document of an activity (or of a migration's historical row) on ``parent``."""
    from smartcrm.core.search import SearchDocument

    return SearchDocument(
        title=activity.subject,
        subtitle=parent,
        terms=[activity.description, activity.outcome, activity.location, parent],
    )
