"""Writes of the catalogue: products, services and exchange rates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from smartcrm.catalog.choices import RateSource
from smartcrm.catalog.models import ExchangeRate, Product
from smartcrm.core import writes
from smartcrm.core.audit import audit_created, audit_deleted, audit_updated
from smartcrm.core.choices import Role
from smartcrm.core.errors import Conflict, ValidationFailed
from smartcrm.core.ids import RecordId
from smartcrm.core.models import Organization, User
from smartcrm.core.modules import Module, require_module
from smartcrm.core.permissions import membership_of, require_grant, require_right_on, require_role
from smartcrm.core.search import search_index
from smartcrm.trash.services import trash_record

PRODUCT_FIELDS = (
    "kind",
    "code",
    "name",
    "description",
    "unit",
    "price",
    "currency",
    "price_includes_vat",
    "vat_rate",
    "track_stock",
    "stock_quantity",
    "active",
)


def _check_product(product: Product) -> None:
    product.code = (product.code or "").strip().upper()
    if not product.track_stock:
        product.stock_quantity = None
    writes.validate(product)


@transaction.atomic
def product_create(*, org: Organization, user: User, **fields: Any) -> Product:
    """Add a product or service to the catalogue (the products create grant: managers and
    up, among the built-in roles)."""
    require_module(org, Module.CATALOG)
    require_grant(org, user, module="products", action="create")
    product = Product(organization=org, created_by=user)
    writes.apply_changes(product, fields, allowed=PRODUCT_FIELDS)
    _check_product(product)
    writes.save(product)
    search_index(product)
    audit_created(org=org, user=user, record=product)
    return product


@transaction.atomic
def product_update(
    *,
    org: Organization,
    user: User,
    product_id: RecordId,
    version: int | None = None,
    **changes: Any,
) -> Product:
    """Change a catalogue item (the products edit grant). Offers keep the snapshot they
    took."""
    require_module(org, Module.CATALOG)
    product = writes.lock(Product.objects.for_org(org), product_id, version=version)
    require_right_on(
        membership_of(org, user), product, module="products", action="edit", label=_("product")
    )
    changed = writes.apply_changes(product, changes, allowed=PRODUCT_FIELDS)
    _check_product(product)
    writes.save(product)
    search_index(product)
    if changed:
        audit_updated(org=org, user=user, record=product, changed=changed)
    return product


@transaction.atomic
def product_delete(
    *, org: Organization, user: User, product_id: RecordId, version: int | None = None
) -> None:
    """Move a catalogue item to the trash; offer lines keep their code, name and price
    snapshot (and their link, should it be restored); the products delete grant."""
    require_module(org, Module.CATALOG)
    product = writes.lock(Product.objects.for_org(org), product_id, version=version)
    require_right_on(
        membership_of(org, user), product, module="products", action="delete", label=_("product")
    )
    audit_deleted(org=org, user=user, record=product)
    trash_record(org=org, user=user, record=product)


def code_taken(org: Organization, products: Sequence[Product]) -> Conflict | None:
    """A trashed product's code may have been given to a new one meanwhile: the restore
    refuses, naming the code."""
    for product in products:
        if Product.objects.for_org(org).filter(code__iexact=product.code).exists():
            return Conflict(
                _(
                    "Another product has the code %(code)s now; change that product's code, "
                    "then restore this one."
                )
                % {"code": product.code},
                field="code",
                code="duplicate_code",
            )
    return None


@transaction.atomic
def exchange_rate_set(
    *,
    org: Organization,
    user: User | None,
    currency: str,
    date: dt.date,
    rate: Decimal,
    source: str = RateSource.MANUAL,
) -> ExchangeRate:
    """Record (or correct) the rate of ``currency`` to the base currency for one day."""
    require_module(org, Module.CATALOG)
    if user is not None:
        require_role(org, user, Role.MANAGER)
    currency = (currency or "").strip().upper()
    if currency == org.base_currency:
        raise ValidationFailed(
            _("The base currency has no exchange rate to itself."), field="currency"
        )
    existing = (
        ExchangeRate.objects.for_org(org)
        .select_for_update()
        .filter(currency=currency, date=date)
        .first()
    )
    row = existing or ExchangeRate(organization=org, created_by=user, currency=currency, date=date)
    row.rate, row.source = rate, source
    writes.validate(row)
    return writes.save(row)


@transaction.atomic
def exchange_rate_update(
    *,
    org: Organization,
    user: User,
    exchange_rate_id: RecordId,
    rate: Decimal,
    source: str | None = None,
    version: int | None = None,
) -> ExchangeRate:
    """Correct one day's rate (its currency and day stay)."""
    require_module(org, Module.CATALOG)
    require_role(org, user, Role.MANAGER)
    row = writes.lock(ExchangeRate.objects.for_org(org), exchange_rate_id, version=version)
    row.rate = rate
    if source:
        row.source = source
    writes.validate(row)
    return writes.save(row)


@transaction.atomic
def exchange_rate_delete(
    *, org: Organization, user: User, exchange_rate_id: RecordId, version: int | None = None
) -> None:
    require_module(org, Module.CATALOG)
    require_role(org, user, Role.MANAGER)
    writes.lock(ExchangeRate.objects.for_org(org), exchange_rate_id, version=version).delete()
