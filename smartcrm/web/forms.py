from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class EmailAuthenticationForm(AuthenticationForm):
    """Log in with the e-mail address."""

    username = forms.EmailField(
        label=_("E-mail"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )


def version_from(data: Any) -> int | None:
    """The record version a form carried (hidden field), for stale-edit detection."""
    try:
        return int(data.get("version")) if data.get("version") else None
    except (TypeError, ValueError):
        return None


class OfferSendForm(forms.Form):
    """Who receives the offer, and the message (prefilled from the templates if empty)."""

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
            (str(contact.pk), f"{contact.full_name} <{contact.email or _('no e-mail')}>")
            for contact in contacts
        ]


class OfferDocumentSettingsForm(forms.Form):
    """The organisation's identity on offers, and how the offer PDF looks."""

    name = forms.CharField(label=_("Name"), max_length=200)
    cui = forms.CharField(label=_("CUI"), max_length=14, required=False)
    trade_register = forms.CharField(label=_("Trade register no."), max_length=20, required=False)
    address = forms.CharField(label=_("Address"), max_length=255, required=False)
    locality = forms.CharField(label=_("Locality"), max_length=100, required=False)
    iban = forms.CharField(label=_("IBAN"), max_length=34, required=False)
    bank_name = forms.CharField(label=_("Bank"), max_length=100, required=False)
    offer_pdf_design = forms.ChoiceField(label=_("Offer design"), choices=())
    offer_terms = forms.CharField(label=_("Terms on offers"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 4}))  # fmt: skip
    offer_footer = forms.CharField(label=_("Footer on offers"), required=False,
                                   widget=forms.Textarea(attrs={"rows": 2}))  # fmt: skip
    logo = forms.FileField(label=_("Logo (PNG, JPEG or SVG, up to 1 MB)"), required=False)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, org: Any, **kwargs: Any) -> None:
        from smartcrm.core.choices import OfferPdfDesign

        kwargs["initial"] = {
            **{name: getattr(org, name, "") for name in self.base_fields if name != "logo"},
            "version": org.version,
        }
        super().__init__(*args, **kwargs)
        design = self.fields["offer_pdf_design"]
        assert isinstance(design, forms.ChoiceField)
        design.choices = OfferPdfDesign.choices
