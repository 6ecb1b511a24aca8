"""Reads of tasks."""

from __future__ import annotations

from django.db.models import QuerySet

from smartcrm.core.models import Organization, User
from smartcrm.tasks.choices import OPEN_TASK_STATUSES
from smartcrm.tasks.models import Task, due_sort


def open_tasks_of(*, org: Organization, user: User) -> QuerySet[Task]:
    """The user's open tasks, most urgent first (those without a due time last), annotated
    with ``due_sort``: an index of the open tasks serves this order and a range of it."""
    return (
        Task.objects.for_org(org)
        .filter(assignee=user, status__in=OPEN_TASK_STATUSES)
        .select_related("prospect", "account", "offer")
        .annotate(due_sort=due_sort())
        .order_by("due_sort", "id")
    )
