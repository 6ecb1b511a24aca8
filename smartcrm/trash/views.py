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
from smartcrm.trash.kinds import trashable_kinds
from smartcrm.trash.selectors import purge_on, trash_list
from smartcrm.web.decorators import member_view
from smartcrm.web.records_urls import record_url

# The newest entries shown; older ones are still restored through the API (GET /trash).
SHOWN = 200


def _kind_labels() -> dict[str, Any]:
    return {kind.key: kind.model._meta.verbose_name for kind in trashable_kinds()}


@member_view
@require_GET
def trash_page(request: HttpRequest, membership: Membership) -> HttpResponse:
    labels = _kind_labels()
    entries = list(trash_list(membership=membership)[: SHOWN + 1])
    for entry in entries:
        entry.kind_label = labels.get(entry.kind, entry.kind)  # type: ignore[attr-defined]  # shown by the template
        entry.purge_at = purge_on(entry)  # type: ignore[attr-defined]  # shown by the template
        entry.carried = [  # type: ignore[attr-defined]  # shown by the template
            (labels.get(key, key), count) for key, count in (entry.children or {}).items()
        ]
    context = {
        "entries": entries[:SHOWN],
        "more": len(entries) > SHOWN,
        "section": "trash",
    }
    return render(request, "trash/trash.html", context)


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
