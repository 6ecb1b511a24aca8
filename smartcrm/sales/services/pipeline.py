"""Recomputing the pipeline's totals from the offers (OfferPipelineTotal).

The offers table's triggers keep the totals in step; a rebuild is for rows written with the
triggers off (the benchmark's COPY load) or a repair. It runs in one transaction with the
offers' writers held off meanwhile (a write during the rebuild would be counted twice or not
at all): a share lock on PostgreSQL, SQLite's one writer on SQLite (the delete comes first)."""

from __future__ import annotations

from django.db import connection, transaction
from django.db.models import BigIntegerField, Count, F, Sum, Value
from django.db.models.functions import Cast, Coalesce, Round

from smartcrm.core.models import Organization
from smartcrm.sales.models import NOT_CLOSED, Offer, OfferPipelineTotal


def pipeline_totals_rebuild(*, org: Organization | None = None) -> int:
    """Recompute the totals of ``org`` (every organisation when None) from its offers;
    returns the number of total rows written."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("LOCK TABLE sales_offer IN SHARE MODE")
        totals = OfferPipelineTotal.objects.all()
        offers = Offer.objects.all()
        if org is not None:
            totals, offers = totals.filter(organization=org), offers.filter(organization=org)
        totals.delete()
        rows = (
            offers.annotate(closed_on=Coalesce("closed_date", Value(NOT_CLOSED)))
            .values("organization_id", "status", "currency", "closed_on")
            .annotate(
                offers=Count("id"),
                cents=Sum(Cast(Round(F("total_net") * 100), BigIntegerField())),
            )
            .order_by()
        )
        written = OfferPipelineTotal.objects.bulk_create(
            [
                OfferPipelineTotal(
                    organization_id=row["organization_id"],
                    status=row["status"],
                    currency=row["currency"],
                    closed_date=row["closed_on"],
                    count=row["offers"],
                    total_net_cents=row["cents"] or 0,
                )
                for row in rows.iterator()
            ],
            batch_size=1000,
        )
        return len(written)
