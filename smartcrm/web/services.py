"""Writes of the web UI's own data: saved filters."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from django.db import transaction
from django.utils.translation import gettext as _

from smartcrm.core import writes
from smartcrm.core.errors import Forbidden, ValidationFailed
from smartcrm.core.ids import RecordId
from smartcrm.core.models import Organization, User
from smartcrm.web.models import SavedFilter

# Parameters that are a position in the list, not part of the search.
NOT_SAVED = {"cursor", "saved", "csrfmiddlewaretoken"}


@transaction.atomic
def saved_filter_save(
    *, org: Organization, user: User, list_key: str, name: str, query: str, shared: bool = False
) -> SavedFilter:
    """Save (or overwrite, by name) one of the user's searches of a list."""
    name = " ".join((name or "").split())
    if not name:
        raise ValidationFailed(_("Give the filter a name."), field="name", code="required")
    kept = [(key, value) for key, value in parse_qsl(query or "") if key not in NOT_SAVED]
    existing = (
        SavedFilter.objects.for_org(org)
        .select_for_update()
        .filter(user=user, list_key=list_key, name=name)
        .first()
    )
    saved = existing or SavedFilter(organization=org, user=user, list_key=list_key, name=name)
    saved.query = urlencode(kept)
    saved.shared = shared
    if existing is None:
        saved.created_by = user
    writes.validate(saved)
    return writes.save(saved)


@transaction.atomic
def saved_filter_delete(*, org: Organization, user: User, saved_filter_id: RecordId) -> None:
    """Delete one of the user's own saved filters (a shared one only by its author)."""
    saved = writes.lock(SavedFilter.objects.for_org(org), saved_filter_id, label=_("Saved filter"))
    if saved.user_id != user.pk:
        raise Forbidden(_("Only its author can delete a saved filter."), code="not_author")
    saved.delete()
