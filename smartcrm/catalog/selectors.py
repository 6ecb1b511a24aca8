"""Reads of the catalogue."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import QuerySet
from django.utils import formats
from django.utils.translation import gettext as _

from smartcrm.catalog.models import ExchangeRate, Product
from smartcrm.core.errors import ValidationFailed
from smartcrm.core.models import Membership, Organization
from smartcrm.core.money import round_rate
from smartcrm.core.search import search_filter


def product_list(
    *,
    org: Organization,
    active: bool | None = None,
    kind: str | None = None,
    q: str = "",
    member: Membership | None = None,
) -> QuerySet[Product]:
    """The products by code; with ``member``, those their view scope of products shows."""
    products = Product.objects.for_org(org)
    if member is not None:
        products = products.visible_to(member, "products")
    if active is not None:
        products = products.filter(active=active)
    if kind:
        products = products.filter(kind=kind)
    # Through the search index: "licenta" finds "Licență", "ofice" finds nothing.
    products = products.filter(search_filter("product", q, org=org))
    return products.order_by("code")


def exchange_rate_on(*, org: Organization, currency: str, on_date: dt.date) -> ExchangeRate | None:
    """The rate of that day, or of the latest earlier day that has one."""
    return (
        ExchangeRate.objects.for_org(org)
        .filter(currency=currency, date__lte=on_date)
        .order_by("-date")
        .first()
    )


def conversion_rate(
    *, org: Organization, source: str, target: str, on_date: dt.date, field: str = "currency"
) -> Decimal:
    """Multiply an amount in ``source`` by this to get ``target`` (via the base currency)."""
    if source == target:
        return Decimal(1)

    def to_base(currency: str) -> Decimal:
        if currency == org.base_currency:
            return Decimal(1)
        rate = exchange_rate_on(org=org, currency=currency, on_date=on_date)
        if rate is None:
            raise ValidationFailed(
                _("There is no %(currency)s exchange rate on or before %(date)s.")
                % {"currency": currency, "date": formats.date_format(on_date, "SHORT_DATE_FORMAT")},
                field=field,
                code="missing_exchange_rate",
            )
        return rate.rate

    return round_rate(to_base(source) / to_base(target))
