"""The merge form: which record survives, and per field which record's value stays."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from smartcrm.web.forms import StyledForm


class MergeForm(StyledForm, forms.Form):
    survivor = forms.ChoiceField(
        label=_("Record that stays"),
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, records: list[Any], fields: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(str(record.pk), str(record)) for record in records]
        survivor = self.fields["survivor"]
        assert isinstance(survivor, forms.ChoiceField)
        survivor.choices = choices
        self.merge_fields = fields
        for name in fields:
            self.fields[f"keep_{name}"] = forms.ChoiceField(
                choices=choices,
                widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
                required=False,
            )

    def keep(self) -> dict[str, str]:
        """Per field, the record whose value the user chose."""
        return {
            name: self.cleaned_data[f"keep_{name}"]
            for name in self.merge_fields
            if self.cleaned_data.get(f"keep_{name}")
        }
