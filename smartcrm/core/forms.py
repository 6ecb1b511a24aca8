"""Forms of the settings pages: they check types; the core services check the rules."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from functools import cache
from typing import Any

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from smartcrm.core.choices import (
    County,
    Language,
    OfferPdfDesign,
    Role,
    TokenScope,
    TwoFactorPolicy,
)
from smartcrm.core.models import CustomRole, Department, Membership, Organization, User
from smartcrm.core.modules import OPTIONAL, Module
from smartcrm.core.money import CURRENCY_CHOICES
from smartcrm.core.scopes import ACTIONS, MODULES, GrantAction, GrantModule, Scope, grant_of
from smartcrm.web.forms import DateInput, StyledForm

# The organisation's fields the settings form edits (the logo has its own service).
ORGANISATION_FIELDS = (
    "name",
    "cui",
    "vat_payer",
    "trade_register",
    "address",
    "postal_code",
    "locality",
    "county",
    "country",
    "phone",
    "email",
    "website",
    "iban",
    "bank_name",
    "base_currency",
    "language",
    "time_zone",
    "offer_pdf_design",
    "offer_terms",
    "offer_footer",
    "two_factor_required",
)


@cache
def time_zone_choices() -> list[tuple[str, str]]:
    names = sorted(name for name in zoneinfo.available_timezones() if "/" in name or name == "UTC")
    return [(name, name.replace("_", " ")) for name in names]


class OrganisationForm(StyledForm):
    """The organisation's identity, bank details, defaults and how its offers look."""

    name = forms.CharField(label=_("Name"), max_length=200)
    cui = forms.CharField(
        label=_("CUI"),
        max_length=14,
        required=False,
        help_text=_("Romanian tax id; “RO” in front means a VAT payer."),
    )
    vat_payer = forms.BooleanField(label=_("VAT payer"), required=False)
    trade_register = forms.CharField(
        label=_("Trade register no."),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "J40/1234/2020"}),
    )
    address = forms.CharField(label=_("Address"), max_length=255, required=False)
    postal_code = forms.CharField(label=_("Postal code"), max_length=12, required=False)
    locality = forms.CharField(label=_("Locality"), max_length=100, required=False)
    county = forms.ChoiceField(
        label=_("County"), choices=[("", "—"), *County.choices], required=False
    )
    country = forms.CharField(label=_("Country (ISO code)"), max_length=2, initial="RO")
    phone = forms.CharField(label=_("Phone"), max_length=32, required=False)
    email = forms.EmailField(label=_("E-mail"), max_length=254, required=False)
    website = forms.URLField(
        label=_("Website"), max_length=255, required=False, assume_scheme="https"
    )
    iban = forms.CharField(label=_("IBAN"), max_length=34, required=False)
    bank_name = forms.CharField(label=_("Bank"), max_length=100, required=False)
    base_currency = forms.ChoiceField(label=_("Default currency"), choices=CURRENCY_CHOICES)
    language = forms.ChoiceField(label=_("Default language"), choices=Language.choices)
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=time_zone_choices)
    offer_pdf_design = forms.ChoiceField(label=_("Offer design"), choices=OfferPdfDesign.choices)
    offer_terms = forms.CharField(
        label=_("Terms on offers"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    offer_footer = forms.CharField(
        label=_("Footer on offers"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    two_factor_required = forms.ChoiceField(
        label=_("Two-factor authentication required of"),
        choices=TwoFactorPolicy.choices,
        help_text=_(
            "A member who must use it and has not set it up is asked to at the next page "
            "they open. API tokens are not affected."
        ),
    )
    logo = forms.FileField(
        label=_("Logo"),
        required=False,
        help_text=_("PNG, JPEG or SVG, up to 1 MB; shown on offers."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/svg+xml"}),
    )
    remove_logo = forms.BooleanField(label=_("Remove the logo"), required=False)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    IDENTITY = ("name", "cui", "vat_payer", "trade_register", "country")
    ADDRESS = ("address", "postal_code", "locality", "county", "phone", "email", "website")
    BANK = ("iban", "bank_name")
    DEFAULTS = ("base_currency", "language", "time_zone")
    OFFERS = ("offer_pdf_design", "offer_terms", "offer_footer", "logo", "remove_logo")
    SECURITY = ("two_factor_required",)

    @staticmethod
    def initial_of(org: Organization) -> dict[str, Any]:
        return {
            **{name: getattr(org, name) for name in ORGANISATION_FIELDS},
            "version": org.version,
        }

    def changes(self) -> dict[str, Any]:
        """What the organisation_update service takes."""
        return {name: self.cleaned_data[name] for name in ORGANISATION_FIELDS}

    def section(self, names: tuple[str, ...]) -> list[forms.BoundField]:
        return [self[name] for name in names]

    def sections(self) -> list[tuple[Any, list[forms.BoundField]]]:
        return [
            (_("Identity"), self.section(self.IDENTITY)),
            (_("Address and contact"), self.section(self.ADDRESS)),
            (_("Bank"), self.section(self.BANK)),
            (_("Defaults"), self.section(self.DEFAULTS)),
            (_("Offers"), self.section(self.OFFERS)),
            (_("Security"), self.section(self.SECURITY)),
        ]


def _department_field(org: Organization) -> forms.ModelChoiceField[Department]:
    return forms.ModelChoiceField(
        label=_("Department"),
        queryset=Department.objects.for_org(org).filter(active=True).order_by("name"),
        required=False,
        empty_label="—",
    )


def _role_choices(acting: Membership) -> list[tuple[str, Any]]:
    """Only an owner makes owners; the service says so too."""
    return [
        (value, label)
        for value, label in Role.choices
        if value != Role.OWNER or acting.role == Role.OWNER
    ]


class InviteForm(StyledForm):
    """Who to invite, with which role and department."""

    email = forms.EmailField(label=_("E-mail"), max_length=254)
    first_name = forms.CharField(label=_("First name"), max_length=100, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=100, required=False)
    role = forms.ChoiceField(label=_("Role"), initial=Role.SALES)

    def __init__(self, *args: Any, acting: Membership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = _role_choices(acting)  # type: ignore[attr-defined]  # a ChoiceField
        self.fields["department"] = _department_field(acting.organization)
        self.fields["department"].widget.attrs["class"] = "form-select"


CUSTOM_ROLE_HELP = _(
    "Its grants replace the role's on records; the role still decides who manages members "
    "and settings."
)


class MemberForm(StyledForm):
    """A member's role, custom role and department."""

    role = forms.ChoiceField(label=_("Role"))
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, acting: Membership, member: Membership, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "role": member.role,
                "custom_role": member.custom_role_id,
                "department": member.department_id,
                "version": member.version,
            },
        )
        super().__init__(*args, **kwargs)
        choices = _role_choices(acting)
        if member.role == Role.OWNER and (Role.OWNER, Role.OWNER.label) not in choices:
            choices.insert(0, (Role.OWNER, Role.OWNER.label))
        self.fields["role"].choices = choices  # type: ignore[attr-defined]  # a ChoiceField
        self.fields["custom_role"] = forms.ModelChoiceField(
            label=_("Custom role"),
            queryset=CustomRole.objects.for_org(acting.organization).order_by("name"),
            required=False,
            empty_label=_("— the role's own grants —"),
            help_text=CUSTOM_ROLE_HELP,
        )
        self.fields["custom_role"].widget.attrs["class"] = "form-select"
        self.fields["department"] = _department_field(acting.organization)
        self.fields["department"].widget.attrs["class"] = "form-select"
        self.order_fields(["role", "custom_role", "department", "version"])


class DepartmentForm(StyledForm):
    name = forms.CharField(label=_("Name"), max_length=100)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(
        self, *args: Any, org: Organization, department: Department | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        parents = Department.objects.for_org(org).order_by("name")
        if department is not None:
            parents = parents.exclude(pk=department.pk)
        self.fields["parent"] = forms.ModelChoiceField(
            label=_("Parent department"), queryset=parents, required=False, empty_label="—"
        )
        self.fields["head"] = forms.ModelChoiceField(
            label=_("Head"),
            queryset=User.objects.filter(
                memberships__organization=org, memberships__is_active=True
            ).order_by("first_name", "last_name", "email"),
            required=False,
            empty_label="—",
        )
        for name in ("parent", "head"):
            self.fields[name].widget.attrs["class"] = "form-select"
        self.order_fields(["name", "parent", "head", "description", "active", "version"])

    @staticmethod
    def initial_of(department: Department) -> dict[str, Any]:
        return {
            "name": department.name,
            "description": department.description,
            "active": department.active,
            "parent": department.parent_id,
            "head": department.head_id,
            "version": department.version,
        }

    def changes(self) -> dict[str, Any]:
        values = {name: self.cleaned_data[name] for name in ("name", "description", "active")}
        parent, head = self.cleaned_data["parent"], self.cleaned_data["head"]
        values["parent_id"] = parent.pk if parent else None
        values["head_id"] = head.pk if head else None
        return values


def grant_field_name(module: str, action: str) -> str:
    return f"grant__{module}__{action}"


class RoleForm(StyledForm):
    """A custom role: its name and, per module and action, a scope (a grid of selects)."""

    name = forms.CharField(label=_("Name"), max_length=100)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, role: CustomRole | None = None, **kwargs: Any) -> None:
        grants = role.grants if role is not None else {}
        initial = kwargs.setdefault("initial", {})
        if role is not None:
            initial.update(
                {"name": role.name, "description": role.description, "version": role.version}
            )
        super().__init__(*args, **kwargs)
        for module in GrantModule:
            for action in GrantAction:
                field = forms.ChoiceField(
                    label=f"{module.label} · {action.label}",
                    choices=Scope.choices,
                    initial=grant_of(grants, module.value, action.value),
                )
                field.widget.attrs["class"] = "form-select form-select-sm"
                field.widget.attrs["aria-label"] = f"{module.label} · {action.label}"
                self.fields[grant_field_name(module.value, action.value)] = field

    def grid(self) -> list[tuple[str, list[Any]]]:
        """(module label, its row of bound selects, one per action) for the template."""
        return [
            (
                str(module.label),
                [self[grant_field_name(module.value, action.value)] for action in GrantAction],
            )
            for module in GrantModule
        ]

    def grants(self) -> dict[str, dict[str, str]]:
        return {
            module: {
                action: self.cleaned_data[grant_field_name(module, action)] for action in ACTIONS
            }
            for module in MODULES
        }


class TokenForm(StyledForm):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What the token is for, e.g. “Website form” or “Accounting export”."),
    )
    scope = forms.ChoiceField(
        label=_("It may"),
        choices=TokenScope.choices,
        initial=TokenScope.READ,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        help_text=_("A read-only token cannot change anything, whatever your role."),
    )
    expires_on = forms.DateField(
        label=_("Expires on"),
        required=False,
        widget=DateInput(),
        help_text=_("The token stops working at the end of this day."),
    )
    never_expires = forms.BooleanField(
        label=_("Never expires"),
        required=False,
        help_text=_("For admins: a token for a server that runs unattended."),
    )

    def __init__(self, *args: Any, may_never_expire: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["expires_on"].initial = timezone.localdate() + dt.timedelta(
            days=settings.SMARTCRM_TOKEN_DAYS
        )
        if not may_never_expire:
            del self.fields["never_expires"]

    def expires_at(self, tz: dt.tzinfo) -> dt.datetime | None:
        """The end of the chosen day in the user's time zone (None: the default term)."""
        day = self.cleaned_data.get("expires_on")
        if day is None:
            return None
        return dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=tz)


class ModulesForm(StyledForm):
    modules = forms.MultipleChoiceField(
        label=_("Modules switched on"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[(value, Module(value).label) for value in OPTIONAL],
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
