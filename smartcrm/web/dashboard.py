"""Reads of the dashboard ("My day"): one member's tasks, activities and offers, and the
pipeline, wins and prospects they may see. A fixed number of queries, whatever the rows.

Every figure counts only what the member's view scope shows. What is the member's own (the
tasks assigned to them, their activities and offers) is in every scope but none; the
organisation-wide figures come from the kept totals (and the cache) when the scope is all,
else from the records the member sees.
"""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from smartcrm.activities.choices import ActivityStatus
from smartcrm.activities.models import Activity
from smartcrm.agenda.selectors import overdue_cutoff
from smartcrm.core.models import Membership, Organization, User
from smartcrm.core.modules import Module, module_enabled
from smartcrm.core.scopes import Scope, scope_for
from smartcrm.sales import selectors as sales
from smartcrm.sales.choices import OPEN_OFFER_STATUSES, OfferStatus, ProspectStatus
from smartcrm.sales.models import Offer
from smartcrm.tasks.selectors import open_tasks_of
from smartcrm.web.records_urls import record_url

logger = logging.getLogger(__name__)

TASK_LIMIT = 20
ACTIVITY_LIMIT = 20
OFFER_LIMIT = 30
UPCOMING_DAYS = 7
CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def time_zone_of(membership: Membership) -> dt.tzinfo:
    """The member's time zone, else the organisation's, else the site's."""
    for name in (
        membership.user.time_zone,
        membership.organization.time_zone,
        settings.TIME_ZONE,
    ):
        if name:
            try:
                return zoneinfo.ZoneInfo(name)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                continue
    return dt.UTC


