"""Forms of activities: log a call, plan a meeting, plan or log any activity, change one.

One form class; a *mode* says which fields it shows:

- ``call``: log a call that happened (kind call, status done, at "now" by default);
- ``meeting``: plan a meeting (kind meeting, status planned, with a start time);
- ``new``: the page /activities/new/ (any kind, planned or done, with a record picker);
- ``edit``: change an activity (carries its ``version``).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from pydantic import Field

from smartcrm.activities.choices import ActivityKind, ActivityStatus
from smartcrm.activities.filters import ActivityFilters
from smartcrm.activities.models import Activity
from smartcrm.contacts.models import Contact
from smartcrm.core.models import Membership, Organization
from smartcrm.web.dialogs import overdue_cutoff, start_of_day
from smartcrm.web.forms import DateTimeInput, StyledForm

MODES = ("call", "meeting", "new", "edit")
PARENT_KINDS = ("prospect", "account", "offer")

# The reminder choice: "" leaves the organisation's default; "none" switches it off.
REMINDER_CHOICES = [
    ("", _("As usual")),
    ("none", _("No reminder")),
    ("0", _("At the start")),
    ("15", _("15 minutes before")),
    ("30", _("30 minutes before")),
    ("60", _("1 hour before")),
    ("1440", _("1 day before")),
]

FIELDS_BY_MODE: dict[str, tuple[str, ...]] = {
    "call": ("subject", "start_at", "description", "outcome", "participant_ids"),
    "meeting": (
        "subject",
        "start_at",
        "end_at",
        "location",
        "description",
        "participant_ids",
        "reminder",
    ),
    "new": (
        "parent",
        "kind",
        "status",
        "subject",
        "start_at",
        "end_at",
        "location",
        "description",
        "outcome",
        "owner_id",
        "reminder",
    ),
    "edit": (
        "kind",
        "subject",
        "start_at",
        "end_at",
        "location",
        "description",
        "outcome",
        "owner_id",
        "participant_ids",
        "reminder",
        "version",
    ),
}


def member_choices(org: Organization) -> list[tuple[str, str]]:
    """The organisation's active members, to own an activity or take a task."""
    members = (
        Membership.objects.filter(organization=org, is_active=True, user__is_active=True)
        .select_related("user")
        .order_by("user__first_name", "user__last_name", "user__email")
    )
    return [
        (str(member.user_id), member.user.get_full_name() or member.user.email)
        for member in members
    ]


class ParentPicker(forms.Widget):
    """A search box whose hits (prospects, accounts, offers) are radio buttons to choose from.

    The chosen record shows as a checked radio labelled ``attrs["data-label"]``."""

    template_name = "activities/widgets/parent_picker.html"

    def __init__(self, attrs: dict[str, Any] | None = None, *, required: bool = True) -> None:
        super().__init__(attrs)
        self.required = required

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        if isinstance(value, tuple):
            value = f"{value[0]}:{value[1]}"
        context["widget"]["value"] = value or ""
        context["widget"]["chosen_label"] = self.attrs.get("data-label", "")
        context["widget"]["search_url"] = reverse("activities:parent-search")
        context["widget"]["optional"] = not self.required
        return context

    def use_required_attribute(self, initial: Any) -> bool:
        return False


class ParentField(forms.CharField):
    """A record chosen in the picker: "prospect:<uuid>", "account:<uuid>" or "offer:<uuid>"."""

    def __init__(self, *, required: bool = True, **kwargs: Any) -> None:
        kwargs.setdefault("widget", ParentPicker(required=required))
        super().__init__(required=required, **kwargs)

    def to_python(self, value: Any) -> tuple[str, uuid.UUID] | None:  # type: ignore[override]  # a record, not text
        text = super().to_python(value)
        if not text:
            return None
        kind, _sep, raw_id = text.partition(":")
        try:
            record_id = uuid.UUID(raw_id)
        except ValueError:
            raise forms.ValidationError(
                _("Choose a record from the list."), code="invalid"
            ) from None
        if kind not in PARENT_KINDS:
            raise forms.ValidationError(_("Choose a record from the list."), code="invalid")
        return kind, record_id


