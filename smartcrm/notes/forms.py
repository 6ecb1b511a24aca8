"""Forms of the notes section: write or change a note."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from smartcrm.notes.models import Note
from smartcrm.web.forms import StyledForm


class NoteForm(StyledForm):
    """The text of a note; ``version`` guards an edit against someone else's meanwhile."""

    body = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 6}))
    pinned = forms.BooleanField(label=_("Pin it to the top"), required=False)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, note: Note | None = None, **kwargs: Any) -> None:
        if note is not None:
            kwargs.setdefault(
                "initial", {"body": note.body, "pinned": note.pinned, "version": note.version}
            )
        super().__init__(*args, **kwargs)
