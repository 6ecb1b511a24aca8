"""Prospects, accounts, offers and their lines."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, ClassVar

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from smartcrm.core.choices import Language, PartyKind, Priority
from smartcrm.core.expressions import Constant
from smartcrm.core.models import (
    CompanyIdentity,
    Organization,
    TenantModel,
    organization_field,
)
from smartcrm.core.money import CURRENCY_CHOICES
from smartcrm.core.registry import parent_constraint
from smartcrm.core.validators import validate_percent
from smartcrm.dedupe.fields import MatchingKeys
from smartcrm.sales.choices import EventKind, OfferStatus, ProspectSource, ProspectStatus
from smartcrm.trash.models import Trashable, trash_index

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def money_field(verbose_name: StrOrPromise) -> models.DecimalField[Decimal, Decimal]:
    """A stored amount: 2 decimals, computed by the services (never from input)."""
    return models.DecimalField(
        verbose_name, max_digits=18, decimal_places=2, default=Decimal("0.00"), editable=False
    )


class Prospect(CompanyIdentity, MatchingKeys, Trashable):
    """A person or company that showed interest, or that we want to approach."""

    organization = organization_field(indexed=False)  # every index here leads with it

    kind = models.CharField(
        _("kind"), max_length=10, choices=PartyKind.choices, default=PartyKind.COMPANY
    )
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    company_name = models.CharField(_("company name"), max_length=200, blank=True)
    source = models.CharField(
        _("source"), max_length=20, choices=ProspectSource.choices, blank=True
    )
    status = models.CharField(
        _("status"), max_length=20, choices=ProspectStatus.choices, default=ProspectStatus.NEW
    )
    disqualify_reason = models.CharField(_("disqualification reason"), max_length=255, blank=True)
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority.choices, default=Priority.MEDIUM
    )
    # (organization, owner) serves the lists; a user's deletion, rare, scans
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owner"),
        db_index=False,
    )
    description = models.TextField(_("description"), blank=True)
    # indexed where set only (prospect_converted_idx): most prospects are not converted
    converted_account = models.ForeignKey(
        "sales.Account",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="converted_prospects",
        editable=False,
        db_index=False,
    )
    converted_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("prospect")
        verbose_name_plural = _("prospects")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(
                        status=ProspectStatus.CONVERTED,
                        converted_account__isnull=False,
                        converted_at__isnull=False,
                    )
                    | (~Q(status=ProspectStatus.CONVERTED) & Q(converted_account__isnull=True))
                ),
                name="prospect_converted_has_account",
            ),
            models.CheckConstraint(
                condition=~Q(status=ProspectStatus.DISQUALIFIED) | ~Q(disqualify_reason=""),
                name="prospect_disqualified_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(status__in=ProspectStatus.values), name="prospect_status_valid"
            ),
        ]
        indexes = [
            # A filter's index ends with the lists' default order (newest first), so that a page
            # of a common value is read in order, not sorted (SQLite sorts every match).
            models.Index(fields=["organization", "status", "id"], name="prospect_org_status_idx"),
            models.Index(
                fields=["organization", "status", "created_at", "id"],
                name="prospect_org_status_new_idx",
            ),
            models.Index(
                fields=["organization", "owner", "created_at", "id"],
                name="prospect_org_owner_new_idx",
            ),
            models.Index(
                fields=["organization", "priority", "id"], name="prospect_org_priority_idx"
            ),
            models.Index(
                fields=["organization", "county", "created_at", "id"],
                name="prospect_org_county_new_idx",
            ),
            models.Index(
                fields=["organization", "source", "created_at", "id"],
                name="prospect_org_source_new_idx",
            ),
            models.Index(fields=["organization", "cui"], name="prospect_org_cui_idx"),
            models.Index(
                fields=["organization", "company_name", "id"], name="prospect_org_company_idx"
            ),
            models.Index(
                fields=["organization", "last_name", "id"], name="prospect_org_lastname_idx"
            ),
            models.Index(
                fields=["organization", "created_at", "id"], name="prospect_org_created_idx"
            ),
            models.Index(
                fields=["organization", "updated_at", "id"], name="prospect_org_updated_idx"
            ),
            models.Index(
                fields=["organization", "email_normalized"], name="prospect_org_email_key_idx"
            ),
            models.Index(fields=["organization", "phone_e164"], name="prospect_org_phone_key_idx"),
            models.Index(fields=["organization", "name_key"], name="prospect_org_name_key_idx"),
            models.Index(
                fields=["converted_account"],
                condition=models.Q(converted_account__isnull=False),
                name="prospect_converted_idx",
            ),
            trash_index("prospect"),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def person_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def display_name(self) -> str:
        if self.kind == PartyKind.COMPANY and self.company_name:
            return self.company_name
        return self.person_name or self.company_name


class Account(CompanyIdentity, MatchingKeys, Trashable):
    """A qualified customer that receives offers; remembers the prospect it came from."""

    organization = organization_field(indexed=False)  # every index here leads with it

    kind = models.CharField(
        _("kind"), max_length=10, choices=PartyKind.choices, default=PartyKind.COMPANY
    )
    name = models.CharField(_("name"), max_length=200)
    industry = models.CharField(_("industry"), max_length=100, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owner"),
    )
    description = models.TextField(_("description"), blank=True)
    source_prospect = models.ForeignKey(
        Prospect,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("created from prospect"),
    )

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        ordering = ["name"]
        indexes = [
            models.Index(fields=["organization", "name", "id"], name="account_org_name_idx"),
            models.Index(fields=["organization", "owner"], name="account_org_owner_idx"),
            models.Index(fields=["organization", "cui"], name="account_org_cui_idx"),
            models.Index(fields=["organization", "county"], name="account_org_county_idx"),
            models.Index(
                fields=["organization", "created_at", "id"], name="account_org_created_idx"
            ),
            models.Index(
                fields=["organization", "email_normalized"], name="account_org_email_key_idx"
            ),
            models.Index(fields=["organization", "phone_e164"], name="account_org_phone_key_idx"),
            models.Index(fields=["organization", "name_key"], name="account_org_name_key_idx"),
            trash_index("account"),
        ]

    def __str__(self) -> str:
        return self.name


NO_CLOSE_DATE = dt.date(9999, 12, 31)


def close_sort() -> Coalesce:
    """The pipeline's order of open offers: expected close date, offers without one last
    (what its index serves)."""
    return Coalesce("expected_close_date", Constant(NO_CLOSE_DATE, output_field=models.DateField()))


class Offer(Trashable):
    """A price offer sent to one account: the unit of a sale."""

    FIELD_OF_CONSTRAINT: ClassVar[dict[str, str]] = {"valid_before_issue": "valid_until"}

    number = models.CharField(_("number"), max_length=20, editable=False)
    title = models.CharField(_("title"), max_length=200)
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="offers", verbose_name=_("account")
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owner"),
    )
    currency = models.CharField(
        _("currency"), max_length=3, choices=CURRENCY_CHOICES, default="RON"
    )
    language = models.CharField(
        _("language"), max_length=5, choices=Language.choices, default=Language.RO
    )
    issue_date = models.DateField(_("issue date"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    expected_close_date = models.DateField(_("expected close date"), null=True, blank=True)
    closed_date = models.DateField(_("closed on"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True, editable=False)
    probability = models.PositiveSmallIntegerField(
        _("probability %"), default=10, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority.choices, default=Priority.MEDIUM
    )
    source = models.CharField(
        _("source"), max_length=20, choices=ProspectSource.choices, blank=True
    )
    status = models.CharField(
        _("status"), max_length=20, choices=OfferStatus.choices, default=OfferStatus.DRAFT
    )
    lost_reason = models.CharField(_("reason lost"), max_length=255, blank=True)
    description = models.TextField(_("description"), blank=True)
    total_net = money_field(_("total without VAT"))
    total_vat = money_field(_("VAT"))
    total_gross = money_field(_("total with VAT"))

    class Meta:
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        ordering = ["-issue_date", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "number"], name="offer_number_unique_per_org"
            ),
            models.CheckConstraint(
                condition=Q(status__in=OfferStatus.values), name="offer_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status__in=[OfferStatus.WON, OfferStatus.LOST])
                | Q(closed_date__isnull=False),
                name="offer_closed_has_date",
            ),
            models.CheckConstraint(
                condition=~Q(status=OfferStatus.LOST) | ~Q(lost_reason=""),
                name="offer_lost_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("issue_date")),
                name="offer_valid_after_issue",
                violation_error_code="valid_before_issue",
                violation_error_message=_("The validity date cannot be before the issue date."),
            ),
            models.CheckConstraint(
                condition=Q(probability__lte=100), name="offer_probability_percent"
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "status", "id"], name="offer_org_status_idx"),
            models.Index(fields=["organization", "account"], name="offer_org_account_idx"),
            models.Index(fields=["organization", "owner"], name="offer_org_owner_idx"),
            models.Index(fields=["organization", "issue_date", "id"], name="offer_org_issue_idx"),
            models.Index(
                fields=["organization", "expected_close_date", "id"], name="offer_org_close_idx"
            ),
            # The lists' other sorts and filters.
            models.Index(fields=["organization", "created_at", "id"], name="offer_org_created_idx"),
            models.Index(fields=["organization", "total_gross", "id"], name="offer_org_total_idx"),
            models.Index(fields=["organization", "currency"], name="offer_org_currency_idx"),
            # The pipeline's columns: open ones by expected close, closed ones by close date.
            models.Index(
                F("organization"),
                F("status"),
                close_sort(),
                F("id"),
                name="offer_pipeline_open_idx",
            ),
            models.Index(
                fields=["organization", "status", "closed_date", "id"],
                name="offer_pipeline_closed_idx",
            ),
            trash_index("offer"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def is_closed(self) -> bool:
        return self.status in (OfferStatus.WON, OfferStatus.LOST)


# The closing date an offer that is not closed counts under in OfferPipelineTotal.
NOT_CLOSED = dt.date(1, 1, 1)


class OfferPipelineTotal(models.Model):
    """What the pipeline's columns add up to: how many offers of an organisation, and their
    value without VAT in cents, per status, currency and closing date (NOT_CLOSED for an
    offer not closed).

    Kept by database triggers on the offers table (migration 0009), in the statement that
    changes an offer: no write path, cascade or bulk update can leave it behind, and the
    board adds up a few rows instead of every open offer. Read by
    ``selectors.pipeline_board_totals``; ``services.pipeline_totals_rebuild`` recomputes it
    (after a load with the triggers off)."""

    id = models.BigAutoField(primary_key=True)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=20)
    currency = models.CharField(max_length=3)
    closed_date = models.DateField()
    count = models.IntegerField(default=0)
    # Cents, an integer: exact on SQLite too, where a decimal column is a float.
    total_net_cents = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("pipeline total")
        verbose_name_plural = _("pipeline totals")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "status", "currency", "closed_date"],
                name="offer_pipeline_total_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.status} {self.currency} {self.closed_date}: {self.count}"


class OfferLine(TenantModel):
    """A product or service on an offer, with its computed amounts."""

    # Seen with its offer (core.models.held_by): a line is in the view scope of offers
    # when its offer is.
    HOLDER_FIELDS: ClassVar[tuple[str, ...]] = ()
    HELD_THROUGH: ClassVar[tuple[str, ...]] = ("offer",)

    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField(_("position"), default=0)
    product = models.ForeignKey(
        "catalog.Product",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("product"),
    )
    code = models.CharField(_("code"), max_length=40, blank=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    unit = models.CharField(_("unit"), max_length=20, default="buc")
    quantity = models.DecimalField(
        _("quantity"),
        max_digits=14,
        decimal_places=3,
        validators=[MinValueValidator(Decimal("0.001"))],
    )
    source_price = models.DecimalField(
        _("price as entered"),
        max_digits=18,
        decimal_places=4,
        validators=[MinValueValidator(Decimal(0))],
    )
    source_currency = models.CharField(_("price currency"), max_length=3, choices=CURRENCY_CHOICES)
    exchange_rate = models.DecimalField(
        _("exchange rate used"), max_digits=18, decimal_places=6, default=Decimal(1)
    )
    unit_price = models.DecimalField(_("unit price"), max_digits=18, decimal_places=4)
    price_includes_vat = models.BooleanField(_("price includes VAT"), default=False)
    discount_percent = models.DecimalField(
        _("discount %"),
        max_digits=5,
        decimal_places=2,
        default=Decimal(0),
        validators=[validate_percent],
    )
    vat_rate = models.DecimalField(
        _("VAT rate %"), max_digits=5, decimal_places=2, validators=[validate_percent]
    )
    net_amount = money_field(_("net"))
    vat_amount = money_field(_("VAT"))
    gross_amount = money_field(_("gross"))

    class Meta:
        verbose_name = _("offer line")
        verbose_name_plural = _("offer lines")
        ordering = ["position", "created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="offer_line_quantity_positive"
            ),
            models.CheckConstraint(
                condition=Q(source_price__gte=0), name="offer_line_price_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(discount_percent__gte=0, discount_percent__lte=100),
                name="offer_line_discount_percent",
            ),
            models.CheckConstraint(
                condition=Q(vat_rate__gte=0, vat_rate__lte=100), name="offer_line_vat_percent"
            ),
            models.CheckConstraint(
                condition=Q(exchange_rate__gt=0), name="offer_line_rate_positive"
            ),
        ]
        indexes = [models.Index(fields=["offer", "position"], name="offer_line_position_idx")]

    def __str__(self) -> str:
        return f"{self.name} × {self.quantity}"


class OfferNumberSequence(models.Model):
    """The last offer number given per organisation and year; locked while allocating."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "year"], name="offer_sequence_unique_year"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.year}: {self.last_number}"


class RecordEvent(TenantModel):
    """What happened to a prospect, account or offer (status changes, conversion...)."""

    # One parent each: indexed by the partial (parent, created_at) indexes below only.
    prospect = models.ForeignKey(
        Prospect,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="events",
        db_index=False,
    )
    account = models.ForeignKey(
        Account,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="events",
        db_index=False,
    )
    offer = models.ForeignKey(
        Offer,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="events",
        db_index=False,
    )
    kind = models.CharField(max_length=30, choices=EventKind.choices)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("record event")
        verbose_name_plural = _("record events")
        ordering = ["-created_at"]
        constraints = [
            parent_constraint(
                name="record_event_exactly_one_parent", fields=("prospect", "account", "offer")
            )
        ]
        indexes = [
            models.Index(
                fields=["prospect", "created_at"],
                condition=models.Q(prospect__isnull=False),
                name="event_prospect_idx",
            ),
            models.Index(
                fields=["account", "created_at"],
                condition=models.Q(account__isnull=False),
                name="event_account_idx",
            ),
            models.Index(
                fields=["offer", "created_at"],
                condition=models.Q(offer__isnull=False),
                name="event_offer_idx",
            ),
        ]
