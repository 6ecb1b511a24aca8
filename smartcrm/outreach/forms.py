"""The client's two forms on the public offer page."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from smartcrm.outreach import services


class AcceptForm(forms.Form):
    name = forms.CharField(
        label=_("Your name"),
        max_length=services.NAME_LENGTH,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    note = forms.CharField(
        label=_("Note (optional)"),
        required=False,
        max_length=services.NOTE_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you decline the offer?"),
        max_length=services.REASON_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    name = forms.CharField(
        label=_("Your name (optional)"),
        required=False,
        max_length=services.NAME_LENGTH,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
