"""Forms of the notifications pages: e-mail per kind, the daily agenda."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from smartcrm.notifications.choices import NotificationKind
from smartcrm.web.forms import StyledForm

EMAIL_HELP = {
    NotificationKind.TASK_ASSIGNED: _("Someone gives me a task."),
    NotificationKind.REMINDER: _("A task or activity of mine is due (its reminder)."),
    NotificationKind.OFFER_ACCEPTED: _("A client accepts one of my offers online."),
    NotificationKind.OFFER_DECLINED: _("A client declines one of my offers online."),
    NotificationKind.MENTION: _("Someone mentions me (@name) in a note."),
}


class EmailPreferencesForm(StyledForm, forms.Form):
    """One box per kind of notification: also send it by e-mail."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for kind in NotificationKind:
            self.fields[kind.value] = forms.BooleanField(
                label=kind.label, required=False, help_text=EMAIL_HELP.get(kind, "")
            )
        # StyledForm styles the fields it found at construction; style the new ones too.
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-check-input")

    def email_choices(self) -> dict[str, bool]:
        return {kind: bool(self.cleaned_data.get(kind)) for kind in NotificationKind.values}


class DailyAgendaForm(StyledForm, forms.Form):
    enabled = forms.BooleanField(
        label=_("E-mail me a daily agenda"),
        required=False,
        help_text=_("Today's planned activities, tasks due today and overdue tasks."),
    )
    send_at = forms.TimeField(
        label=_("At (local time)"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
