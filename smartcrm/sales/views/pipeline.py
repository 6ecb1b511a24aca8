"""The pipeline: a kanban of offers by status; dropping a card changes its status.

Open offers all show; closed ones (won, lost) only if they closed recently, so the board
stays a working view. Two queries whatever the number of offers: the cards and the
column totals per currency."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from smartcrm.core.errors import DomainError, StaleVersion
from smartcrm.core.models import Membership, Organization
from smartcrm.sales import services
from smartcrm.sales.choices import OPEN_OFFER_STATUSES, OfferStatus
from smartcrm.sales.models import Offer
from smartcrm.sales.services.offers import org_today
from smartcrm.web.decorators import is_htmx, member_view, record_or_404

CLOSED_SHOWN_DAYS = 90
CARDS_PER_BOARD = 600
ERROR_STATUS = {"invalid": 422, "conflict": 409, "stale": 409, "not_found": 404, "forbidden": 403}


def _board_offers(org: Organization) -> QuerySet[Offer]:
    since = org_today(org) - dt.timedelta(days=CLOSED_SHOWN_DAYS)
    return Offer.objects.for_org(org).filter(
        Q(status__in=OPEN_OFFER_STATUSES) | Q(closed_date__gte=since)
    )


def _columns(org: Organization) -> list[dict[str, Any]]:
    offers = _board_offers(org)
    cards = list(
        offers.select_related("account", "owner").order_by(
            "expected_close_date", "-issue_date", "number"
        )[:CARDS_PER_BOARD]
    )
    totals: dict[str, list[tuple[str, Decimal, int]]] = defaultdict(list)
    for row in (
        offers.values("status", "currency")
        .annotate(total=Sum("total_net"), count=Count("id"))
        .order_by("status", "currency")
    ):
        totals[row["status"]].append(
            (row["currency"], row["total"] or Decimal("0.00"), row["count"])
        )
    by_status: dict[str, list[Offer]] = defaultdict(list)
    for offer in cards:
        by_status[offer.status].append(offer)
    return [
        {
            "status": status,
            "label": label,
            "closing": status in (OfferStatus.WON, OfferStatus.LOST),
            "cards": by_status[status],
            "totals": totals[status],
            "count": sum(count for _currency, _total, count in totals[status]),
        }
        for status, label in OfferStatus.choices
    ]


@member_view
@require_GET
def pipeline_board(request: HttpRequest, membership: Membership) -> HttpResponse:
    context = {"columns": _columns(membership.organization), "closed_days": CLOSED_SHOWN_DAYS}
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
    offer = record_or_404(Offer, membership, offer_id)
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
