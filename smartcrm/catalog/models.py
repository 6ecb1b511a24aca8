"""The catalogue: products and services, and exchange rates."""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from smartcrm.catalog.choices import ProductKind, RateSource
from smartcrm.core.models import TenantModel, organization_field
from smartcrm.core.money import CURRENCY_CHOICES
from smartcrm.core.validators import validate_percent
from smartcrm.trash.models import Trashable, trash_index


class Product(Trashable):
    """A product or service of the catalogue, with a code unique in the organisation."""

    # The catalogue is the organisation's, nobody's own: a view scope of "own" or
    # "department" reads all of it (core.models.held_by); "none" reads none.
    HOLDER_FIELDS: ClassVar[tuple[str, ...]] = ()

    organization = organization_field(indexed=False)  # every index here leads with it

    kind = models.CharField(
        _("kind"), max_length=10, choices=ProductKind.choices, default=ProductKind.PRODUCT
    )
    code = models.CharField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    unit = models.CharField(_("unit"), max_length=20, default="buc")
    price = models.DecimalField(
        _("price"), max_digits=18, decimal_places=4, validators=[MinValueValidator(Decimal(0))]
    )
    currency = models.CharField(
        _("currency"), max_length=3, choices=CURRENCY_CHOICES, default="RON"
    )
    price_includes_vat = models.BooleanField(_("price includes VAT"), default=False)
    vat_rate = models.DecimalField(
        _("VAT rate %"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("21"),
        validators=[validate_percent],
    )
    track_stock = models.BooleanField(_("track stock"), default=False)
    stock_quantity = models.DecimalField(
        _("stock"), max_digits=14, decimal_places=3, null=True, blank=True
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("product or service")
        verbose_name_plural = _("products and services")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(
                "organization",
                Lower("code"),
                # A trashed product's code is free for a new one (a restore checks it).
                condition=Q(trash__isnull=True),
                name="product_code_unique_per_org",
                violation_error_code="duplicate_code",
                violation_error_message=_("A product with this code already exists."),
            ),
            models.CheckConstraint(condition=Q(price__gte=0), name="product_price_not_negative"),
            models.CheckConstraint(
                condition=Q(vat_rate__gte=0, vat_rate__lte=100), name="product_vat_rate_percent"
            ),
            models.CheckConstraint(
                condition=Q(kind=ProductKind.PRODUCT) | Q(track_stock=False),
                name="product_stock_only_for_products",
                violation_error_code="stock_for_service",
                violation_error_message=_("Only products (not services) track stock."),
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "name"], name="product_org_name_idx"),
            models.Index(fields=["organization", "active", "kind"], name="product_org_active_idx"),
            # The list's sorts (the unique index is on the lower-cased code) and filters.
            models.Index(fields=["organization", "code"], name="product_org_code_idx"),
            models.Index(fields=["organization", "price"], name="product_org_price_idx"),
            models.Index(fields=["organization", "created_at"], name="product_org_created_idx"),
            models.Index(fields=["organization", "currency"], name="product_org_currency_idx"),
            trash_index("product"),
        ]

    # Which field a violated table constraint is about (by violation code), for error messages.
    FIELD_OF_CONSTRAINT: ClassVar[dict[str, str]] = {
        "duplicate_code": "code",
        "stock_for_service": "track_stock",
    }

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"


class ExchangeRate(TenantModel):
    """How many units of the organisation's base currency one unit of ``currency`` is worth."""

    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    date = models.DateField(_("date"))
    rate = models.DecimalField(
        _("rate"),
        max_digits=18,
        decimal_places=6,
        validators=[MinValueValidator(Decimal("0.000001"))],
    )
    source = models.CharField(
        _("source"), max_length=10, choices=RateSource.choices, default=RateSource.MANUAL
    )

    class Meta:
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")
        ordering = ["-date", "currency"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "currency", "date"],
                name="exchange_rate_unique_per_day",
                violation_error_message=_("A rate for this currency and day already exists."),
            ),
            models.CheckConstraint(condition=Q(rate__gt=0), name="exchange_rate_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.currency} {self.date}: {self.rate}"
