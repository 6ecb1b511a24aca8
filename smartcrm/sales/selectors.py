"""Reads of the sales module: lists start from the organisation's rows, joins are explicit."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum

from smartcrm.core.ids import RecordId
from smartcrm.core.models import Membership, Organization
from smartcrm.core.modules import module_enabled
from smartcrm.core.registry import child_kinds
from smartcrm.core.scopes import Scope, scope_for
from smartcrm.core.search import search_filter
from smartcrm.sales.choices import (
    CLOSED_OFFER_STATUSES,
    OPEN_OFFER_STATUSES,
    EventKind,
    OfferStatus,
    ProspectStatus,
)
from smartcrm.sales.models import (
    Account,
    Offer,
    OfferLine,
    OfferPipelineTotal,
    Prospect,
    RecordEvent,
    close_sort,
)


def _rows(
    model: type[Prospect | Account | Offer],
    org: Organization,
    member: Membership | None,
    module: str,
) -> QuerySet[Any]:
    """The organisation's rows; with ``member``, those their view scope shows."""
    if member is None:
        return model.objects.for_org(org)
    return model.objects.for_member(member, module)


def prospect_list(
    *,
    org: Organization,
    status: str | None = None,
    owner_id: uuid.UUID | None = None,
    member: Membership | None = None,
) -> QuerySet[Prospect]:
    """The prospects, newest first; with ``member``, those their view scope shows."""
    prospects = _rows(Prospect, org, member, "prospects").select_related("owner")
    if status:
        prospects = prospects.filter(status=status)
    if owner_id:
        prospects = prospects.filter(owner_id=owner_id)
    return prospects.order_by("-created_at", "-id")


def account_list(
    *, org: Organization, q: str = "", member: Membership | None = None
) -> QuerySet[Account]:
    """The organisation's accounts by name; ``q`` searches them like the global search;
    with ``member``, those their view scope shows."""
    accounts = _rows(Account, org, member, "accounts").filter(search_filter("account", q, org=org))
    return accounts.select_related("owner").order_by("name", "id")


def offer_list(
    *,
    org: Organization,
    status: str | None = None,
    account_id: RecordId | None = None,
    member: Membership | None = None,
) -> QuerySet[Offer]:
    """The offers, newest first; with ``member``, those their view scope shows."""
    offers = _rows(Offer, org, member, "offers").select_related("account", "owner")
    if status:
        offers = offers.filter(status=status)
    if account_id:
        offers = offers.filter(account_id=account_id)
    return offers.order_by("-issue_date", "-number")


