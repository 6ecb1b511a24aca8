"""Reads of the web UI's own data."""

from __future__ import annotations

from django.db.models import Q

from smartcrm.core.models import Organization, User
from smartcrm.web.models import SavedFilter


def saved_filters_for(*, org: Organization, user: User, list_key: str) -> list[SavedFilter]:
    """The user's saved filters of a list, and those others shared with the organisation."""
    return list(
        SavedFilter.objects.for_org(org)
        .filter(Q(user=user) | Q(shared=True), list_key=list_key)
        .order_by("name", "id")
    )
