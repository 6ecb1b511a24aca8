"""How many statements creating a task costs, per database (counted inside the test's
transaction: the service's savepoint and its release are two of them)."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.utils import timezone

from smartcrm.sales.tests.factories import ProspectFactory
from smartcrm.tasks.services import task_create

# Each write also inserts its audit log event: one statement more.
# membership, the prospect read, INSERT task, its search row, its reminder queued
# (+ savepoint, release)
TASK_CREATE = {"sqlite": 8, "postgresql": 8}
# given to a colleague: their membership and user row checked, and they are notified (the
# user read, in a savepoint: their membership, INSERT notification, their preferences, the
# e-mail job)
TASK_CREATE_DELEGATED = {"sqlite": 17, "postgresql": 17}


def test_creating_a_task_for_oneself_counts_its_statements(org, owner, django_assert_num_queries):
    prospect = ProspectFactory.create(org=org, user=owner)
    due = timezone.now() + dt.timedelta(days=1)
    with django_assert_num_queries(TASK_CREATE[connection.vendor]):
        task = task_create(
            org=org, user=owner, title="Sună clientul", prospect_id=prospect.pk, due_at=due
        )
    assert (task.assignee_id, task.remind_at) == (owner.pk, due)


def test_giving_a_task_to_a_colleague_checks_and_tells_them(
    org, owner, sales_user, django_assert_num_queries
):
    prospect = ProspectFactory.create(org=org, user=owner)
    due = timezone.now() + dt.timedelta(days=1)
    with django_assert_num_queries(TASK_CREATE_DELEGATED[connection.vendor]):
        task = task_create(
            org=org,
            user=owner,
            title="Sună clientul",
            prospect_id=prospect.pk,
            due_at=due,
            assignee_id=sales_user.pk,
        )
    assert task.assignee_id == sales_user.pk
