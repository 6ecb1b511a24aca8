"""Forms of the catalogue pages: a product or service, an exchange rate; typed numbers."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.utils.formats import get_format
from django.utils.translation import gettext_lazy as _

from smartcrm.catalog.choices import ProductKind
from smartcrm.core.money import CURRENCY_CHOICES
from smartcrm.web.forms import DateInput, StyledForm

_NUMBER = re.compile(r"^-?\d+([.,]\d+)?$")


def plain_number(value: Decimal | None) -> str:
    """A number as a person types it back: no grouping, the reader's decimal separator,
    no trailing zeros ("1500,5", not "1.500,5000")."""
    if value is None:
        return ""
    text = format(value.normalize(), "f")
    return text.replace(".", str(get_format("DECIMAL_SEPARATOR")))


class NumberField(forms.Field):
    """A decimal typed with a comma or a point ("1,5" or "1.5"). A thousands separator is
    refused rather than guessed: is "1.500" one and a half or fifteen hundred?"""

    widget = forms.TextInput

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.widget.attrs.setdefault("inputmode", "decimal")
        self.widget.attrs.setdefault("maxlength", "30")

    def prepare_value(self, value: Any) -> Any:
        return plain_number(value) if isinstance(value, Decimal) else value

    def to_python(self, value: Any) -> Decimal | None:
        text = "".join(str(value if value is not None else "").split())
        if text in self.empty_values:
            return None
        if len(text) > 30 or not _NUMBER.match(text):
            raise forms.ValidationError(_("Enter a number, like 12,5."), code="invalid")
        try:
            return Decimal(text.replace(",", "."))
        except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
            raise forms.ValidationError(_("Enter a number, like 12,5."), code="invalid") from None


class ProductForm(StyledForm, forms.Form):
    """A catalogue item: code, name, unit, price, currency, VAT, stock."""

    kind = forms.ChoiceField(label=_("Kind"), choices=ProductKind.choices)
    code = forms.CharField(label=_("Code"), max_length=40)
    name = forms.CharField(label=_("Name"), max_length=200)
    unit = forms.CharField(label=_("Unit"), max_length=20, initial="buc")
    price = NumberField(label=_("Price"))
    currency = forms.ChoiceField(label=_("Currency"), choices=CURRENCY_CHOICES)
    price_includes_vat = forms.BooleanField(label=_("The price includes VAT"), required=False)
    vat_rate = NumberField(label=_("VAT rate %"), initial="21")
    track_stock = forms.BooleanField(label=_("Track stock (products only)"), required=False)
    stock_quantity = NumberField(label=_("Stock"), required=False)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    active = forms.BooleanField(label=_("Active (offered on new offers)"), required=False)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def values(self) -> dict[str, Any]:
        return {name: value for name, value in self.cleaned_data.items() if name != "version"}


class ExchangeRateForm(StyledForm, forms.Form):
    """The rate of a currency for one day (in units of the organisation's base currency)."""

    currency = forms.ChoiceField(label=_("Currency"), choices=CURRENCY_CHOICES)
    date = forms.DateField(label=_("Date"), widget=DateInput)
    rate = NumberField(label=_("Rate"))

    def __init__(self, *args: Any, base_currency: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        currency = self.fields["currency"]
        assert isinstance(currency, forms.ChoiceField)
        currency.choices = [choice for choice in CURRENCY_CHOICES if choice[0] != base_currency]
        self.fields["rate"].help_text = _("How many %(base)s one unit is worth.") % {
            "base": base_currency
        }
