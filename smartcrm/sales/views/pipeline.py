"""The pipeline: a kanban of offers by status; dropping a card changes its status.

Open offers all show; closed ones (won, lost) only if they closed recently, so the board
stays a working view. Each column shows its first cards and a "Load more" button for the
next ones (keyset pages on an index); its header counts and sums every offer it holds. One
query per column and one for the totals, whatever the number of offers. A member sees the
cards, and the totals, of the offers in their view scope only."""

from __future__ import annotations

import uuid
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from smartcrm.core.errors import DomainError, StaleVersion
from smartcrm.core.models import Membership
from smartcrm.sales import selectors, services
from smartcrm.sales.choices import CLOSED_OFFER_STATUSES, OfferStatus
from smartcrm.sales.models import Offer
from smartcrm.sales.services.offers import org_today
from smartcrm.web.decorators import is_htmx, member_view, record_or_404

# Cards per column at first; "Load more" brings the next ones.
CARDS_PER_COLUMN = 20
ERROR_STATUS = {"invalid": 422, "conflict": 409, "stale": 409, "not_found": 404, "forbidden": 403}


def _columns(membership: Membership) -> list[dict[str, Any]]:
    org = membership.organization
    today = org_today(org)
    totals = selectors.pipeline_board_totals(org=org, today=today, member=membership)
    columns = []
    for status, label in OfferStatus.choices:
        column = selectors.pipeline_column(
            org=org, status=status, today=today, limit=CARDS_PER_COLUMN, member=membership
        )
        columns.append(
            {
                "status": status,
                "label": label,
                "closing": status in CLOSED_OFFER_STATUSES,
                "cards": column.cards,
                "more": column.more,
                "totals": totals.get(status, []),
                "count": sum(count for _currency, _total, count in totals.get(status, [])),
            }
        )
    return columns


def _more_cards(request: HttpRequest, membership: Membership) -> HttpResponse:
    """The next cards of one column (its "Load more" button), and the button that follows."""
    status = request.GET.get("status", "")
    after = selectors.PipelineCursor.decode(request.GET.get("after", ""))
    if status not in OfferStatus.values or after is None:
        return HttpResponseBadRequest(
            _("This cursor is not valid; start again from the first page.")
        )
    org = membership.organization
    column = selectors.pipeline_column(
        org=org,
        status=status,
        today=org_today(org),
        limit=CARDS_PER_COLUMN,
        after=after,
        member=membership,
    )
    return render(request, "sales/pipeline/partials/more_cards.html", {"column": column})


@member_view
@require_GET
def pipeline_board(request: HttpRequest, membership: Membership) -> HttpResponse:
    if is_htmx(request) and request.GET.get("part") == "cards":
        return _more_cards(request, membership)
    context = {
        "columns": _columns(membership),
        "closed_days": selectors.PIPELINE_CLOSED_DAYS,
    }
    if is_htmx(request) and request.GET.get("part") == "board":
        return render(request, "sales/pipeline/partials/board.html", context)
    return render(request, "sales/pipeline/board.html", context)


@member_view
@require_POST
def pipeline_move(
    request: HttpRequest, membership: Membership, offer_id: uuid.UUID
) -> JsonResponse:
    """A card dropped on another column. Won and lost need a date (and a reason): the board
    asks for them in the status dialog instead of calling this."""
    offer = record_or_404(Offer, membership, offer_id, module="offers")
    try:
        version = int(request.POST["version"]) if request.POST.get("version") else None
    except ValueError:
        version = None
    try:
        offer = services.offer_change_status(
            org=membership.organization,
            user=membership.user,
            offer_id=offer.pk,
            status=request.POST.get("status", ""),
            version=version,
        )
    except DomainError as error:
        message = (
            _("Someone else changed this offer meanwhile. Reload the page to see their changes.")
            if isinstance(error, StaleVersion)
            else "; ".join(issue.message for issue in error.issues)
        )
        return JsonResponse(
            {"ok": False, "message": message, "field": error.field},
            status=ERROR_STATUS.get(error.kind, 409),
        )
    return JsonResponse({"ok": True, "status": offer.status, "version": offer.version})
