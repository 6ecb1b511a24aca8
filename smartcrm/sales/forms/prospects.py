"""Forms of the prospect pages, and what the account forms share with them.

Forms only parse the shape of the input; the services decide (their refusals are shown
next to the fields by ``show_domain_error``). Field names are the services' names
(``owner_id``, ``company_name``), so a service's error lands on the right field."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from smartcrm.core.choices import County, PartyKind, Priority
from smartcrm.core.errors import DomainError, StaleVersion
from smartcrm.core.models import Membership, Organization
from smartcrm.sales.choices import ProspectSource, ProspectStatus
from smartcrm.sales.filters import AccountFilters, ProspectFilters
from smartcrm.web.forms import StyledForm, add_domain_error

# The same words as the child sections' dialogs (smartcrm/web/dialogs.py): one message.
STALE_MESSAGE = _(
    "Someone else changed this record meanwhile. Reload the page to see their changes; "
    "what you typed is kept below."
)


def show_domain_error(form: forms.Form, error: DomainError) -> None:
    """A service's refusal next to its field; a stale version as one clear message."""
    if isinstance(error, StaleVersion):
        form.add_error(None, str(STALE_MESSAGE))
        return
    add_domain_error(form, error)


def keep_owner(field: forms.Field) -> None:
    """An owner the editor may not change (core.permissions): shown, not sent."""
    field.disabled = True
    field.help_text = _("Only the owner or a manager may hand the record to someone else.")


def member_choices(org: Organization) -> list[tuple[str, str]]:
    """The organisation's active members, for owner pickers (one query)."""
    memberships = (
        Membership.objects.filter(organization=org, is_active=True, user__is_active=True)
        .select_related("user")
        .order_by("user__first_name", "user__last_name", "user__email")
    )
    return [(str(m.user_id), m.user.get_full_name() or m.user.email) for m in memberships]


def _blank(label: Any) -> list[tuple[str, Any]]:
    return [("", label)]


class DayFilters:
    """Creation dates as the browser's date picker sends them (a day, in the user's time
    zone), turned into an index-friendly range on ``created_at``."""

    def filter_created_after(self, value: dt.date | None) -> Q:
        if value is None:
            return Q()
        return Q(created_at__gte=timezone.make_aware(dt.datetime.combine(value, dt.time.min)))

    def filter_created_before(self, value: dt.date | None) -> Q:
        """Up to and including that day."""
        if value is None:
            return Q()
        next_day = dt.datetime.combine(value + dt.timedelta(days=1), dt.time.min)
        return Q(created_at__lt=timezone.make_aware(next_day))


class ProspectPageFilters(DayFilters, ProspectFilters):
    """The API's prospect filters, with days for the creation dates."""

    created_after: dt.date | None = None  # type: ignore[assignment]  # a day here, not a time
    created_before: dt.date | None = None  # type: ignore[assignment]  # a day here, not a time


class AccountPageFilters(DayFilters, AccountFilters):
    """The API's account filters, with days for the creation dates."""

    created_after: dt.date | None = None  # type: ignore[assignment]  # a day here, not a time
    created_before: dt.date | None = None  # type: ignore[assignment]  # a day here, not a time


