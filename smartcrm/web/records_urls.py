"""The page of a record of any kind, for search hits, notifications and the timeline."""

from __future__ import annotations

import uuid

from django.urls import NoReverseMatch, reverse

from smartcrm.core.mounts import mounts


def record_pages() -> dict[str, str]:
    """Search kind → URL name of its page (taking the id), as each app declares them."""
    return {kind: name for mount in mounts() for kind, name in mount.record_pages.items()}


def record_url(kind: str, record_id: uuid.UUID | str) -> str:
    """The record's page, or "" when its kind has none (yet)."""
    name = record_pages().get(kind)
    if name is None:
        return ""
    try:
        return reverse(name, args=[record_id])
    except NoReverseMatch:
        return ""
