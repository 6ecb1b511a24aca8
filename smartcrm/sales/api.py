"""REST API of the sales module: prospects, accounts, offers and their lines."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema, Status
from pydantic import Field

from smartcrm.api.concurrency import if_match_version, set_etag, with_etag
from smartcrm.api.endpoints import (
    actor_in,
    decode_timeline_cursor,
    delete_as_caller,
    encode_timeline_cursor,
    list_page,
    write_as_caller,
)
from smartcrm.api.pagination import PageParams
from smartcrm.api.schemas import READ_ERRORS, WRITE_ERRORS, InputSchema, Page
from smartcrm.core.choices import County, Language, OfferPdfDesign, PartyKind, Priority
from smartcrm.core.scopes import Scope, scope_for
from smartcrm.core.selectors import tenant_get
from smartcrm.sales import selectors, services
from smartcrm.sales.choices import OfferStatus, ProspectSource, ProspectStatus
from smartcrm.sales.filters import (
    ACCOUNT_ORDERINGS,
    LINE_ORDERINGS,
    OFFER_ORDERINGS,
    PROSPECT_ORDERINGS,
    AccountFilters,
    LineFilters,
    OfferFilters,
    ProspectFilters,
)
from smartcrm.sales.models import Account, Offer, OfferLine, Prospect

router = Router(tags=["sales"])

DUPLICATE_409 = (
    "A record that looks like an existing one (same e-mail, phone in E.164, CUI, or a very "
    "similar name) is refused with 409 `possible_duplicate`; the problem lists the candidates "
    "under `duplicates`; one outside the caller's view scope is told only by its owner's name, "
    "under `owned_by_others`. Send `allow_duplicate: true` to create it anyway."
)


# --- shared ---------------------------------------------------------------------------


class IdentityFields(Schema):
    cui: str = Field(
        "", description="Romanian CUI (check digit validated for RO); RO prefix = VAT payer"
    )
    vat_payer: bool = False
    trade_register: str = Field("", description="e.g. J40/1234/2020")
    address: str = ""
    postal_code: str = ""
    locality: str = ""
    county: County | None = Field(None, description="Romanian county code (B = București)")
    country: str = Field("RO", description="ISO 3166-1 alpha-2")
    phone: str = ""
    email: str = ""
    website: str = ""


class TimelineEntryOut(Schema):
    kind: str = Field(description="activity, note, task or event")
    id: uuid.UUID
    created_at: dt.datetime
    title: str
    body: str
    status: str
    at: dt.datetime | None = Field(None, description="When it is about (meeting start, due time)")
    user_id: uuid.UUID | None
    data: dict[str, Any]


class TimelineParams(Schema):
    limit: int = Field(50, ge=1, le=200)
    cursor: str | None = None


def _timeline(
    request: HttpRequest, record: Prospect | Account | Offer, params: TimelineParams
) -> dict[str, Any]:
    from smartcrm.api.pagination import reject_unknown_params

    reject_unknown_params(request, ())
    actor = actor_in(request)
    entries, more = selectors.record_timeline(
        org=actor.org,
        record=record,
        limit=params.limit,
        before=decode_timeline_cursor(params.cursor),
    )
    next_cursor = (
        encode_timeline_cursor(entries[-1].created_at, entries[-1].id) if more and entries else None
    )
    return {"items": entries, "next_cursor": next_cursor}


# The grant module whose view scope decides who sees a record of each model.
SCOPE_MODULES: dict[type[Any], str] = {
    Prospect: "prospects",
    Account: "accounts",
    Offer: "offers",
}


def _get(model: type[Any], request: HttpRequest, record_id: uuid.UUID) -> Any:
    """The caller's organisation's record in their view scope, or a 404 (whether or not it
    exists elsewhere)."""
    actor = actor_in(request)
    source = model.objects.visible_to(actor.membership, SCOPE_MODULES[model])
    return tenant_get(source, org=actor.org, record_id=record_id)


def _create_party(
    request: HttpRequest,
    response: HttpResponse,
    create: Callable[..., Prospect | Account],
    payload: ProspectIn | AccountIn,
    *,
    path: str,
) -> Any:
    """A prospect or an account created, answered 201 with its place and ETag."""
    actor = actor_in(request)
    record = create(
        org=actor.org,
        user=actor.user,
        allow_duplicate=payload.allow_duplicate,
        **payload.model_dump(exclude_unset=True, exclude={"allow_duplicate"}),
    )
    response["Location"] = f"/api/v1/{path}/{record.pk}"
    return Status(201, with_etag(response, record))


# --- prospects -----------------------------------------------------------------------


class ProspectOut(IdentityFields):
    id: uuid.UUID
    kind: PartyKind
    first_name: str
    last_name: str
    company_name: str
    display_name: str
    county: str  # type: ignore[assignment]  # output: "" when unset
    source: str
    status: ProspectStatus
    disqualify_reason: str
    priority: Priority
    owner_id: uuid.UUID | None
    description: str
    converted_account_id: uuid.UUID | None
    converted_at: dt.datetime | None
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime


class ProspectIn(IdentityFields, InputSchema):
    kind: PartyKind = PartyKind.COMPANY
    first_name: str = ""
    last_name: str = ""
    company_name: str = ""
    source: ProspectSource | None = None
    status: ProspectStatus = Field(ProspectStatus.NEW, description="new, in_progress or qualified")
    priority: Priority = Priority.MEDIUM
    owner_id: uuid.UUID | None = Field(None, description="Defaults to the caller")
    description: str = ""
    allow_duplicate: bool = Field(
        False, description="Create it even if it looks like an existing prospect (else 409)"
    )


class ProspectPatch(InputSchema):
    kind: PartyKind | None = None
    first_name: str | None = None
    last_name: str | None = None
    company_name: str | None = None
    cui: str | None = None
    vat_payer: bool | None = None
    trade_register: str | None = None
    address: str | None = None
    postal_code: str | None = None
    locality: str | None = None
    county: County | None = None
    country: str | None = None
    phone: str | None = None
    email: str | None = None
    website: str | None = None
    source: ProspectSource | None = None
    priority: Priority | None = None
    owner_id: uuid.UUID | None = None
    description: str | None = None


class StatusIn(InputSchema):
    status: ProspectStatus
    reason: str = ""


class DisqualifyIn(InputSchema):
    reason: str = Field(min_length=1, description="Why the prospect is disqualified")


class FirstOfferIn(InputSchema):
    title: str = ""
    currency: str | None = None
    language: Language | None = None
    issue_date: dt.date | None = None
    valid_until: dt.date | None = None
    expected_close_date: dt.date | None = None
    description: str = ""


class ConvertIn(InputSchema):
    account_id: uuid.UUID | None = Field(None, description="Merge into this existing account")
    offer: FirstOfferIn | None = Field(None, description="Also create a first draft offer")


@router.get(
    "/prospects",
    response={200: Page[ProspectOut], **READ_ERRORS},
    summary="List prospects",
    description="Cursor-paginated; filter by status, owner, priority, county, source, kind, "
    "`q` text "
    "and creation time; order by an allowed field.",
)
def list_prospects(
    request: HttpRequest, filters: Query[ProspectFilters], page: Query[PageParams]
) -> Any:
    actor = actor_in(request)
    return list_page(
        request,
        selectors.prospect_list(org=actor.org, member=actor.membership),
        filters=filters,
        page=page,
        orderings=PROSPECT_ORDERINGS,
        default="-created_at",
    )


@router.post(
    "/prospects",
    response={201: ProspectOut, **WRITE_ERRORS},
    summary="Create a prospect",
    description="The owner defaults to the caller; the CUI is checked and stored as digits. "
    + DUPLICATE_409,
)
def create_prospect(request: HttpRequest, response: HttpResponse, payload: ProspectIn) -> Any:
    return _create_party(request, response, services.prospect_create, payload, path="prospects")


@router.get(
    "/prospects/{prospect_id}",
    response={200: ProspectOut, **READ_ERRORS},
    summary="Get a prospect",
    description="The ETag header carries the version to send back in If-Match.",
)
def get_prospect(request: HttpRequest, response: HttpResponse, prospect_id: uuid.UUID) -> Any:
    return with_etag(response, _get(Prospect, request, prospect_id))


@router.patch(
    "/prospects/{prospect_id}",
    response={200: ProspectOut, **WRITE_ERRORS},
    summary="Change a prospect",
    description="Only the fields sent change. With If-Match, a stale version is a 412.",
)
def update_prospect(
    request: HttpRequest, response: HttpResponse, prospect_id: uuid.UUID, payload: ProspectPatch
) -> Any:
    prospect = write_as_caller(
        request,
        services.prospect_update,
        prospect_id=prospect_id,
        **payload.model_dump(exclude_unset=True),
    )
    return with_etag(response, prospect)


@router.delete(
    "/prospects/{prospect_id}",
    response={204: None, **WRITE_ERRORS},
    summary="Delete a prospect",
    description="Moves it to the trash with its contacts, activities, notes and tasks "
    "(POST /prospects/{id}/restore brings them back). Converted prospects are kept.",
)
def delete_prospect(request: HttpRequest, prospect_id: uuid.UUID) -> Any:
    return delete_as_caller(request, services.prospect_delete, prospect_id=prospect_id)


@router.post(
    "/prospects/{prospect_id}/qualify",
    response={200: ProspectOut, **WRITE_ERRORS},
    summary="Qualify a prospect",
    description="Ready to be converted.",
)
def qualify_prospect(request: HttpRequest, response: HttpResponse, prospect_id: uuid.UUID) -> Any:
    return with_etag(
        response, write_as_caller(request, services.prospect_qualify, prospect_id=prospect_id)
    )


@router.post(
    "/prospects/{prospect_id}/disqualify",
    response={200: ProspectOut, **WRITE_ERRORS},
    summary="Disqualify a prospect",
    description="From any open status; the reason is required.",
)
def disqualify_prospect(
    request: HttpRequest, response: HttpResponse, prospect_id: uuid.UUID, payload: DisqualifyIn
) -> Any:
    prospect = write_as_caller(
        request, services.prospect_disqualify, prospect_id=prospect_id, reason=payload.reason
    )
    return with_etag(response, prospect)


@router.post(
    "/prospects/{prospect_id}/status",
    response={200: ProspectOut, **WRITE_ERRORS},
    summary="Move a prospect to another status",
    description="new ↔ in_progress ↔ qualified, disqualified (with reason), reopen. "
    "`converted` only through /convert.",
)
def set_prospect_status(
    request: HttpRequest, response: HttpResponse, prospect_id: uuid.UUID, payload: StatusIn
) -> Any:
    prospect = write_as_caller(
        request,
        services.prospect_set_status,
        prospect_id=prospect_id,
        status=payload.status,
        reason=payload.reason,
    )
    return with_etag(response, prospect)


# --- accounts ------------------------------------------------------------------------


class AccountOut(IdentityFields):
    id: uuid.UUID
    kind: PartyKind
    name: str
    county: str  # type: ignore[assignment]  # output: "" when unset
    industry: str
    owner_id: uuid.UUID | None
    description: str
    source_prospect_id: uuid.UUID | None
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime


class AccountIn(IdentityFields, InputSchema):
    kind: PartyKind = PartyKind.COMPANY
    name: str
    industry: str = ""
    owner_id: uuid.UUID | None = Field(None, description="Defaults to the caller")
    description: str = ""
    allow_duplicate: bool = Field(
        False, description="Create it even if it looks like an existing account (else 409)"
    )


class AccountPatch(InputSchema):
    kind: PartyKind | None = None
    name: str | None = None
    cui: str | None = None
    vat_payer: bool | None = None
    trade_register: str | None = None
    address: str | None = None
    postal_code: str | None = None
    locality: str | None = None
    county: County | None = None
    country: str | None = None
    phone: str | None = None
    email: str | None = None
    website: str | None = None
    industry: str | None = None
    owner_id: uuid.UUID | None = None
    description: str | None = None


@router.get(
    "/prospects/{prospect_id}/timeline",
    response={200: Page[TimelineEntryOut], **READ_ERRORS},
    summary="A prospect's timeline",
    description="Activities, notes, tasks and events, newest first.",
)
def prospect_timeline(
    request: HttpRequest, prospect_id: uuid.UUID, params: Query[TimelineParams]
) -> Any:
    return _timeline(request, _get(Prospect, request, prospect_id), params)


@router.get(
    "/accounts",
    response={200: Page[AccountOut], **READ_ERRORS},
    summary="List accounts",
    description="Cursor-paginated; filter by owner, county, kind, `q` text, creation time.",
)
def list_accounts(
    request: HttpRequest, filters: Query[AccountFilters], page: Query[PageParams]
) -> Any:
    actor = actor_in(request)
    return list_page(
        request,
        selectors.account_list(org=actor.org, member=actor.membership),
        filters=filters,
        page=page,
        orderings=ACCOUNT_ORDERINGS,
        default="name",
    )


@router.post(
    "/accounts",
    response={201: AccountOut, **WRITE_ERRORS},
    summary="Create an account",
    description="Most accounts come from converting a prospect; this creates one directly. "
    + DUPLICATE_409,
)
def create_account(request: HttpRequest, response: HttpResponse, payload: AccountIn) -> Any:
    return _create_party(request, response, services.account_create, payload, path="accounts")


@router.get(
    "/accounts/{account_id}",
    response={200: AccountOut, **READ_ERRORS},
    summary="Get an account",
    description="The ETag header carries the version.",
)
def get_account(request: HttpRequest, response: HttpResponse, account_id: uuid.UUID) -> Any:
    return with_etag(response, _get(Account, request, account_id))


@router.patch(
    "/accounts/{account_id}",
    response={200: AccountOut, **WRITE_ERRORS},
    summary="Change an account",
    description="Only the fields sent change. With If-Match, a stale version is a 412.",
)
def update_account(
    request: HttpRequest, response: HttpResponse, account_id: uuid.UUID, payload: AccountPatch
) -> Any:
    account = write_as_caller(
        request,
        services.account_update,
        account_id=account_id,
        **payload.model_dump(exclude_unset=True),
    )
    return with_etag(response, account)


@router.delete(
    "/accounts/{account_id}",
    response={204: None, **WRITE_ERRORS},
    summary="Delete an account",
    description="Moves it to the trash with its contacts, activities, notes and tasks "
    "(POST /accounts/{id}/restore brings them back). Refused (409) while it has offers or "
    "came from a converted prospect.",
)
def delete_account(request: HttpRequest, account_id: uuid.UUID) -> Any:
    return delete_as_caller(request, services.account_delete, account_id=account_id)


@router.get(
    "/accounts/{account_id}/timeline",
    response={200: Page[TimelineEntryOut], **READ_ERRORS},
    summary="An account's timeline",
    description="Activities, notes, tasks and events, newest first.",
)
def account_timeline(
    request: HttpRequest, account_id: uuid.UUID, params: Query[TimelineParams]
) -> Any:
    return _timeline(request, _get(Account, request, account_id), params)


# --- offers --------------------------------------------------------------------------


class LineOut(Schema):
    id: uuid.UUID
    offer_id: uuid.UUID
    position: int
    product_id: uuid.UUID | None
    code: str
    name: str
    description: str
    unit: str
    quantity: Decimal
    unit_price: Decimal = Field(description="In the offer's currency")
    source_price: Decimal = Field(description="The price as entered, in `source_currency`")
    source_currency: str
    exchange_rate: Decimal = Field(
        description="source_currency → offer currency, on the issue date"
    )
    price_includes_vat: bool
    discount_percent: Decimal
    vat_rate: Decimal
    net_amount: Decimal
    vat_amount: Decimal
    gross_amount: Decimal
    version: int


class OfferOut(Schema):
    id: uuid.UUID
    number: str
    title: str
    account_id: uuid.UUID
    owner_id: uuid.UUID | None
    currency: str
    language: Language
    issue_date: dt.date
    valid_until: dt.date | None
    expected_close_date: dt.date | None
    closed_date: dt.date | None
    sent_at: dt.datetime | None
    probability: int
    priority: Priority
    source: str
    status: OfferStatus
    lost_reason: str
    description: str
    total_net: Decimal
    total_vat: Decimal
    total_gross: Decimal
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime


class OfferDetailOut(OfferOut):
    lines: list[LineOut]
    contact_ids: list[uuid.UUID]


class LineIn(InputSchema):
    product_id: uuid.UUID | None = Field(
        None, description="Take code, name, price, VAT from the catalogue"
    )
    code: str | None = None
    name: str | None = None
    description: str | None = None
    unit: str | None = None
    quantity: Decimal = Field(description="Up to 3 decimals")
    unit_price: Decimal | None = Field(
        None, description="In `currency`; defaults to the product's price"
    )
    currency: str | None = Field(
        None, description="Of unit_price; defaults to the product's or the offer's"
    )
    price_includes_vat: bool | None = None
    discount_percent: Decimal | None = None
    vat_rate: Decimal | None = None
    position: int | None = None


class LinePatch(InputSchema):
    code: str | None = None
    name: str | None = None
    description: str | None = None
    unit: str | None = None
    quantity: Decimal | None = None
    unit_price: Decimal | None = None
    currency: str | None = None
    price_includes_vat: bool | None = None
    discount_percent: Decimal | None = None
    vat_rate: Decimal | None = None
    position: int | None = None


class OfferIn(InputSchema):
    account_id: uuid.UUID
    title: str
    owner_id: uuid.UUID | None = Field(None, description="Defaults to the caller")
    currency: str | None = Field(None, description="ISO 4217; defaults to the organisation's")
    language: Language | None = None
    issue_date: dt.date | None = Field(None, description="Defaults to today")
    valid_until: dt.date | None = Field(None, description="Defaults to 30 days after issue")
    expected_close_date: dt.date | None = None
    probability: int | None = Field(None, ge=0, le=100)
    priority: Priority | None = None
    source: ProspectSource | None = None
    description: str = ""
    lines: list[LineIn] = []
    contact_ids: list[uuid.UUID] = Field([], description="Contacts of the account")


class OfferPatch(InputSchema):
    title: str | None = None
    owner_id: uuid.UUID | None = None
    currency: str | None = None
    language: Language | None = None
    issue_date: dt.date | None = None
    valid_until: dt.date | None = None
    expected_close_date: dt.date | None = None
    probability: int | None = Field(None, ge=0, le=100)
    priority: Priority | None = None
    source: ProspectSource | None = None
    description: str | None = None


class OfferStatusIn(InputSchema):
    status: OfferStatus
    closed_date: dt.date | None = Field(None, description="Required for won and lost")
    lost_reason: str = Field("", description="Required for lost")


class OfferContactsIn(InputSchema):
    contact_ids: list[uuid.UUID]


class ConversionOut(Schema):
    prospect: ProspectOut
    account: AccountOut
    offer: OfferOut | None
    created_account: bool
    moved: dict[str, int] = Field(description="Rows moved to the account, per kind")


@router.post(
    "/prospects/{prospect_id}/convert",
    response={200: ConversionOut, **WRITE_ERRORS},
    summary="Convert a qualified prospect into an account",
    description="One transaction: a new account (or `account_id` to merge into), every contact, "
    "activity, note and task moves to it, optionally a first draft offer. Converting "
    "twice is a 409.",
)
def convert_prospect(request: HttpRequest, prospect_id: uuid.UUID, payload: ConvertIn) -> Any:
    offer = payload.offer.model_dump(exclude_unset=True) if payload.offer is not None else None
    return write_as_caller(
        request,
        services.prospect_convert,
        prospect_id=prospect_id,
        account_id=payload.account_id,
        offer=offer,
    )


def _offer_detail(response: HttpResponse, offer: Offer) -> dict[str, Any]:
    set_etag(response, offer.version)
    lines = list(offer.lines.order_by("position", "created_at"))
    contact_ids = list(
        offer.offer_contacts.order_by("created_at").values_list("contact_id", flat=True)
    )
    return {**OfferOut.from_orm(offer).model_dump(), "lines": lines, "contact_ids": contact_ids}


@router.get(
    "/offers",
    response={200: Page[OfferOut], **READ_ERRORS},
    summary="List offers",
    description="Cursor-paginated; filter by status, account, owner, currency, `q` (number, title, "
    "account), issue and expected close dates.",
)
def list_offers(request: HttpRequest, filters: Query[OfferFilters], page: Query[PageParams]) -> Any:
    actor = actor_in(request)
    return list_page(
        request,
        selectors.offer_list(org=actor.org, member=actor.membership),
        filters=filters,
        page=page,
        orderings=OFFER_ORDERINGS,
        default="-created_at",
    )


@router.post(
    "/offers",
    response={201: OfferDetailOut, **WRITE_ERRORS},
    summary="Create an offer",
    description="A draft numbered OF-<year>-<nnnn> (gap-free), with optional lines and contacts "
    "(contacts of the account). One transaction.",
)
def create_offer(request: HttpRequest, response: HttpResponse, payload: OfferIn) -> Any:
    from smartcrm.contacts.services import offer_contacts_set

    actor = actor_in(request)
    values = payload.model_dump(exclude_unset=True, exclude={"lines", "contact_ids"})
    lines = [line.model_dump(exclude_unset=True) for line in payload.lines]
    with transaction.atomic():
        offer = services.offer_create(org=actor.org, user=actor.user, lines=lines, **values)
        if payload.contact_ids:
            offer_contacts_set(
                org=actor.org, user=actor.user, offer_id=offer.pk, contact_ids=payload.contact_ids
            )
            offer.refresh_from_db()
    response["Location"] = f"/api/v1/offers/{offer.pk}"
    return Status(201, _offer_detail(response, offer))


@router.get(
    "/offers/{offer_id}",
    response={200: OfferDetailOut, **READ_ERRORS},
    summary="Get an offer",
    description="With its lines and contacts; the ETag header carries the version.",
)
def get_offer(request: HttpRequest, response: HttpResponse, offer_id: uuid.UUID) -> Any:
    return _offer_detail(response, _get(Offer, request, offer_id))


@router.patch(
    "/offers/{offer_id}",
    response={200: OfferDetailOut, **WRITE_ERRORS},
    summary="Change an offer",
    description="An open offer's details; a new currency or issue date re-prices every line.",
)
def update_offer(
    request: HttpRequest, response: HttpResponse, offer_id: uuid.UUID, payload: OfferPatch
) -> Any:
    offer = write_as_caller(
        request, services.offer_update, offer_id=offer_id, **payload.model_dump(exclude_unset=True)
    )
    return _offer_detail(response, offer)


@router.delete(
    "/offers/{offer_id}",
    response={204: None, **WRITE_ERRORS},
    summary="Delete a draft offer",
    description="Moves it to the trash with its activities, notes and tasks (POST "
    "/offers/{id}/restore brings them back). Offers that went out are kept (mark them lost).",
)
def delete_offer(request: HttpRequest, offer_id: uuid.UUID) -> Any:
    return delete_as_caller(request, services.offer_delete, offer_id=offer_id)


@router.post(
    "/offers/{offer_id}/status",
    response={200: OfferDetailOut, **WRITE_ERRORS},
    summary="Change an offer's status",
    description="draft → sent → negotiation → won | lost; won and lost need `closed_date`, lost "
    "needs `lost_reason`. An illegal move is a 409.",
)
def change_offer_status(
    request: HttpRequest, response: HttpResponse, offer_id: uuid.UUID, payload: OfferStatusIn
) -> Any:
    offer = write_as_caller(
        request, services.offer_change_status, offer_id=offer_id, **payload.model_dump()
    )
    return _offer_detail(response, offer)


@router.post(
    "/offers/{offer_id}/contacts",
    response={200: OfferDetailOut, **WRITE_ERRORS},
    summary="Set the offer's contacts",
    description="Replaces them; each must be a contact of the account.",
)
def set_offer_contacts(
    request: HttpRequest, response: HttpResponse, offer_id: uuid.UUID, payload: OfferContactsIn
) -> Any:
    from smartcrm.contacts.services import offer_contacts_set

    actor = actor_in(request)
    offer_contacts_set(
        org=actor.org,
        user=actor.user,
        offer_id=offer_id,
        contact_ids=payload.contact_ids,
        offer_version=if_match_version(request),
    )
    return _offer_detail(response, _get(Offer, request, offer_id))


@router.get(
    "/offers/{offer_id}/timeline",
    response={200: Page[TimelineEntryOut], **READ_ERRORS},
    summary="An offer's timeline",
    description="Activities, notes, tasks and events, newest first.",
)
def offer_timeline(request: HttpRequest, offer_id: uuid.UUID, params: Query[TimelineParams]) -> Any:
    return _timeline(request, _get(Offer, request, offer_id), params)


def _line(request: HttpRequest, offer_id: uuid.UUID, line_id: uuid.UUID) -> OfferLine:
    actor = actor_in(request)
    lines = OfferLine.objects.all()
    if scope_for(actor.membership, "offers", "view") != Scope.ALL:
        # A line of an offer outside the caller's view scope is not found either.
        lines = lines.filter(offer__in=Offer.objects.visible_to(actor.membership, "offers"))
    # A line of an offer in the trash is not found either.
    line = tenant_get(
        lines, org=actor.org, record_id=line_id, offer_id=offer_id, offer__trash__isnull=True
    )
    return line


@router.get(
    "/offers/{offer_id}/lines",
    response={200: Page[LineOut], **READ_ERRORS},
    summary="List an offer's lines",
    description="In position order.",
)
def list_lines(
    request: HttpRequest, offer_id: uuid.UUID, filters: Query[LineFilters], page: Query[PageParams]
) -> Any:
    offer = _get(Offer, request, offer_id)
    return list_page(
        request,
        OfferLine.objects.filter(offer=offer),
        filters=filters,
        page=page,
        orderings=LINE_ORDERINGS,
        default="position",
    )


@router.post(
    "/offers/{offer_id}/lines",
    response={201: LineOut, **WRITE_ERRORS},
    summary="Add a line",
    description="A catalogue product (`product_id`) or a free line; the offer's totals follow. "
    "If-Match applies to the offer.",
)
def add_line(
    request: HttpRequest, response: HttpResponse, offer_id: uuid.UUID, payload: LineIn
) -> Any:
    actor = actor_in(request)
    line = services.offer_line_add(
        org=actor.org,
        user=actor.user,
        offer_id=offer_id,
        offer_version=if_match_version(request),
        **payload.model_dump(exclude_unset=True),
    )
    response["Location"] = f"/api/v1/offers/{offer_id}/lines/{line.pk}"
    return Status(201, with_etag(response, line))


@router.get(
    "/offers/{offer_id}/lines/{line_id}",
    response={200: LineOut, **READ_ERRORS},
    summary="Get a line",
    description="The ETag header carries the version.",
)
def get_line(
    request: HttpRequest, response: HttpResponse, offer_id: uuid.UUID, line_id: uuid.UUID
) -> Any:
    return with_etag(response, _line(request, offer_id, line_id))


@router.patch(
    "/offers/{offer_id}/lines/{line_id}",
    response={200: LineOut, **WRITE_ERRORS},
    summary="Change a line",
    description="Quantity, price, discount, VAT...; the offer's totals follow.",
)
def update_line(
    request: HttpRequest,
    response: HttpResponse,
    offer_id: uuid.UUID,
    line_id: uuid.UUID,
    payload: LinePatch,
) -> Any:
    _line(request, offer_id, line_id)
    line = write_as_caller(
        request,
        services.offer_line_update,
        line_id=line_id,
        **payload.model_dump(exclude_unset=True),
    )
    return with_etag(response, line)


@router.delete(
    "/offers/{offer_id}/lines/{line_id}",
    response={204: None, **WRITE_ERRORS},
    summary="Remove a line",
    description="The offer's totals follow.",
)
def remove_line(request: HttpRequest, offer_id: uuid.UUID, line_id: uuid.UUID) -> Any:
    _line(request, offer_id, line_id)
    return delete_as_caller(request, services.offer_line_remove, line_id=line_id)


# --- offer PDF ---------------------------------------------------------------------------

PDF_RESPONSE = {
    "responses": {
        200: {
            "description": "The offer as an A4 PDF document",
            "headers": {
                "Content-Disposition": {
                    "description": 'inline or attachment, with filename="<number>.pdf"',
                    "schema": {"type": "string"},
                }
            },
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}


@router.get(
    "/offers/{offer_id}/pdf",
    response={200: None, **READ_ERRORS},
    summary="The offer as PDF",
    description="The offer document (supplier, client, lines, totals per VAT rate, terms) in "
    "the offer's language, or `language`, and in the organisation's design, or `design`. "
    "Shown inline unless `download=true`, which makes it an attachment named <number>.pdf.",
    openapi_extra=PDF_RESPONSE,
)
def offer_pdf(
    request: HttpRequest,
    offer_id: uuid.UUID,
    download: bool = False,
    language: Language | None = None,
    design: OfferPdfDesign | None = None,
) -> HttpResponse:
    from smartcrm.api.pagination import reject_unknown_params
    from smartcrm.sales.documents import offer_pdf as render_offer_pdf  # loads WeasyPrint

    reject_unknown_params(request, ("download", "language", "design"))
    actor = actor_in(request)
    offer = _get(Offer, request, offer_id)
    pdf = render_offer_pdf(org=actor.org, offer=offer, language=language, design=design)
    response = HttpResponse(pdf, content_type="application/pdf")
    disposition = "attachment" if download else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{offer.number}.pdf"'
    return response
