"""The sales lists' filters and orderings (prospects, accounts, offers, an offer's lines),
shared by the API, the pages and the exports."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

from django.db.models import F, Value
from django.db.models.functions import Coalesce
from ninja import FilterLookup, FilterSchema
from pydantic import Field

from smartcrm.api.pagination import Sort
from smartcrm.api.schemas import SEARCH_Q_DESCRIPTION, SearchableFilters, UtcDatetime
from smartcrm.core.choices import County, PartyKind, Priority
from smartcrm.sales.choices import OfferStatus, ProspectSource, ProspectStatus
from smartcrm.sales.models import Account, Offer, OfferLine, Prospect


class ProspectFilters(SearchableFilters):
    search_kind = "prospect"

    status: ProspectStatus | None = None
    owner_id: uuid.UUID | None = None
    priority: Priority | None = None
    county: County | None = None
    source: ProspectSource | None = None
    kind: PartyKind | None = None
    q: str | None = Field(None, description=SEARCH_Q_DESCRIPTION)
    created_after: Annotated[UtcDatetime | None, FilterLookup("created_at__gte")] = None
    created_before: Annotated[UtcDatetime | None, FilterLookup("created_at__lt")] = None


PROSPECT_ORDERINGS = {
    "created_at": Sort(F("created_at"), Prospect._meta.get_field("created_at")),
    "updated_at": Sort(F("updated_at"), Prospect._meta.get_field("updated_at")),
    "company_name": Sort(F("company_name")),
    "last_name": Sort(F("last_name")),
    "status": Sort(F("status")),
    "priority": Sort(F("priority")),
}


class AccountFilters(SearchableFilters):
    search_kind = "account"

    owner_id: uuid.UUID | None = None
    county: County | None = None
    kind: PartyKind | None = None
    q: str | None = Field(None, description=SEARCH_Q_DESCRIPTION)
    created_after: Annotated[UtcDatetime | None, FilterLookup("created_at__gte")] = None
    created_before: Annotated[UtcDatetime | None, FilterLookup("created_at__lt")] = None


ACCOUNT_ORDERINGS = {
    "name": Sort(F("name")),
    "created_at": Sort(F("created_at"), Account._meta.get_field("created_at")),
    "updated_at": Sort(F("updated_at"), Account._meta.get_field("updated_at")),
}


class OfferFilters(SearchableFilters):
    search_kind = "offer"
    # An offer is found by its number and title, and by its account's name.
    search_also = (("account", "account_id"),)

    status: OfferStatus | None = None
    account_id: uuid.UUID | None = None
    owner_id: uuid.UUID | None = None
    currency: str | None = None
    q: str | None = Field(
        None, description=SEARCH_Q_DESCRIPTION + " Also finds the offers of the accounts it finds."
    )
    issued_after: Annotated[dt.date | None, FilterLookup("issue_date__gte")] = None
    issued_before: Annotated[dt.date | None, FilterLookup("issue_date__lte")] = None
    closing_after: Annotated[dt.date | None, FilterLookup("expected_close_date__gte")] = None
    closing_before: Annotated[dt.date | None, FilterLookup("expected_close_date__lte")] = None


OFFER_ORDERINGS = {
    "number": Sort(F("number")),
    "issue_date": Sort(F("issue_date"), Offer._meta.get_field("issue_date")),
    "created_at": Sort(F("created_at"), Offer._meta.get_field("created_at")),
    "total_gross": Sort(F("total_gross"), Offer._meta.get_field("total_gross")),
    "status": Sort(F("status")),
    "expected_close_date": Sort(
        Coalesce("expected_close_date", Value(dt.date(9999, 12, 31))),
        Offer._meta.get_field("issue_date"),
    ),
}


LINE_ORDERINGS = {"position": Sort(F("position"), OfferLine._meta.get_field("position"))}


class LineFilters(FilterSchema):
    product_id: uuid.UUID | None = None
