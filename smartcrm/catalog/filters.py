"""The catalogue's lists' filters and orderings (products, exchange rates), shared by
the API, the pages and the exports."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from django.db.models import F
from ninja import FilterLookup, FilterSchema
from pydantic import Field

from smartcrm.api.pagination import Sort
from smartcrm.api.schemas import SEARCH_Q_DESCRIPTION, SearchableFilters
from smartcrm.catalog.choices import ProductKind
from smartcrm.catalog.models import ExchangeRate, Product


class ProductFilters(SearchableFilters):
    search_kind = "product"

    kind: ProductKind | None = None
    active: bool | None = None
    currency: str | None = None
    q: str | None = Field(None, description=SEARCH_Q_DESCRIPTION)


PRODUCT_ORDERINGS = {
    "code": Sort(F("code")),
    "name": Sort(F("name")),
    "price": Sort(F("price"), Product._meta.get_field("price")),
    "created_at": Sort(F("created_at"), Product._meta.get_field("created_at")),
}


class ExchangeRateFilters(FilterSchema):
    currency: str | None = None
    date_from: Annotated[dt.date | None, FilterLookup("date__gte")] = None
    date_to: Annotated[dt.date | None, FilterLookup("date__lte")] = None


EXCHANGE_RATE_ORDERINGS = {
    "date": Sort(F("date"), ExchangeRate._meta.get_field("date")),
    "currency": Sort(F("currency")),
}