class ActivityForm(StyledForm):
    """An activity's fields, as the mode shows them."""

    parent = ParentField(label=_("Record"))
    kind = forms.ChoiceField(label=_("Kind"), choices=ActivityKind.choices)
    status = forms.ChoiceField(
        label=_("It is"),
        choices=[
            (ActivityStatus.PLANNED, _("Planned (it will happen)")),
            (ActivityStatus.DONE, _("Done (it happened)")),
        ],
        initial=ActivityStatus.PLANNED,
        widget=forms.RadioSelect,
    )
    subject = forms.CharField(label=_("Subject"), max_length=200)
    start_at = forms.DateTimeField(label=_("Starts at"), widget=DateTimeInput())
    end_at = forms.DateTimeField(label=_("Ends at"), required=False, widget=DateTimeInput())
    location = forms.CharField(label=_("Location"), max_length=200, required=False)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    outcome = forms.CharField(
        label=_("Outcome"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    owner_id = forms.ChoiceField(label=_("Owner"), required=False)
    participant_ids = forms.MultipleChoiceField(
        label=_("Participants"), required=False, widget=forms.CheckboxSelectMultiple
    )
    reminder = forms.ChoiceField(label=_("Reminder"), required=False, choices=REMINDER_CHOICES)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        mode: str,
        org: Organization,
        contacts: QuerySet[Contact] | None = None,
        activity: Activity | None = None,
        parent_label: str = "",
        **kwargs: Any,
    ) -> None:
        assert mode in MODES
        self.mode = mode
        initial = kwargs.pop("initial", None) or {}
        if activity is not None:
            initial = {
                "kind": activity.kind,
                "subject": activity.subject,
                "start_at": timezone.localtime(activity.start_at),
                "end_at": timezone.localtime(activity.end_at) if activity.end_at else None,
                "location": activity.location,
                "description": activity.description,
                "outcome": activity.outcome,
                "owner_id": str(activity.owner_id or ""),
                "participant_ids": [str(contact.pk) for contact in activity.participants.all()],
                "reminder": "none"
                if activity.reminder_minutes is None
                else str(activity.reminder_minutes),
                "version": activity.version,
                **initial,
            }
        elif mode == "call":
            initial = {
                "subject": _("Call"),
                "start_at": timezone.localtime().replace(second=0, microsecond=0),
                **initial,
            }
        super().__init__(*args, initial=initial, **kwargs)
        for name in list(self.fields):
            if name not in FIELDS_BY_MODE[mode]:
                del self.fields[name]
        if mode == "call":
            self.fields["start_at"].label = _("When")
            self.fields["description"].label = _("What was said")
        if "owner_id" in self.fields:
            owner = self.fields["owner_id"]
            assert isinstance(owner, forms.ChoiceField)
            owner.choices = [("", "—"), *member_choices(org)]
        if "participant_ids" in self.fields:
            participants = self.fields["participant_ids"]
            assert isinstance(participants, forms.MultipleChoiceField)
            participants.choices = [
                (str(contact.pk), contact.full_name)
                for contact in (contacts if contacts is not None else Contact.objects.none())
            ]
            if not participants.choices:
                del self.fields["participant_ids"]
        if mode == "edit" and "reminder" in self.fields:
            # Editing shows the reminder it has ("As usual" would say nothing).
            reminder = self.fields["reminder"]
            assert isinstance(reminder, forms.ChoiceField)
            choices: list[tuple[str, Any]] = [c for c in REMINDER_CHOICES if c[0] != ""]
            minutes = activity.reminder_minutes if activity is not None else None
            if minutes is not None and str(minutes) not in {value for value, _l in choices}:
                label = _("%(minutes)s minutes before") % {"minutes": minutes}
                choices.append((str(minutes), label))
            reminder.choices = choices
        if "parent" in self.fields:
            self.fields["parent"].widget.attrs["data-label"] = parent_label

    def service_fields(self) -> dict[str, Any]:
        """What the services take, from the cleaned values of the fields shown."""
        data = self.cleaned_data
        fields: dict[str, Any] = {}
        for name in ("kind", "subject", "start_at", "end_at", "location", "description"):
            if name in self.fields:
                fields[name] = data[name]
        if "outcome" in self.fields:
            fields["outcome"] = data["outcome"]
        if "owner_id" in self.fields and data.get("owner_id"):
            fields["owner_id"] = data["owner_id"]
        if "participant_ids" in self.fields:
            fields["participant_ids"] = data["participant_ids"]
        if "reminder" in self.fields and data.get("reminder"):
            fields["reminder_minutes"] = (
                None if data["reminder"] == "none" else int(data["reminder"])
            )
        if self.mode == "call":
            fields["kind"] = ActivityKind.CALL
        elif self.mode == "meeting":
            fields["kind"] = ActivityKind.MEETING
        return fields

    def activity_status(self) -> str:
        if self.mode == "call":
            return ActivityStatus.DONE
        if self.mode == "new":
            return str(self.cleaned_data["status"])
        return ActivityStatus.PLANNED


class OutcomeForm(StyledForm):
    """Mark a planned activity done, optionally saying what came of it."""

    outcome = forms.CharField(
        label=_("Outcome"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class ActivityPageFilters(ActivityFilters):
    """The API's filters, and what the page adds: a local date range and "overdue"."""

    date_from: dt.date | None = Field(None, description="From this local day")
    date_to: dt.date | None = Field(None, description="Until this local day, included")
    overdue: bool | None = Field(None, description="Planned, and its day has passed")

    def filter_date_from(self, value: dt.date | None) -> Q:
        return Q(start_at__gte=start_of_day(value)) if value else Q()

    def filter_date_to(self, value: dt.date | None) -> Q:
        return Q(start_at__lt=start_of_day(value + dt.timedelta(days=1))) if value else Q()

    def filter_overdue(self, value: bool | None) -> Q:
        late = Q(status=ActivityStatus.PLANNED, start_at__lt=overdue_cutoff())
        if value is None:
            return Q()
        return late if value else ~late