def prospect_counts_by_status(
    *, org: Organization, member: Membership | None = None
) -> dict[str, int]:
    """How many prospects are in each status; with ``member``, of those their view scope
    shows."""
    counts = dict(
        _rows(Prospect, org, member, "prospects")
        .values_list("status")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {status: counts.get(status, 0) for status in ProspectStatus.values}


@dataclass(frozen=True)
class PipelineRow:
    status: str
    currency: str
    count: int
    total_net: Decimal


def _kept_totals(org: Organization, which: Q) -> list[tuple[str, str, int, Decimal]]:
    """(status, currency, count, value without VAT) of the offers of ``org`` that ``which``
    picks among the totals the offers table keeps (OfferPipelineTotal: status, currency,
    closed_date), by status and currency. One query on a few rows, however many offers."""
    rows = (
        OfferPipelineTotal.objects.filter(which, organization=org)
        .values("status", "currency")
        .annotate(cents=Sum("total_net_cents"), offers=Sum("count"))
        .filter(offers__gt=0)
        .order_by("status", "currency")
    )
    return [
        (
            row["status"],
            row["currency"],
            row["offers"],
            (Decimal(row["cents"] or 0) / 100).quantize(Decimal("0.01")),
        )
        for row in rows
    ]


def _offer_totals(
    org: Organization, member: Membership | None, which: Q
) -> list[tuple[str, str, int, Decimal]]:
    """``_kept_totals``, for a member who may not see every offer: the organisation's kept
    totals when their offers view scope is all (or no member is named), else counted over
    the offers they see (a query on the (organisation, owner, ...) indexes): the kept totals
    are the whole organisation's and cannot be split by owner."""
    if member is None or scope_for(member, "offers", "view") == Scope.ALL:
        return _kept_totals(org, which)
    rows = (
        Offer.objects.for_member(member, "offers")
        .filter(which)
        .values("status", "currency")
        .annotate(value=Sum("total_net"), offers=Count("id"))
        .order_by("status", "currency")
    )
    return [
        (
            row["status"],
            row["currency"],
            row["offers"],
            (row["value"] or Decimal(0)).quantize(Decimal("0.01")),
        )
        for row in rows
    ]


def pipeline(*, org: Organization, member: Membership | None = None) -> list[PipelineRow]:
    """Open offers by status and currency: count and value without VAT (one query); with
    ``member``, of the offers their view scope shows."""
    order = {status: index for index, status in enumerate(OfferStatus.values)}
    result = [
        PipelineRow(status, currency, count, total)
        for status, currency, count, total in _offer_totals(
            org, member, Q(status__in=OPEN_OFFER_STATUSES)
        )
    ]
    return sorted(result, key=lambda row: (order[row.status], row.currency))


def offers_won_since(
    *, org: Organization, since: dt.date, member: Membership | None = None
) -> list[tuple[str, int, Decimal]]:
    """(currency, count, value without VAT) of the offers won on or after ``since``; with
    ``member``, of those their view scope shows."""
    won = Q(status=OfferStatus.WON, closed_date__gte=since)
    return [
        (currency, count, total)
        for _status, currency, count, total in _offer_totals(org, member, won)
    ]


# The records a contact, activity, note or task hangs on, and the module of their grants.
PARENT_KINDS: dict[str, tuple[type[Prospect | Account | Offer], str]] = {
    "prospect": (Prospect, "prospects"),
    "account": (Account, "accounts"),
    "offer": (Offer, "offers"),
}


def hidden_parents(*, member: Membership, records: Iterable[Any]) -> set[tuple[str, str]]:
    """(kind, id) of the prospects, accounts and offers ``records`` hang on (their
    ``prospect_id``, ``account_id``, ``offer_id``) that the member's view scope does not
    show: a record of theirs may hang on someone else's. One query per kind of a narrower
    scope than all; none for the built-in roles."""
    wanted: dict[str, set[str]] = {}
    for record in records:
        for kind, (_model, module) in PARENT_KINDS.items():
            parent_id = getattr(record, f"{kind}_id", None)
            if parent_id is not None and scope_for(member, module, "view") != Scope.ALL:
                wanted.setdefault(kind, set()).add(str(parent_id))
    hidden: set[tuple[str, str]] = set()
    for kind, parent_ids in wanted.items():
        model, module = PARENT_KINDS[kind]
        seen = {
            str(pk)
            for pk in model.objects.for_member(member, module)
            .filter(pk__in=sorted(parent_ids))
            .values_list("pk", flat=True)
        }
        hidden.update((kind, parent_id) for parent_id in parent_ids - seen)
    return hidden


def mark_hidden_parents(*, member: Membership, records: Iterable[Any]) -> None:
    """Set ``parent_hidden`` on each of ``records`` (activities, tasks): whether the record
    it hangs on is outside the member's view scope, so that its name and link are not
    shown (one query per parent kind of a narrower scope; none for the built-in roles)."""
    records = list(records)
    hidden = hidden_parents(member=member, records=records)
    for record in records:
        record.parent_hidden = bool(hidden) and hangs_on_hidden(record, hidden)


def hangs_on_hidden(record: Any, hidden: set[tuple[str, str]]) -> bool:
    """Whether ``record`` hangs on one of ``hidden`` (what ``hidden_parents`` found)."""
    return any(
        (kind, str(parent_id)) in hidden
        for kind in PARENT_KINDS
        if (parent_id := getattr(record, f"{kind}_id", None)) is not None
    )


# --- The pipeline board ------------------------------------------------------------------

# Won and lost offers stay on the board this many days after they close.
PIPELINE_CLOSED_DAYS = 90


# What a card shows (sales/pipeline/partials/card.html): a board reads 100 cards at once.
PIPELINE_CARD_FIELDS = (
    "organization_id",
    "version",
    "status",
    "number",
    "title",
    "total_net",
    "currency",
    "closed_date",
    "expected_close_date",
    "account__name",
    "owner__first_name",
    "owner__last_name",
    "owner__email",
)


@dataclass(frozen=True)
class PipelineCursor:
    """Where a column's page stopped: the last card's sort date and id."""

    sort_date: dt.date
    offer_id: uuid.UUID

    def encode(self) -> str:
        return f"{self.sort_date.isoformat()}.{self.offer_id}"

    @classmethod
    def decode(cls, value: str) -> PipelineCursor | None:
        """The cursor ``encode`` wrote, or None for anything else."""
        day, _dot, offer_id = value.partition(".")
        try:
            return cls(dt.date.fromisoformat(day), uuid.UUID(offer_id))
        except ValueError:
            return None


@dataclass(frozen=True)
class PipelineColumn:
    status: str
    cards: list[Offer]
    # The cursor of the next cards, None when these are the last.
    more: PipelineCursor | None


def _pipeline_since(today: dt.date) -> dt.date:
    return today - dt.timedelta(days=PIPELINE_CLOSED_DAYS)


def pipeline_column(
    *,
    org: Organization,
    status: str,
    today: dt.date,
    limit: int,
    after: PipelineCursor | None = None,
    member: Membership | None = None,
) -> PipelineColumn:
    """One column of the board, ``limit`` cards from ``after``: open offers by expected
    close date (those without one last), won and lost ones closed in the last
    PIPELINE_CLOSED_DAYS days, the latest closed first. One query on an index. With
    ``member``, only the offers their view scope shows."""
    offers = (
        _rows(Offer, org, member, "offers")
        .filter(status=status)
        .select_related("account", "owner")
        .only(*PIPELINE_CARD_FIELDS)
    )
    if status in OPEN_OFFER_STATUSES:
        offers = offers.annotate(sort_date=close_sort()).order_by("sort_date", "id")
        if after is not None:
            offers = offers.filter(
                Q(sort_date__gt=after.sort_date)
                | Q(sort_date=after.sort_date, id__gt=after.offer_id)
            )
    else:
        offers = offers.filter(closed_date__gte=_pipeline_since(today))
        offers = offers.annotate(sort_date=F("closed_date")).order_by("-closed_date", "-id")
        if after is not None:
            offers = offers.filter(
                Q(closed_date__lt=after.sort_date)
                | Q(closed_date=after.sort_date, id__lt=after.offer_id)
            )
    cards: list[Offer] = list(offers[: limit + 1])
    more = None
    if len(cards) > limit:
        cards = cards[:limit]
        more = PipelineCursor(cards[-1].sort_date, cards[-1].pk)  # type: ignore[attr-defined]
    return PipelineColumn(status=status, cards=cards, more=more)


def pipeline_board_totals(
    *, org: Organization, today: dt.date, member: Membership | None = None
) -> dict[str, list[tuple[str, Decimal, int]]]:
    """Per column of the board: (currency, value without VAT, count) of every offer it
    holds, not only the cards shown. One query on the kept totals; with ``member`` whose
    view scope is narrower than all, on the offers they see."""
    on_board = Q(status__in=OPEN_OFFER_STATUSES) | Q(
        status__in=CLOSED_OFFER_STATUSES, closed_date__gte=_pipeline_since(today)
    )
    totals: dict[str, list[tuple[str, Decimal, int]]] = {}
    for status, currency, count, total in _offer_totals(org, member, on_board):
        totals.setdefault(status, []).append((currency, total, count))
    return totals


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
