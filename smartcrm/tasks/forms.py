"""Forms of tasks: create one (on a record, or standing alone), change it, delegate it.

Modes: ``section`` (the dialog of a record page: the record is known), ``new`` (the page
/tasks/new/, with an optional record picker) and ``edit`` (carries the ``version``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from pydantic import Field

from smartcrm.activities.forms import ParentField, member_choices
from smartcrm.core.choices import Priority
from smartcrm.core.models import Organization
from smartcrm.tasks.choices import OPEN_TASK_STATUSES
from smartcrm.tasks.filters import TaskFilters
from smartcrm.tasks.models import Task
from smartcrm.web.dialogs import overdue_cutoff, start_of_day
from smartcrm.web.forms import DateTimeInput, StyledForm

MODES = ("section", "new", "edit")

# When the reminder goes out, in minutes before the due time ("" on create: at the due time;
# on edit: as it is).
REMINDER_CHOICES = [
    ("0", _("At the due time")),
    ("15", _("15 minutes before")),
    ("60", _("1 hour before")),
    ("1440", _("1 day before")),
]

FIELDS_BY_MODE: dict[str, tuple[str, ...]] = {
    "section": ("title", "description", "priority", "due_at", "reminder", "assignee_id"),
    "new": ("parent", "title", "description", "priority", "due_at", "reminder", "assignee_id"),
    "edit": ("title", "description", "priority", "due_at", "reminder", "assignee_id", "version"),
}


class TaskForm(StyledForm):
    """A task's fields, as the mode shows them."""

    parent = ParentField(label=_("Record (optional)"), required=False)
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    priority = forms.ChoiceField(
        label=_("Priority"), choices=Priority.choices, initial=Priority.MEDIUM
    )
    due_at = forms.DateTimeField(label=_("Due"), required=False, widget=DateTimeInput())
    reminder = forms.ChoiceField(label=_("Reminder"), required=False, choices=REMINDER_CHOICES)
    assignee_id = forms.ChoiceField(label=_("Assigned to"))
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        mode: str,
        org: Organization,
        task: Task | None = None,
        parent_label: str = "",
        **kwargs: Any,
    ) -> None:
        assert mode in MODES
        self.mode = mode
        initial = kwargs.pop("initial", None) or {}
        if task is not None:
            initial = {
                "title": task.title,
                "description": task.description,
                "priority": task.priority,
                "due_at": timezone.localtime(task.due_at) if task.due_at else None,
                "assignee_id": str(task.assignee_id or ""),
                "version": task.version,
                **initial,
            }
        super().__init__(*args, initial=initial, **kwargs)
        for name in list(self.fields):
            if name not in FIELDS_BY_MODE[mode]:
                del self.fields[name]
        assignee = self.fields["assignee_id"]
        assert isinstance(assignee, forms.ChoiceField)
        assignee.choices = member_choices(org)
        if mode == "edit":
            reminder = self.fields["reminder"]
            assert isinstance(reminder, forms.ChoiceField)
            reminder.choices = [("", _("As it is")), *REMINDER_CHOICES]
            reminder.help_text = self._reminder_help(task)
        if "parent" in self.fields:
            self.fields["parent"].widget.attrs["data-label"] = parent_label

    @staticmethod
    def _reminder_help(task: Task | None) -> str:
        if task is None or task.remind_at is None:
            return str(_("No reminder is set."))
        when = date_format(timezone.localtime(task.remind_at), "SHORT_DATETIME_FORMAT")
        return str(_("The reminder is set for %(when)s.") % {"when": when})

    def service_fields(self) -> dict[str, Any]:
        """What the services take, from the cleaned values of the fields shown."""
        data = self.cleaned_data
        fields: dict[str, Any] = {
            name: data[name]
            for name in ("title", "description", "priority", "due_at", "assignee_id")
        }
        if data.get("reminder") not in (None, "") and data.get("due_at") is not None:
            fields["remind_before_minutes"] = int(data["reminder"])
        return fields


class AssignForm(StyledForm):
    """Delegate a task to another member."""

    assignee_id = forms.ChoiceField(label=_("Give the task to"))
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, org: Organization, task: Task, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial", {"assignee_id": str(task.assignee_id or ""), "version": task.version}
        )
        super().__init__(*args, **kwargs)
        assignee = self.fields["assignee_id"]
        assert isinstance(assignee, forms.ChoiceField)
        assignee.choices = member_choices(org)


class TaskPageFilters(TaskFilters):
    """The API's filters, and what the pages add: open/closed/all, overdue, a local due range."""

    show: Literal["open", "closed", "all"] = Field(
        "open", description="open (open or in progress, the default), closed, or all"
    )
    overdue: bool | None = Field(None, description="Open, and due before today")
    due_from: dt.date | None = Field(None, description="Due from this local day")
    due_to: dt.date | None = Field(None, description="Due until this local day, included")

    def filter_show(self, value: str) -> Q:
        if self.status or value == "all":
            return Q()  # a chosen status says it all
        if value == "closed":
            return ~Q(status__in=OPEN_TASK_STATUSES)
        return Q(status__in=OPEN_TASK_STATUSES)

    def filter_overdue(self, value: bool | None) -> Q:
        late = Q(status__in=OPEN_TASK_STATUSES, due_at__lt=overdue_cutoff())
        if value is None:
            return Q()
        return late if value else ~late

    def filter_due_from(self, value: dt.date | None) -> Q:
        return Q(due_at__gte=start_of_day(value)) if value else Q()

    def filter_due_to(self, value: dt.date | None) -> Q:
        return Q(due_at__lt=start_of_day(value + dt.timedelta(days=1))) if value else Q()