@dataclass(frozen=True)
class Day:
    """Today in the member's time zone: its start, the next day's start, and now."""

    now: dt.datetime
    start: dt.datetime
    end: dt.datetime

    @classmethod
    def of(cls, tz: dt.tzinfo, now: dt.datetime | None = None) -> Day:
        local_now = (now or timezone.now()).astimezone(tz)
        start = dt.datetime.combine(local_now.date(), dt.time.min, tzinfo=tz)
        end = dt.datetime.combine(local_now.date() + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
        return cls(now=local_now, start=start, end=end)

    @property
    def month_start(self) -> dt.date:
        return self.start.date().replace(day=1)


@dataclass(frozen=True)
class MoneyTotal:
    currency: str
    count: int
    value: Decimal


@dataclass(frozen=True)
class StatusGroup:
    """My open offers of one status: the offers shown and the totals per currency."""

    status: str
    label: str
    offers: list[Offer]
    totals: list[MoneyTotal]

    @property
    def count(self) -> int:
        return sum(total.count for total in self.totals)


@dataclass
class Dashboard:
    day: Day
    tasks_enabled: bool
    activities_enabled: bool
    tasks: list[Any] = field(default_factory=list)
    tasks_due_count: int = 0
    overdue_count: int = 0
    activities: list[Any] = field(default_factory=list)
    my_offers: list[StatusGroup] = field(default_factory=list)
    pipeline: list[sales.PipelineRow] = field(default_factory=list)
    won: list[MoneyTotal] = field(default_factory=list)
    won_mine: int = 0
    prospect_counts: dict[str, int] = field(default_factory=dict)

    @property
    def pipeline_chart(self) -> dict[str, Any]:
        """Chart.js data: one bar per open status, one dataset per currency."""
        statuses = [s for s in OfferStatus if s.value in OPEN_OFFER_STATUSES]
        currencies = sorted({row.currency for row in self.pipeline})
        values = {(row.status, row.currency): row.total_net for row in self.pipeline}
        return {
            "labels": [str(status.label) for status in statuses],
            "datasets": [
                {
                    "label": currency,
                    "data": [
                        str(values.get((status.value, currency), ZERO).quantize(CENT))
                        for status in statuses
                    ],
                }
                for currency in currencies
            ],
        }

    @property
    def prospect_chart(self) -> dict[str, Any]:
        """Chart.js data: the number of prospects in each status."""
        return {
            "labels": [str(status.label) for status in ProspectStatus],
            "statuses": list(ProspectStatus.values),
            "data": [self.prospect_counts.get(status, 0) for status in ProspectStatus.values],
        }

    @property
    def my_offer_count(self) -> int:
        return sum(group.count for group in self.my_offers)

    @property
    def my_offer_totals(self) -> list[MoneyTotal]:
        """The value of all my open offers, per currency."""
        by_currency: dict[str, MoneyTotal] = {}
        for group in self.my_offers:
            for total in group.totals:
                seen = by_currency.get(total.currency)
                by_currency[total.currency] = MoneyTotal(
                    total.currency,
                    total.count + (seen.count if seen else 0),
                    total.value + (seen.value if seen else Decimal("0.00")),
                )
        return [by_currency[currency] for currency in sorted(by_currency)]

    @property
    def won_count(self) -> int:
        return sum(total.count for total in self.won)

    @property
    def pipeline_rows(self) -> list[dict[str, Any]]:
        """The pipeline's rows with their status in words."""
        labels = dict(OfferStatus.choices)
        return [
            {
                "status": row.status,
                "label": labels.get(row.status, row.status),
                "currency": row.currency,
                "count": row.count,
                "total_net": row.total_net,
            }
            for row in self.pipeline
        ]

    @property
    def prospect_total(self) -> int:
        return sum(self.prospect_counts.values())

    @property
    def prospect_rows(self) -> list[tuple[str, str, int]]:
        return [
            (status.value, str(status.label), self.prospect_counts.get(status.value, 0))
            for status in ProspectStatus
        ]


def _link(row: Any, kind: str) -> None:
    """Put the row's page and its record's (prospect, account or offer) on it."""
    row.url = record_url(kind, row.pk)
    row.parent_label, row.parent_url = "", ""
    for parent_kind in ("prospect", "account", "offer"):
        parent = getattr(row, parent_kind, None) if getattr(row, f"{parent_kind}_id") else None
        if parent is not None:
            row.parent_label = parent.number if parent_kind == "offer" else str(parent)
            row.parent_url = record_url(parent_kind, parent.pk)
            break


def _unlink_hidden_parents(membership: Membership, rows: list[Any]) -> None:
    """A task or activity of mine may hang on a record outside my view scope: it shows
    without that record's name and link."""
    hidden = sales.hidden_parents(member=membership, records=rows)
    if not hidden:
        return
    for row in rows:
        if sales.hangs_on_hidden(row, hidden):
            row.parent_label, row.parent_url = "", ""


def my_tasks_due(*, org: Organization, user: User, day: Day) -> tuple[list[Any], int, int]:
    """The user's open tasks due before tomorrow, overdue first, then today's (at most
    TASK_LIMIT), with how many are due in all and how many of them are overdue."""
    due = open_tasks_of(org=org, user=user).filter(Q(due_sort__lt=day.end))
    # Overdue as everywhere else (lists, API, agenda): due before today began, locally.
    cutoff = overdue_cutoff(org)
    counts = due.aggregate(total=Count("id"), overdue=Count("id", filter=Q(due_sort__lt=cutoff)))
    rows: list[Any] = list(due[:TASK_LIMIT])
    for task in rows:
        task.is_overdue = task.due_at < cutoff
        _link(task, "task")
    return rows, counts["total"], counts["overdue"]


def my_activities_ahead(*, org: Organization, user: User, day: Day) -> list[Any]:
    """The user's planned activities from today's start to the end of the next seven days."""
    until = day.end + dt.timedelta(days=UPCOMING_DAYS)
    activities: list[Any] = list(
        Activity.objects.for_org(org)
        .filter(
            owner=user,
            status=ActivityStatus.PLANNED,
            start_at__gte=day.start,
            start_at__lt=until,
        )
        .select_related("prospect", "account", "offer")
        .order_by("start_at", "id")[:ACTIVITY_LIMIT]
    )
    for activity in activities:
        activity.is_today = activity.start_at < day.end
        activity.is_past = activity.start_at < day.now
        _link(activity, "activity")
    return activities


def my_open_offers(*, org: Organization, user: User) -> list[StatusGroup]:
    """The user's open offers grouped by status, with count and value (without VAT) per
    currency: one query for the totals, one for the offers shown."""
    offers = Offer.objects.for_org(org).filter(owner=user, status__in=OPEN_OFFER_STATUSES)
    totals: dict[str, list[MoneyTotal]] = {}
    for row in (
        offers.values("status", "currency")
        .annotate(count=Count("id"), value=Sum("total_net"))
        .order_by("status", "currency")
    ):
        totals.setdefault(row["status"], []).append(
            MoneyTotal(row["currency"], row["count"], row["value"] or Decimal("0.00"))
        )
    shown: dict[str, list[Offer]] = {}
    offer: Any
    for offer in offers.select_related("account").order_by(
        F("expected_close_date").asc(nulls_last=True), "-issue_date", "-number"
    )[:OFFER_LIMIT]:
        offer.url = record_url("offer", offer.pk)
        offer.account_url = record_url("account", offer.account_id)
        shown.setdefault(offer.status, []).append(offer)
    return [
        StatusGroup(status.value, str(status.label), shown.get(status.value, []), totals[status])
        for status in OfferStatus
        if status.value in totals
    ]


def won_this_month(
    *, org: Organization, day: Day, member: Membership | None = None
) -> list[MoneyTotal]:
    """Offers won since the first of the month: count and value per currency; with
    ``member``, of the offers their view scope shows."""
    return [
        MoneyTotal(currency, count, value)
        for currency, count, value in sales.offers_won_since(
            org=org, since=day.month_start, member=member
        )
    ]


def my_wins_this_month(*, org: Organization, user: User, day: Day) -> int:
    """How many offers the user won since the first of the month."""
    return (
        Offer.objects.for_org(org)
        .filter(owner=user, status=OfferStatus.WON, closed_date__gte=day.month_start)
        .count()
    )


def _organisation_figures(org: Organization, day: Day, compute: Any) -> Any:
    """The organisation-wide figures (pipeline, wins, prospects by status), shared by every
    member who sees all offers and prospects, and kept in the cache for
    SMARTCRM_DASHBOARD_CACHE_SECONDS: at a million prospects, counting them all again on
    every page load is most of the page's time."""
    seconds = settings.SMARTCRM_DASHBOARD_CACHE_SECONDS
    if seconds <= 0:
        return compute()
    key = f"dashboard:org:{org.pk}:{day.month_start.isoformat()}"
    try:
        figures = cache.get(key)
    except Exception:  # the cache is down: count afresh
        logger.warning("Dashboard figures not cached: the cache is unreachable.", exc_info=True)
        return compute()
    if figures is None:
        figures = compute()
        try:
            cache.set(key, figures, timeout=seconds)
        except Exception:
            logger.warning("Dashboard figures not cached: the cache is unreachable.")
    return figures


def _sees(membership: Membership, module: str) -> bool:
    """Whether the member's view scope of ``module`` shows anything: what they hold
    themselves is in every scope but none."""
    return scope_for(membership, module, "view") != Scope.NONE


def dashboard(*, membership: Membership, now: dt.datetime | None = None) -> Dashboard:
    """Everything the "My day" page shows for this member, within their view scope."""
    org, user = membership.organization, membership.user
    day = Day.of(time_zone_of(membership), now)
    board = Dashboard(
        day=day,
        tasks_enabled=module_enabled(org, Module.TASKS) and _sees(membership, "tasks"),
        activities_enabled=(
            module_enabled(org, Module.ACTIVITIES) and _sees(membership, "activities")
        ),
    )
    if board.tasks_enabled:
        board.tasks, board.tasks_due_count, board.overdue_count = my_tasks_due(
            org=org, user=user, day=day
        )
    if board.activities_enabled:
        board.activities = my_activities_ahead(org=org, user=user, day=day)
    _unlink_hidden_parents(membership, [*board.tasks, *board.activities])
    sees_offers = _sees(membership, "offers")
    if sees_offers:
        board.my_offers = my_open_offers(org=org, user=user)
    if scope_for(membership, "offers", "view") == Scope.ALL and (
        scope_for(membership, "prospects", "view") == Scope.ALL
    ):
        board.pipeline, board.won, board.prospect_counts = _organisation_figures(
            org,
            day,
            lambda: (
                sales.pipeline(org=org),
                won_this_month(org=org, day=day),
                sales.prospect_counts_by_status(org=org),
            ),
        )
    else:
        # Counted over what this member sees: never from, nor into, the shared cache.
        board.pipeline = sales.pipeline(org=org, member=membership)
        board.won = won_this_month(org=org, day=day, member=membership)
        board.prospect_counts = sales.prospect_counts_by_status(org=org, member=membership)
    if sees_offers:
        board.won_mine = my_wins_this_month(org=org, user=user, day=day)
    return board
