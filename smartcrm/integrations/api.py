"""REST API of the integrations: fill a record from ANAF, fetch BNR's exchange rates."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema
from pydantic import Field

from smartcrm.api.concurrency import if_match_version, set_etag
from smartcrm.api.endpoints import actor_in
from smartcrm.api.schemas import InputSchema, errors_for
from smartcrm.core.modules import Module
from smartcrm.integrations import services
from smartcrm.sales.api import AccountOut, ProspectOut

router = Router(tags=["integrations"])

WRITE_ERRORS = errors_for(400, 401, 403, 404, 409, 412, 415, 422, 429)

ANAF_NOTE = (
    "Asks ANAF's public VAT-payer register by the record's CUI (answers are cached for the "
    "day) and fills the company name, trade-register number, address, locality, county, "
    "postal code, phone and VAT-payer status; what ANAF leaves blank is kept. No CUI or an "
    "unknown one is a 422 on `cui` (code `anaf_not_found`); ANAF slow, down or unreadable is "
    "a 409 (code `anaf_unavailable`). In both cases nothing changes. With If-Match, a stale "
    "version is a 412."
)


@router.post(
    "/prospects/{prospect_id}/fill-from-anaf",
    response={200: ProspectOut, **WRITE_ERRORS},
    summary="Fill a prospect from ANAF",
    description=ANAF_NOTE,
)
def fill_prospect_from_anaf(
    request: HttpRequest, response: HttpResponse, prospect_id: uuid.UUID
) -> Any:
    actor = actor_in(request)
    prospect = services.prospect_fill_from_anaf(
        org=actor.org,
        user=actor.user,
        prospect_id=prospect_id,
        version=if_match_version(request),
    )
    set_etag(response, prospect.version)
    return prospect


@router.post(
    "/accounts/{account_id}/fill-from-anaf",
    response={200: AccountOut, **WRITE_ERRORS},
    summary="Fill an account from ANAF",
    description=ANAF_NOTE,
)
def fill_account_from_anaf(
    request: HttpRequest, response: HttpResponse, account_id: uuid.UUID
) -> Any:
    actor = actor_in(request)
    account = services.account_fill_from_anaf(
        org=actor.org,
        user=actor.user,
        account_id=account_id,
        version=if_match_version(request),
    )
    set_etag(response, account.version)
    return account


class BnrFetchIn(InputSchema):
    date: dt.date | None = Field(
        None,
        description="The day wanted (Bucharest calendar); default the latest published. A day "
        "without a fixing (weekend, holiday) takes the latest earlier one.",
    )


class BnrFetchOut(Schema):
    requested_date: dt.date | None = Field(description="The day asked for, if any")
    days: list[dt.date] = Field(description="The days whose rates were stored")
    fell_back: bool = Field(description="BNR had no rates on the day asked; an earlier day's")
    rates: int = Field(description="Rates written (new or changed)")
    unchanged: int = Field(description="Rates already stored with the same value")
    skipped: list[str] = Field(
        description="Currencies left out: the base currency and those SmartCRM does not know"
    )


# Two segments on purpose: "/exchange-rates/<one segment>" is the catalogue's
# /exchange-rates/{exchange_rate_id}, mounted first, which would answer 405.
@router.post(
    "/exchange-rates/bnr/fetch",
    response={200: BnrFetchOut, **WRITE_ERRORS},
    summary="Fetch exchange rates from BNR",
    description="Managers and up. Downloads the National Bank of Romania's reference rates "
    "(per one unit, the `multiplier` applied) and stores them as the day's rates, source "
    "`bnr`. BNR slow, down or unreadable is a 409 (code `bnr_unavailable`) and changes "
    "nothing; a future day is a 422 on `date`.",
)
def fetch_bnr_rates(request: HttpRequest, payload: BnrFetchIn) -> Any:
    actor = actor_in(request, Module.CATALOG)
    result = services.bnr_rates_fetch(org=actor.org, user=actor.user, day=payload.date)
    return {
        "requested_date": result.requested_date,
        "days": list(result.days),
        "fell_back": result.fell_back,
        "rates": result.rates,
        "unchanged": result.unchanged,
        "skipped": list(result.skipped),
    }
