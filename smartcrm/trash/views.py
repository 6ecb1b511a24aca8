"""Settings → Trash: deleted records that can still be restored, with who deleted them,
when, and when they are purged; a Restore button on each.

Admins and owners see the organisation's whole trash; any other member, the records they
owned or deleted (what they may restore)."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from smartcrm.core.errors import DomainError, NotFound
from smartcrm.core.models import Membership
from smartcrm.trash import services
from smartcrm.trash.filters import TRASH_ORDERINGS, TrashFilters
from smartcrm.trash.kinds import trashable_kinds
from smartcrm.trash.selectors import purge_on, trash_list
from smartcrm.web.decorators import member_view
from smartcrm.web.lists import list_page
from smartcrm.web.records_urls import record_url


def _kind_labels() -> dict[str, Any]:
    return {kind.key: kind.model._meta.verbose_name for kind in trashable_kinds()}


@member_view
@require_GET
def trash_page(request: HttpRequest, membership: Membership) -> HttpResponse:
    """Newest first, 50 at a time ("Load more" brings the next), filterable by kind."""
    labels = _kind_labels()
    page = list_page(
        request,
        trash_list(membership=membership),
        filters=TrashFilters,
        orderings=TRASH_ORDERINGS,
        default="-deleted_at",
        key="trash",
    )
    for entry in page.rows:
        entry.kind_label = labels.get(entry.kind, entry.kind)
        entry.purge_at = purge_on(entry)
        entry.carried = [
            (labels.get(key, key), count) for key, count in (entry.children or {}).items()
        ]
    context = {"page": page, "entries": page.rows, "kinds": labels.items(), "section": "trash"}
    template = "trash/partials/rows.html" if page.is_continuation else "trash/trash.html"
    return render(request, template, context)


@member_view
@require_POST
def restore(
    request: HttpRequest, membership: Membership, kind: str, record_id: uuid.UUID
) -> HttpResponse:
    try:
        record, _restored = services.trash_restore(
            org=membership.organization, user=membership.user, kind=kind, record_id=record_id
        )
    except NotFound as error:  # not in this organisation's trash: as for any missing page
        raise Http404(error.message) from None
    except DomainError as error:
        messages.error(request, error.message)
    else:
        url = record_url(kind, record.pk)
        text = _("%(name)s was restored.") % {"name": record}
        messages.success(request, format_html('<a href="{}">{}</a>', url, text) if url else text)
    return redirect("trash:list")