class IdentityForm(StyledForm, forms.Form):
    """The identity of a company or a person: tax id, address, phone, e-mail."""

    cui = forms.CharField(
        label=_("CUI"),
        max_length=14,
        required=False,
        help_text=_("Tax id; write RO before it for a VAT payer."),
    )
    vat_payer = forms.BooleanField(label=_("VAT payer"), required=False)
    trade_register = forms.CharField(label=_("Trade register no."), max_length=20, required=False)
    address = forms.CharField(label=_("Address"), max_length=255, required=False)
    locality = forms.CharField(label=_("Locality"), max_length=100, required=False)
    county = forms.ChoiceField(label=_("County"), required=False)
    postal_code = forms.CharField(label=_("Postal code"), max_length=12, required=False)
    country = forms.CharField(label=_("Country"), max_length=2, initial="RO")
    phone = forms.CharField(
        label=_("Phone"),
        max_length=32,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    email = forms.CharField(
        label=_("E-mail"),
        max_length=254,
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    website = forms.CharField(
        label=_("Website"), max_length=255, required=False, widget=forms.URLInput
    )
    owner_id = forms.ChoiceField(label=_("Owner"), required=False)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    allow_duplicate = forms.BooleanField(
        label=_("It is not a duplicate: save it anyway"), required=False
    )

    def __init__(
        self,
        *args: Any,
        org: Organization,
        creating: bool = False,
        may_reassign: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.creating = creating
        county = self.fields["county"]
        assert isinstance(county, forms.ChoiceField)
        county.choices = _blank("—") + list(County.choices)
        owner = self.fields["owner_id"]
        assert isinstance(owner, forms.ChoiceField)
        owner.choices = _blank(_("Nobody")) + member_choices(org)
        if not may_reassign:
            keep_owner(owner)
        if not creating:
            del self.fields["allow_duplicate"]
        self.duplicates: list[Any] = []

    def show_duplicates(self, candidates: list[Any]) -> None:
        """A record that looks like existing ones: list them and offer to save anyway."""
        self.duplicates = candidates

    def clean_owner_id(self) -> uuid.UUID | None:
        value = self.cleaned_data.get("owner_id")
        return uuid.UUID(value) if value else None

    def clean_country(self) -> str:
        return str(self.cleaned_data.get("country", "")).strip().upper()

    def changes(self) -> dict[str, Any]:
        """What the service receives: every field but the form's own."""
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if name not in {"version", "allow_duplicate"}
        }


class ProspectForm(IdentityForm):
    """A prospect: a company or a person, where it came from, how promising it is."""

    field_order = [
        "kind",
        "company_name",
        "first_name",
        "last_name",
        "source",
        "priority",
        "owner_id",
        "status",
    ]

    kind = forms.ChoiceField(label=_("Kind"), choices=PartyKind.choices, initial=PartyKind.COMPANY)
    company_name = forms.CharField(
        label=_("Company name"),
        max_length=200,
        required=False,
        help_text=_("Required for a company."),
    )
    first_name = forms.CharField(label=_("First name"), max_length=100, required=False)
    last_name = forms.CharField(
        label=_("Last name"), max_length=100, required=False, help_text=_("Required for a person.")
    )
    source = forms.ChoiceField(label=_("Source"), required=False)
    priority = forms.ChoiceField(
        label=_("Priority"), choices=Priority.choices, initial=Priority.MEDIUM
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[
            (ProspectStatus.NEW, ProspectStatus.NEW.label),
            (ProspectStatus.IN_PROGRESS, ProspectStatus.IN_PROGRESS.label),
            (ProspectStatus.QUALIFIED, ProspectStatus.QUALIFIED.label),
        ],
        initial=ProspectStatus.NEW,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        source = self.fields["source"]
        assert isinstance(source, forms.ChoiceField)
        source.choices = _blank("—") + list(ProspectSource.choices)
        if not self.creating:
            del self.fields["status"]  # moves through its own actions once it exists


class DisqualifyForm(StyledForm, forms.Form):
    """Why a prospect is disqualified (required)."""

    reason = forms.CharField(
        label=_("Reason"),
        max_length=255,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example: no budget this year, chose a competitor."),
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class ConvertForm(StyledForm, forms.Form):
    """Convert a qualified prospect: to a new account or into an existing one, optionally
    with a first draft offer."""

    NEW, EXISTING = "new", "existing"

    target = forms.ChoiceField(
        label=_("Convert to"),
        choices=[
            (NEW, _("A new account")),
            (EXISTING, _("An existing account (merge into it)")),
        ],
        initial=NEW,
        widget=forms.RadioSelect,
    )
    account_id = forms.UUIDField(label=_("Existing account"), required=False, widget=forms.Select)
    create_offer = forms.BooleanField(label=_("Also create a first offer"), required=False)
    offer_title = forms.CharField(
        label=_("Title of the offer"),
        max_length=200,
        required=False,
        help_text=_("Leave empty for “Offer for <account>”."),
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, account_choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        widget = self.fields["account_id"].widget
        assert isinstance(widget, forms.Select)
        widget.choices = _blank(_("Search and choose an account…")) + account_choices

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("target") == self.EXISTING and not data.get("account_id"):
            self.add_error("account_id", gettext("Choose the account to merge into."))
        return data

    def account_to_merge(self) -> uuid.UUID | None:
        return (
            self.cleaned_data["account_id"]
            if self.cleaned_data["target"] == self.EXISTING
            else None
        )

    def first_offer(self) -> dict[str, Any] | None:
        if not self.cleaned_data.get("create_offer"):
            return None
        return {"title": self.cleaned_data.get("offer_title", "")}


class BulkForm(forms.Form):
    """The bulk bar: which rows, which action, and the action's value."""

    ids = forms.MultipleChoiceField(required=False)  # checked by the service (tenancy)
    action = forms.ChoiceField(
        choices=[("assign", "assign"), ("status", "status"), ("delete", "delete")]
    )
    owner_id = forms.CharField(required=False)
    status = forms.CharField(required=False)
    reason = forms.CharField(required=False, max_length=255)
    confirmed = forms.BooleanField(required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        ids = self.fields["ids"]
        assert isinstance(ids, forms.MultipleChoiceField)
        ids.valid_value = lambda value: True  # type: ignore[method-assign]  # any id; the service decides


def bulk_status_choices() -> list[tuple[str, Any]]:
    """The statuses a list's bulk bar offers (conversion is one prospect at a time)."""
    return [(value, label) for value, label in ProspectStatus.choices if value != "converted"]
