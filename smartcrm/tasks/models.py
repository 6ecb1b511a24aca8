"""Things to do, delegated to a user, on at most one prospect, account or offer."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import DateTimeField, F, Q
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from smartcrm.core.choices import Priority
from smartcrm.core.expressions import Constant
from smartcrm.core.registry import parent_constraint
from smartcrm.tasks.choices import OPEN_TASK_STATUSES, TaskStatus
from smartcrm.trash.models import Trashable, trash_index

# Where a task without a due time sorts: after every dated one.
NO_DUE_TIME = dt.datetime(9999, 12, 31, tzinfo=dt.UTC)


def due_sort() -> Coalesce:
    """The lists' order by due time, tasks without one last (what their index serves)."""
    return Coalesce("due_at", Constant(NO_DUE_TIME, output_field=DateTimeField()))


class Task(Trashable):
    """A task with an assignee, a due time and a reminder; may stand alone."""

    # Whose own a task is (core.scopes): its assignee's, and the member who delegated it.
    HOLDER_FIELDS: ClassVar[tuple[str, ...]] = ("assignee", "created_by")
    # In the view scope (core.models.held_by), also the records' children of a record one owns.
    HELD_THROUGH: ClassVar[tuple[str, ...]] = ("prospect", "account", "offer")

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=TaskStatus.choices, default=TaskStatus.OPEN
    )
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority.choices, default=Priority.MEDIUM
    )
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    remind_at = models.DateTimeField(_("remind at"), null=True, blank=True)
    # When the reminder went out; cleared when the reminder moves, so it fires again then.
    reminder_sent_at = models.DateTimeField(
        _("reminder sent at"), null=True, blank=True, editable=False
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assignee"),
    )
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True, editable=False)
    prospect = models.ForeignKey(
        "sales.Prospect", on_delete=models.CASCADE, null=True, blank=True, related_name="tasks"
    )
    account = models.ForeignKey(
        "sales.Account", on_delete=models.CASCADE, null=True, blank=True, related_name="tasks"
    )
    offer = models.ForeignKey(
        "sales.Offer", on_delete=models.CASCADE, null=True, blank=True, related_name="tasks"
    )

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["due_at", "created_at"]
        constraints = [
            parent_constraint(
                name="task_at_most_one_parent",
                fields=("prospect", "account", "offer"),
                required=False,
            ),
            models.CheckConstraint(
                condition=Q(status__in=TaskStatus.values), name="task_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(status=TaskStatus.DONE, completed_at__isnull=False)
                | (~Q(status=TaskStatus.DONE) & Q(completed_at__isnull=True)),
                name="task_done_has_completion_time",
            ),
        ]
        indexes = [
            models.Index(
                fields=["organization", "assignee", "status", "due_at"],
                name="task_org_assignee_idx",
            ),
            models.Index(fields=["organization", "status", "due_at"], name="task_org_status_idx"),
            # The list's default order, for keyset pages.
            models.Index(F("organization"), due_sort(), F("id"), name="task_org_due_sort_idx"),
            # Open tasks only (most lists, the dashboard): the team's, and one member's; live
            # ones only, so that counts still read the index alone.
            models.Index(
                F("organization"),
                due_sort(),
                F("id"),
                name="task_open_due_idx",
                condition=Q(status__in=OPEN_TASK_STATUSES, trash__isnull=True),
            ),
            models.Index(
                F("organization"),
                F("assignee"),
                due_sort(),
                F("id"),
                F("due_at"),  # the column too: counts read the index alone
                name="task_open_assignee_due_idx",
                condition=Q(status__in=OPEN_TASK_STATUSES, trash__isnull=True),
            ),
            models.Index(
                fields=["remind_at"], name="task_remind_idx", condition=Q(remind_at__isnull=False)
            ),
            trash_index("task"),
        ]

    def __str__(self) -> str:
        return self.title
