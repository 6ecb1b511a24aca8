"""The page of a record of any kind, for search hits, notifications and the timeline."""

from __future__ import annotations

import uuid

from django.urls import NoReverseMatch, reverse

# Search kind → URL name of its page (taking the id). A kind without a page of its own
# (a contact, say) maps to a page that shows it.
RECORD_PAGES = {
    "prospect": "sales:prospect",
    "account": "sales:account",
    "offer": "sales:offer",
    "contact": "contacts:contact",
    "product": "catalog:product",
    "activity": "activities:activity",
    "task": "tasks:task",
    "note": "notes:note",
}


def record_url(kind: str, record_id: uuid.UUID | str) -> str:
    """The record's page, or "" when its kind has none (yet)."""
    name = RECORD_PAGES.get(kind)
    if name is None:
        return ""
    try:
        return reverse(name, args=[record_id])
    except NoReverseMatch:
        return ""
