"""How activities are found by the search box of their lists (not by the global search)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from smartcrm.activities.models import Activity
    from smartcrm.core.search import SearchDocument


def activity_document(activity: Activity) -> SearchDocument:
    """An activity is found by its subject, notes, outcome, place and its record's name."""
    from smartcrm.core.search import SearchDocument

    parent = activity.prospect or activity.account or activity.offer
    return SearchDocument(
        title=activity.subject,
        subtitle=str(parent or ""),
        terms=[activity.description, activity.outcome, activity.location, str(parent or "")],
    )
