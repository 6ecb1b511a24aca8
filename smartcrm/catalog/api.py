"""REST API of the catalogue module: products and services, and exchange rates."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema, Status
from pydantic import Field

from smartcrm.api.concurrency import if_match_version, set_etag
from smartcrm.api.endpoints import actor_in, list_page, no_content
from smartcrm.api.pagination import PageParams
from smartcrm.api.schemas import InputSchema, Page, errors_for
from smartcrm.catalog import selectors, services
from smartcrm.catalog.choices import ProductKind, RateSource
from smartcrm.catalog.filters import (
    EXCHANGE_RATE_ORDERINGS,
    PRODUCT_ORDERINGS,
    ExchangeRateFilters,
    ProductFilters,
)
from smartcrm.catalog.models import ExchangeRate, Product
from smartcrm.core.modules import Module
from smartcrm.core.selectors import tenant_get

router = Router(tags=["catalogue"])

READ_ERRORS = errors_for(400, 401, 404, 429)
WRITE_ERRORS = errors_for(400, 401, 403, 404, 409, 412, 415, 422, 429)


# --- products ------------------------------------------------------------------------


class ProductOut(Schema):
    id: uuid.UUID
    kind: ProductKind
    code: str
    name: str
    description: str
    unit: str
    price: Decimal = Field(description="In `currency`; up to 4 decimals")
    currency: str
    price_includes_vat: bool
    vat_rate: Decimal
    track_stock: bool
    stock_quantity: Decimal | None
    active: bool
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime


class ProductIn(InputSchema):
    kind: ProductKind = ProductKind.PRODUCT
    code: str = Field(description="Unique in the organisation (case-insensitive); upper-cased")
    name: str
    description: str = ""
    unit: str = Field("buc", description="Free text; buc, oră, zi, kg, m...")
    price: Decimal = Field(description="Not negative; up to 4 decimals")
    currency: str = Field("RON", description="ISO 4217")
    price_includes_vat: bool = False
    vat_rate: Decimal = Field(Decimal("21"), description="Percent: 21, 11, 0...")
    track_stock: bool = Field(False, description="Products only, not services")
    stock_quantity: Decimal | None = None
    active: bool = True


class ProductPatch(InputSchema):
    kind: ProductKind | None = None
    code: str | None = None
    name: str | None = None
    description: str | None = None
    unit: str | None = None
    price: Decimal | None = None
    currency: str | None = None
    price_includes_vat: bool | None = None
    vat_rate: Decimal | None = None
    track_stock: bool | None = None
    stock_quantity: Decimal | None = None
    active: bool | None = None


def _product_response(response: HttpResponse, product: Product) -> Product:
    set_etag(response, product.version)
    return product


@router.get(
    "/products",
    response={200: Page[ProductOut], **READ_ERRORS},
    summary="List products and services",
    description="Cursor-paginated; filter by kind, active flag, currency and `q` (code, name); "
    "order by an allowed field.",
)
def list_products(
    request: HttpRequest, filters: Query[ProductFilters], page: Query[PageParams]
) -> Any:
    actor = actor_in(request, Module.CATALOG)
    return list_page(
        request,
        selectors.product_list(org=actor.org, member=actor.membership),
        filters=filters,
        page=page,
        orderings=PRODUCT_ORDERINGS,
        default="code",
    )


@router.post(
    "/products",
    response={201: ProductOut, **WRITE_ERRORS},
    summary="Add a product or service",
    description="Managers and up (403 otherwise). The code is unique in the organisation.",
)
def create_product(request: HttpRequest, response: HttpResponse, payload: ProductIn) -> Any:
    actor = actor_in(request, Module.CATALOG)
    product = services.product_create(
        org=actor.org, user=actor.user, **payload.model_dump(exclude_unset=True)
    )
    response["Location"] = f"/api/v1/products/{product.pk}"
    return Status(201, _product_response(response, product))


@router.get(
    "/products/{product_id}",
    response={200: ProductOut, **READ_ERRORS},
    summary="Get a product or service",
    description="The ETag header carries the version to send back in If-Match.",
)
def get_product(request: HttpRequest, response: HttpResponse, product_id: uuid.UUID) -> Any:
    actor = actor_in(request, Module.CATALOG)
    visible = Product.objects.visible_to(actor.membership, "products")
    product = tenant_get(visible, org=actor.org, record_id=product_id)
    return _product_response(response, product)


@router.patch(
    "/products/{product_id}",
    response={200: ProductOut, **WRITE_ERRORS},
    summary="Change a product or service",
    description="Managers and up. Offers keep the snapshot they took. With If-Match, a stale "
    "version is a 412.",
)
def update_product(
    request: HttpRequest, response: HttpResponse, product_id: uuid.UUID, payload: ProductPatch
) -> Any:
    actor = actor_in(request, Module.CATALOG)
    product = services.product_update(
        org=actor.org,
        user=actor.user,
        product_id=product_id,
        version=if_match_version(request),
        **payload.model_dump(exclude_unset=True),
    )
    return _product_response(response, product)


@router.delete(
    "/products/{product_id}",
    response={204: None, **WRITE_ERRORS},
    summary="Delete a product or service",
    description="Moves it to the trash (POST /products/{id}/restore brings it back); its "
    "code is free for a new product meanwhile. Managers and up. Offer lines keep their "
    "code, name and price.",
)
def delete_product(request: HttpRequest, product_id: uuid.UUID) -> Any:
    actor = actor_in(request, Module.CATALOG)
    services.product_delete(
        org=actor.org, user=actor.user, product_id=product_id, version=if_match_version(request)
    )
    return no_content()


# --- exchange rates ------------------------------------------------------------------


class ExchangeRateOut(Schema):
    id: uuid.UUID
    currency: str
    date: dt.date
    rate: Decimal = Field(description="Units of the base currency for one unit of `currency`")
    source: RateSource
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime


class ExchangeRateIn(InputSchema):
    currency: str = Field(description="ISO 4217; not the organisation's base currency")
    date: dt.date
    rate: Decimal = Field(gt=0, description="Units of the base currency for one unit")
    source: RateSource = RateSource.MANUAL


class ExchangeRatePatch(InputSchema):
    rate: Decimal = Field(gt=0)
    source: RateSource | None = Field(None, description="Unchanged when left out")


def _exchange_rate(request: HttpRequest, exchange_rate_id: uuid.UUID) -> ExchangeRate:
    actor = actor_in(request, Module.CATALOG)
    exchange_rate = tenant_get(ExchangeRate, org=actor.org, record_id=exchange_rate_id)
    return exchange_rate


@router.get(
    "/exchange-rates",
    response={200: Page[ExchangeRateOut], **READ_ERRORS},
    summary="List exchange rates",
    description="Cursor-paginated, latest day first by default; filter by currency and a date "
    "range.",
)
def list_exchange_rates(
    request: HttpRequest, filters: Query[ExchangeRateFilters], page: Query[PageParams]
) -> Any:
    actor = actor_in(request, Module.CATALOG)
    return list_page(
        request,
        ExchangeRate.objects.for_org(actor.org),
        filters=filters,
        page=page,
        orderings=EXCHANGE_RATE_ORDERINGS,
        default="-date",
    )


@router.post(
    "/exchange-rates",
    response={201: ExchangeRateOut, 200: ExchangeRateOut, **WRITE_ERRORS},
    summary="Set the rate of a currency for a day",
    description="Managers and up. One rate per currency and day: a new day is a 201, a day "
    "that had a rate is corrected (200).",
)
def set_exchange_rate(request: HttpRequest, response: HttpResponse, payload: ExchangeRateIn) -> Any:
    actor = actor_in(request, Module.CATALOG)
    exchange_rate = services.exchange_rate_set(
        org=actor.org, user=actor.user, **payload.model_dump()
    )
    set_etag(response, exchange_rate.version)
    response["Location"] = f"/api/v1/exchange-rates/{exchange_rate.pk}"
    return Status(201 if exchange_rate.version == 1 else 200, exchange_rate)


@router.get(
    "/exchange-rates/{exchange_rate_id}",
    response={200: ExchangeRateOut, **READ_ERRORS},
    summary="Get an exchange rate",
    description="The ETag header carries the version to send back in If-Match.",
)
def get_exchange_rate(
    request: HttpRequest, response: HttpResponse, exchange_rate_id: uuid.UUID
) -> Any:
    exchange_rate = _exchange_rate(request, exchange_rate_id)
    set_etag(response, exchange_rate.version)
    return exchange_rate


@router.patch(
    "/exchange-rates/{exchange_rate_id}",
    response={200: ExchangeRateOut, **WRITE_ERRORS},
    summary="Correct an exchange rate",
    description="Managers and up; the currency and day stay. With If-Match, a stale version is "
    "a 412.",
)
def update_exchange_rate(
    request: HttpRequest,
    response: HttpResponse,
    exchange_rate_id: uuid.UUID,
    payload: ExchangeRatePatch,
) -> Any:
    actor = actor_in(request, Module.CATALOG)
    exchange_rate = services.exchange_rate_update(
        org=actor.org,
        user=actor.user,
        exchange_rate_id=exchange_rate_id,
        rate=payload.rate,
        source=payload.source,
        version=if_match_version(request),
    )
    set_etag(response, exchange_rate.version)
    return exchange_rate


@router.delete(
    "/exchange-rates/{exchange_rate_id}",
    response={204: None, **WRITE_ERRORS},
    summary="Delete an exchange rate",
    description="Managers and up. Offer lines keep the rate they used.",
)
def delete_exchange_rate(request: HttpRequest, exchange_rate_id: uuid.UUID) -> Any:
    actor = actor_in(request, Module.CATALOG)
    services.exchange_rate_delete(
        org=actor.org,
        user=actor.user,
        exchange_rate_id=exchange_rate_id,
        version=if_match_version(request),
    )
    return no_content()
