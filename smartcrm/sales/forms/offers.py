"""Forms of the offer pages: an offer's details, its status, its lines, sending it.

Forms only parse and check the shape of the input; the services decide (their refusals
are shown next to the fields by ``add_domain_error``)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from smartcrm.catalog.forms import NumberField
from smartcrm.core.choices import Language, Priority
from smartcrm.core.money import CURRENCY_CHOICES
from smartcrm.sales.choices import OfferStatus, ProspectSource
from smartcrm.sales.forms.prospects import keep_owner
from smartcrm.web.forms import DateInput, StyledForm


def member_choices(members: list[Any]) -> list[tuple[str, str]]:
    return [("", "—")] + [
        (str(member.user_id), member.user.get_full_name() or member.user.email)
        for member in members
    ]


class OfferDetailsForm(StyledForm, forms.Form):
    """An offer's details (title, currency, dates, owner…), for creating and editing."""

    title = forms.CharField(label=_("Title"), max_length=200)
    currency = forms.ChoiceField(label=_("Currency"), choices=CURRENCY_CHOICES)
    language = forms.ChoiceField(label=_("Language of the offer"), choices=Language.choices)
    issue_date = forms.DateField(label=_("Issue date"), widget=DateInput, required=False)
    valid_until = forms.DateField(label=_("Valid until"), widget=DateInput, required=False)
    expected_close_date = forms.DateField(
        label=_("Expected close date"), widget=DateInput, required=False
    )
    probability = forms.IntegerField(
        label=_("Probability %"), min_value=0, max_value=100, required=False
    )
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices)
    source = forms.ChoiceField(
        label=_("Source"), choices=[("", "—"), *ProspectSource.choices], required=False
    )
    owner_id = forms.ChoiceField(label=_("Owner"), required=False)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(
        self, *args: Any, members: list[Any], may_reassign: bool = True, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        owner = self.fields["owner_id"]
        assert isinstance(owner, forms.ChoiceField)
        owner.choices = member_choices(members)
        if not may_reassign:
            keep_owner(owner)

    def changes(self) -> dict[str, Any]:
        """The cleaned values as the service takes them (blank dates stay blank)."""
        values = {
            name: value for name, value in self.cleaned_data.items() if name not in {"version"}
        }
        values["owner_id"] = values.get("owner_id") or None
        if values.get("probability") is None:
            values.pop("probability", None)
        return values


class OfferCreateForm(OfferDetailsForm):
    """A new offer: the details, and the account it is for."""

    field_order = ["account_id", "title"]

    account_id = forms.UUIDField(
        label=_("Account"),
        widget=forms.Select,
        error_messages={"invalid": _("Choose an account.")},
    )

    def __init__(self, *args: Any, accounts: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        widget = self.fields["account_id"].widget
        assert isinstance(widget, forms.Select)
        widget.choices = [("", _("Choose an account…"))] + [
            (str(account.pk), account.name) for account in accounts
        ]
        widget.attrs["data-account-select"] = "true"
        del self.fields["version"]
        self.fields["valid_until"].help_text = _("Leave empty for 30 days from the issue date.")
        self.fields["issue_date"].help_text = _("Leave empty for today.")


class OfferStatusForm(StyledForm, forms.Form):
    """Move the offer to another status; won and lost need a date, lost a reason."""

    status = forms.ChoiceField(label=_("New status"), choices=OfferStatus.choices)
    closed_date = forms.DateField(
        label=_("Closed on"),
        widget=DateInput,
        required=False,
        help_text=_("Needed when the offer is won or lost."),
    )
    lost_reason = forms.CharField(
        label=_("Why was it lost?"),
        max_length=255,
        required=False,
        help_text=_("Needed when the offer is lost."),
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class LineForm(StyledForm, forms.Form):
    """A free line (no catalogue product): what it is, how many, at what price."""

    code = forms.CharField(label=_("Code"), max_length=40, required=False)
    name = forms.CharField(label=_("Name"), max_length=200)
    unit = forms.CharField(label=_("Unit"), max_length=20, initial="buc")
    quantity = NumberField(label=_("Quantity"), initial="1")
    unit_price = NumberField(label=_("Unit price"))
    currency = forms.ChoiceField(label=_("Price currency"), choices=CURRENCY_CHOICES)
    discount_percent = NumberField(label=_("Discount %"), required=False, initial="0")
    vat_rate = NumberField(label=_("VAT rate %"), initial="21")
    price_includes_vat = forms.BooleanField(label=_("The price includes VAT"), required=False)

    def values(self) -> dict[str, Any]:
        values = dict(self.cleaned_data)
        if values.get("discount_percent") is None:
            values["discount_percent"] = Decimal(0)
        return values


class LineEditForm(StyledForm, forms.Form):
    """What can change on a line in the editor's table (one form per line, prefixed)."""

    quantity = NumberField(label=_("Quantity"))
    unit_price = NumberField(label=_("Unit price"))
    discount_percent = NumberField(label=_("Discount %"))
    vat_rate = NumberField(label=_("VAT rate %"))
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    @classmethod
    def for_line(cls, line: Any, data: Any = None) -> LineEditForm:
        initial = {
            "quantity": line.quantity,
            "unit_price": line.source_price,
            "discount_percent": line.discount_percent,
            "vat_rate": line.vat_rate,
            "version": line.version,
        }
        form = cls(data, initial=initial, prefix=f"line-{line.pk}")
        for name, field in form.fields.items():
            if name != "version":
                field.widget.attrs["class"] += " form-control-sm text-end"
        return form


class ProductLineForm(StyledForm, forms.Form):
    """A catalogue product added to the offer (the service takes its price and VAT)."""

    product_id = forms.UUIDField()
    quantity = NumberField(required=False)


class OfferSendForm(StyledForm, forms.Form):
    """Who receives the offer, and the message (from the templates when left empty)."""

    contact_ids = forms.MultipleChoiceField(
        label=_("Send to"), widget=forms.CheckboxSelectMultiple, required=True
    )
    subject = forms.CharField(label=_("Subject"), required=False, max_length=200)
    body = forms.CharField(
        label=_("Message"), required=False, widget=forms.Textarea(attrs={"rows": 6})
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, contacts: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["contact_ids"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = [
            (str(contact.pk), f"{contact.full_name} <{contact.email}>")
            for contact in contacts
            if contact.email
        ]


class BulkOwnerForm(StyledForm, forms.Form):
    """Give the ticked offers (``ids``, checked by the service) another owner."""

    owner_id = forms.ChoiceField(label=_("New owner"))

    def __init__(self, *args: Any, members: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        owner = self.fields["owner_id"]
        assert isinstance(owner, forms.ChoiceField)
        owner.choices = member_choices(members)[1:]
