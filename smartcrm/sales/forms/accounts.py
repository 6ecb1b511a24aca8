"""Forms of the account pages (the identity fields are shared with prospects)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from smartcrm.core.choices import PartyKind
from smartcrm.sales.forms.prospects import IdentityForm


class AccountForm(IdentityForm):
    """An account: the customer's name and identity, its industry and owner."""

    field_order = ["kind", "name", "industry", "owner_id"]

    kind = forms.ChoiceField(label=_("Kind"), choices=PartyKind.choices, initial=PartyKind.COMPANY)
    name = forms.CharField(label=_("Name"), max_length=200)
    industry = forms.CharField(label=_("Industry"), max_length=100, required=False)
