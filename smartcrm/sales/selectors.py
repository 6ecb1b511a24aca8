"""Reads of the sales module: lists start from the organisation's rows, joins are explicit."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from smartcrm.core.ids import RecordId
from smartcrm.core.models import Organization
from smartcrm.core.modules import module_enabled
from smartcrm.core.registry import child_kinds
from smartcrm.core.search import search_filter
from smartcrm.sales.choices import OPEN_OFFER_STATUSES, EventKind, OfferStatus, ProspectStatus
from smartcrm.sales.models import Account, Offer, OfferLine, Prospect, RecordEvent


def prospect_list(
    *, org: Organization, status: str | None = None, owner_id: uuid.UUID | None = None
) -> QuerySet[Prospect]:
    prospects = Prospect.objects.for_org(org).select_related("owner")
    if status:
        prospects = prospects.filter(status=status)
    if owner_id:
        prospects = prospects.filter(owner_id=owner_id)
    return prospects.order_by("-created_at", "-id")


def account_list(*, org: Organization, q: str = "") -> QuerySet[Account]:
    """The organisation's accounts by name; ``q`` searches them like the global search."""
    accounts = Account.objects.for_org(org).filter(search_filter("account", q, org=org))
    return accounts.select_related("owner").order_by("name", "id")


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


@dataclass(frozen=True)
class TimelineEntry:
    kind: str
    id: uuid.UUID
    created_at: dt.datetime
    title: str
    body: str
    status: str
    at: dt.datetime | None
    user_id: uuid.UUID | None
    data: dict[str, Any]


TIMELINE_TITLE_LENGTH = 120


def record_timeline(
    *,
    org: Organization,
    record: Prospect | Account | Offer,
    limit: int,
    before: tuple[dt.datetime, uuid.UUID] | None = None,
) -> tuple[list[TimelineEntry], bool]:
    """What happened on a record, newest first: its events and every registered child kind
    with a timeline (activities, notes, tasks). One query per kind, whatever the page size.
    Returns the entries and whether more follow."""
    field = {Prospect: "prospect", Account: "account", Offer: "offer"}[type(record)]
    window = Q()
    if before is not None:
        window = Q(created_at__lt=before[0]) | Q(created_at=before[0], id__lt=before[1])
    entries: list[TimelineEntry] = []
    for kind in child_kinds(field):
        spec = kind.timeline
        if spec is None or not module_enabled(org, kind.module):
            continue
        rows = kind.model._default_manager.filter(
            window, organization=org, **{field: record}
        ).order_by("-created_at", "-id")[: limit + 1]
        for row in rows:
            entries.append(
                TimelineEntry(
                    kind=spec.kind,
                    id=row.pk,
                    created_at=getattr(row, "created_at"),  # noqa: B009 - every TenantModel has it
                    title=str(getattr(row, spec.title_field))[:TIMELINE_TITLE_LENGTH],
                    body=str(getattr(row, spec.body_field)) if spec.body_field else "",
                    status=str(getattr(row, spec.status_field)) if spec.status_field else "",
                    at=getattr(row, spec.when_field) if spec.when_field else None,
                    user_id=getattr(row, spec.user_field),
                    data={},
                )
            )
    events = RecordEvent.objects.filter(window, organization=org, **{field: record}).order_by(
        "-created_at", "-id"
    )[: limit + 1]
    for event in events:
        entries.append(
            TimelineEntry(
                kind="event",
                id=event.pk,
                created_at=event.created_at,
                title=str(EventKind(event.kind).label)
                if event.kind in EventKind.values
                else event.kind,
                body="",
                status=event.kind,
                at=None,
                user_id=event.created_by_id,
                data=event.data,
            )
        )
    entries.sort(key=lambda entry: (entry.created_at, entry.id), reverse=True)
    return entries[:limit], len(entries) > limit
