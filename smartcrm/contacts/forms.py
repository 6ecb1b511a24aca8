"""Forms of the contacts section: add or change a person at a prospect or an account."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from smartcrm.contacts.choices import ContactDepartment
from smartcrm.contacts.models import Contact
from smartcrm.web.forms import StyledForm

CONTACT_FORM_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "job_title",
    "department",
    "is_primary",
)


class ContactForm(StyledForm):
    """A person's details; ``version`` guards an edit against someone else's meanwhile."""

    first_name = forms.CharField(label=_("First name"), max_length=100, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=100)
    email = forms.EmailField(label=_("E-mail"), max_length=254, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=32, required=False)
    job_title = forms.CharField(label=_("Job title"), max_length=100, required=False)
    department = forms.ChoiceField(
        label=_("Department"),
        required=False,
        choices=[("", "—"), *ContactDepartment.choices],
    )
    is_primary = forms.BooleanField(label=_("Primary contact"), required=False)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, contact: Contact | None = None, **kwargs: Any) -> None:
        if contact is not None:
            kwargs.setdefault(
                "initial",
                {
                    **{name: getattr(contact, name) for name in CONTACT_FORM_FIELDS},
                    "version": contact.version,
                },
            )
        super().__init__(*args, **kwargs)
        self.fields["email"].widget.attrs["autocomplete"] = "off"
        self.fields["phone"].widget.attrs["inputmode"] = "tel"

    def offer_duplicate_override(self) -> None:
        """The service found likely duplicates: let the user create the contact anyway."""
        self.fields["allow_duplicate"] = forms.BooleanField(
            label=_("It is a different person: add it anyway"),
            required=False,
            widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
        )

    def contact_fields(self) -> dict[str, Any]:
        """The cleaned values the service takes."""
        return {name: self.cleaned_data[name] for name in CONTACT_FORM_FIELDS}


class OfferContactForm(forms.Form):
    """One of the account's contacts, to add to (or remove from) an offer."""

    contact_id = forms.UUIDField()
