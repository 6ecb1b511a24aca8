"""Reads of the sales module: lists start from the organisation's rows, joins are explicit."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, QuerySet, Sum

from smartcrm.core.ids import RecordId
from smartcrm.core.models import Organization
from smartcrm.sales.choices import OPEN_OFFER_STATUSES, OfferStatus, ProspectStatus
from smartcrm.sales.models import Account, Offer, OfferLine, Prospect


def prospect_list(
    *, org: Organization, status: str | None = None, owner_id: uuid.UUID | None = None
) -> QuerySet[Prospect]:
    prospects = Prospect.objects.for_org(org).select_related("owner")
    if status:
        prospects = prospects.filter(status=status)
    if owner_id:
        prospects = prospects.filter(owner_id=owner_id)
    return prospects.order_by("-created_at", "-id")


def account_list(*, org: Organization) -> QuerySet[Account]:
    return Account.objects.for_org(org).select_related("owner").order_by("name", "id")


def offer_list(
    *, org: Organization, status: str | None = None, account_id: RecordId | None = None
) -> QuerySet[Offer]:
    offers = Offer.objects.for_org(org).select_related("account", "owner")
    if status:
        offers = offers.filter(status=status)
    if account_id:
        offers = offers.filter(account_id=account_id)
    return offers.order_by("-issue_date", "-number")


def prospect_counts_by_status(*, org: Organization) -> dict[str, int]:
    counts = dict(
        Prospect.objects.for_org(org).values_list("status").annotate(n=Count("id")).order_by()
    )
    return {status: counts.get(status, 0) for status in ProspectStatus.values}


@dataclass(frozen=True)
class PipelineRow:
    status: str
    currency: str
    count: int
    total_net: Decimal


def pipeline(*, org: Organization) -> list[PipelineRow]:
    """Open offers by status and currency: count and value without VAT (one query)."""
    rows = (
        Offer.objects.for_org(org)
        .filter(status__in=OPEN_OFFER_STATUSES)
        .values("status", "currency")
        .annotate(count=Count("id"), total=Sum("total_net"))
        .order_by("status", "currency")
    )
    order = {status: index for index, status in enumerate(OfferStatus.values)}
    result = [
        PipelineRow(row["status"], row["currency"], row["count"], row["total"] or Decimal("0.00"))
        for row in rows
    ]
    return sorted(result, key=lambda row: (order[row.status], row.currency))


@dataclass(frozen=True)
class VatBreakdownRow:
    vat_rate: Decimal
    net: Decimal
    vat: Decimal
    gross: Decimal


def offer_vat_breakdown(*, offer: Offer) -> list[VatBreakdownRow]:
    """Totals per VAT rate (for the PDF), summed in Python from the stored rounded lines."""
    by_rate: dict[Decimal, list[Decimal]] = {}
    for line in OfferLine.objects.filter(offer=offer).only(
        "vat_rate", "net_amount", "vat_amount", "gross_amount"
    ):
        sums = by_rate.setdefault(line.vat_rate, [Decimal("0.00")] * 3)
        sums[0] += line.net_amount
        sums[1] += line.vat_amount
        sums[2] += line.gross_amount
    return [VatBreakdownRow(rate, *sums) for rate, sums in sorted(by_rate.items(), reverse=True)]
