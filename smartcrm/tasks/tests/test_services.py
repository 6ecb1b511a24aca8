"""Tasks: create (on a record or alone), delegate, move through statuses, complete."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from smartcrm.core.choices import Priority
from smartcrm.core.errors import Conflict, NotFound, StaleVersion, ValidationFailed
from smartcrm.core.modules import Module
from smartcrm.core.services import organization_set_modules
from smartcrm.sales.tests.factories import AccountFactory, OfferFactory, ProspectFactory
from smartcrm.tasks.choices import TaskStatus
from smartcrm.tasks.models import Task
from smartcrm.tasks.services import (
    task_assign,
    task_complete,
    task_create,
    task_delete,
    task_set_status,
    task_update,
)

FRIDAY_17 = dt.datetime(2026, 3, 13, 17, 0, tzinfo=dt.UTC)
FRIDAY_9 = dt.datetime(2026, 3, 13, 9, 0, tzinfo=dt.UTC)

# --- Creating -------------------------------------------------------------------------


def test_standalone_task_is_created_assigned_to_its_creator(org, owner):
    # given an organisation
    # when a task is created without a record
    task = task_create(org=org, user=owner, title="Pregătește raportul lunar")

    # then it stands alone, open, assigned to the one who created it
    stored = Task.objects.get(pk=task.pk)
    assert (stored.prospect_id, stored.account_id, stored.offer_id) == (None, None, None)
    assert (stored.status, stored.assignee_id, stored.completed_at) == (
        TaskStatus.OPEN,
        owner.pk,
        None,
    )
    assert (stored.organization_id, stored.version) == (org.pk, 1)


def test_task_is_created_on_an_offer(org, owner):
    # given an offer
    account = AccountFactory.create(org=org, user=owner)
    offer = OfferFactory.create(org=org, user=owner, account_id=account.pk)

    # when a task is created on it
    task = task_create(org=org, user=owner, title="Trimite oferta", offer_id=offer.pk)

    # then it hangs on the offer only
    stored = Task.objects.get(pk=task.pk)
    assert (stored.prospect_id, stored.account_id, stored.offer_id) == (None, None, offer.pk)


def test_task_with_two_parents_is_refused(org, owner):
    # given a prospect and an account
    prospect = ProspectFactory.create(org=org, user=owner)
    account = AccountFactory.create(org=org, user=owner)

    # when a task is put on both
    with pytest.raises(ValidationFailed) as raised:
        task_create(
            org=org, user=owner, title="Sună", prospect_id=prospect.pk, account_id=account.pk
        )

    # then both are named and nothing is stored
    assert raised.value.field == "prospect_id"
    assert [issue.field for issue in raised.value.issues] == ["prospect_id", "account_id"]
    assert Task.objects.count() == 0


def test_task_reminder_defaults_to_its_due_time(org, owner):
    # given an organisation
    # when a task is due Friday 17:00 with no reminder given
    task = task_create(org=org, user=owner, title="Sună clientul", due_at=FRIDAY_17)

    # then the reminder is at the due time
    stored = Task.objects.get(pk=task.pk)
    assert (stored.due_at, stored.remind_at) == (FRIDAY_17, FRIDAY_17)


def test_task_reminder_given_is_kept(org, owner):
    # given an organisation
    # when a task is due Friday 17:00 with a reminder Friday 9:00
    task = task_create(org=org, user=owner, title="Sună", due_at=FRIDAY_17, remind_at=FRIDAY_9)

    # then the reminder is the one given
    assert Task.objects.get(pk=task.pk).remind_at == FRIDAY_9


def test_task_without_due_time_has_no_reminder(org, owner):
    # given an organisation
    # when a task has no due time
    task = task_create(org=org, user=owner, title="Cândva")

    # then it has no reminder either
    assert Task.objects.get(pk=task.pk).remind_at is None


def test_task_created_for_another_member(org, owner, sales_user):
    # given a sales user in the organisation
    # when the owner creates a task for them, high priority
    task = task_create(
        org=org, user=owner, title="Vizită", assignee_id=sales_user.pk, priority=Priority.HIGH
    )

    # then it is theirs
    stored = Task.objects.get(pk=task.pk)
    assert (stored.assignee_id, stored.created_by_id, stored.priority) == (
        sales_user.pk,
        owner.pk,
        Priority.HIGH,
    )


def test_task_created_for_user_of_another_organisation_is_refused(org, owner, other_owner):
    # given a user of another organisation
    # when a task is created for them
    with pytest.raises(ValidationFailed) as raised:
        task_create(org=org, user=owner, title="Vizită", assignee_id=other_owner.pk)

    # then the assignee is named and nothing is stored
    assert raised.value.field == "assignee_id"
    assert Task.objects.count() == 0


def test_task_without_title_is_refused(org, owner):
    # given an organisation
    # when a task's title is only blanks
    with pytest.raises(ValidationFailed) as raised:
        task_create(org=org, user=owner, title="  ")

    # then the title is required and nothing is stored
    assert raised.value.field == "title"
    assert raised.value.code == "blank"
    assert Task.objects.count() == 0


def test_task_on_record_of_another_organisation_is_not_found(org, owner, other_org, other_owner):
    # given a prospect of another organisation
    foreign = ProspectFactory.create(org=other_org, user=other_owner)

    # when we create a task on it
    with pytest.raises(ValidationFailed) as raised:
        task_create(org=org, user=owner, title="Sună", prospect_id=foreign.pk)

    # then it does not exist for us
    assert raised.value.field == "prospect_id"
    assert raised.value.code == "not_found"
    assert Task.objects.count() == 0


# --- Delegating and editing -----------------------------------------------------------


def test_task_is_assigned_to_another_member(org, owner, sales_user):
    # given the owner's task
    task = task_create(org=org, user=owner, title="Vizită")

    # when it is delegated to a sales user
    task_assign(org=org, user=owner, task_id=task.pk, assignee_id=sales_user.pk, version=1)

    # then the sales user has it, at a new version
    task.refresh_from_db()
    assert (task.assignee_id, task.version) == (sales_user.pk, 2)


def test_task_assigned_to_user_of_another_organisation_changes_nothing(org, owner, other_owner):
    # given the owner's task
    task = task_create(org=org, user=owner, title="Vizită")

    # when it is delegated to a user of another organisation
    with pytest.raises(ValidationFailed) as raised:
        task_assign(org=org, user=owner, task_id=task.pk, assignee_id=other_owner.pk)

    # then the assignee is named and the task is still the owner's
    assert raised.value.field == "assignee_id"
    assert raised.value.code == "invalid"
    task.refresh_from_db()
    assert (task.assignee_id, task.version) == (owner.pk, 1)


def test_task_assigned_to_malformed_id_is_refused(org, owner):
    # given the owner's task
    task = task_create(org=org, user=owner, title="Vizită")

    # when it is delegated to an id that is not a UUID
    with pytest.raises(ValidationFailed) as raised:
        task_assign(org=org, user=owner, task_id=task.pk, assignee_id="cineva")

    # then it is a field error, not a crash, and nothing changed
    assert raised.value.field == "assignee_id"
    task.refresh_from_db()
    assert task.assignee_id == owner.pk


def test_task_update_with_stale_version_changes_nothing(org, owner):
    # given a task renamed once (version 2)
    task = task_create(org=org, user=owner, title="Prima")
    task_update(org=org, user=owner, task_id=task.pk, version=1, title="A doua")

    # when someone holding version 1 renames it
    with pytest.raises(StaleVersion) as raised:
        task_update(org=org, user=owner, task_id=task.pk, version=1, title="A treia")

    # then it is refused and the first rename stands
    assert raised.value.field == "version"
    assert raised.value.code == "stale_version"
    task.refresh_from_db()
    assert (task.title, task.version) == ("A doua", 2)


def test_task_status_cannot_be_set_by_update(org, owner):
    # given an open task
    task = task_create(org=org, user=owner, title="Vizită")

    # when an update sets its status directly
    with pytest.raises(ValidationFailed) as raised:
        task_update(org=org, user=owner, task_id=task.pk, status=TaskStatus.DONE)

    # then the status is read-only there and the task is still open
    assert raised.value.field == "status"
    assert raised.value.code == "read_only"
    task.refresh_from_db()
    assert (task.status, task.completed_at) == (TaskStatus.OPEN, None)


# --- Status ---------------------------------------------------------------------------


def test_task_complete_sets_completion_time(org, owner):
    # given an open task
    task = task_create(org=org, user=owner, title="Vizită")
    before = timezone.now()

    # when it is completed
    task_complete(org=org, user=owner, task_id=task.pk, version=1)

    # then it is done now, at a new version
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE
    assert task.completed_at is not None
    assert before <= task.completed_at <= timezone.now()
    assert task.version == 2


def test_task_goes_open_in_progress_done(org, owner):
    # given an open task
    task = task_create(org=org, user=owner, title="Vizită")

    # when it is started, then finished
    task_set_status(org=org, user=owner, task_id=task.pk, status=TaskStatus.IN_PROGRESS)
    task.refresh_from_db()
    started = (task.status, task.completed_at)
    task_set_status(org=org, user=owner, task_id=task.pk, status=TaskStatus.DONE)

    # then it was in progress without completion time, and is now done with one
    assert started == (TaskStatus.IN_PROGRESS, None)
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE
    assert task.completed_at is not None
    assert task.version == 3


def test_done_task_is_reopened_and_loses_its_completion_time(org, owner):
    # given a done task
    task = task_create(org=org, user=owner, title="Vizită")
    task_complete(org=org, user=owner, task_id=task.pk)

    # when it is reopened
    task_set_status(org=org, user=owner, task_id=task.pk, status=TaskStatus.OPEN, version=2)

    # then it is open with no completion time
    task.refresh_from_db()
    assert (task.status, task.completed_at, task.version) == (TaskStatus.OPEN, None, 3)


def test_done_task_cannot_go_to_in_progress(org, owner):
    # given a done task
    task = task_create(org=org, user=owner, title="Vizită")
    task_complete(org=org, user=owner, task_id=task.pk)
    task.refresh_from_db()
    completed_at = task.completed_at

    # when it is set to in progress
    with pytest.raises(Conflict) as raised:
        task_set_status(org=org, user=owner, task_id=task.pk, status=TaskStatus.IN_PROGRESS)

    # then the transition is illegal and the task is unchanged
    assert raised.value.field == "status"
    assert raised.value.code == "illegal_transition"
    task.refresh_from_db()
    assert (task.status, task.completed_at, task.version) == (TaskStatus.DONE, completed_at, 2)


def test_canceled_task_cannot_be_completed(org, owner):
    # given a canceled task
    task = task_create(org=org, user=owner, title="Vizită")
    task_set_status(org=org, user=owner, task_id=task.pk, status=TaskStatus.CANCELED)

    # when it is completed
    with pytest.raises(Conflict) as raised:
        task_complete(org=org, user=owner, task_id=task.pk)

    # then it is refused and stays canceled
    assert raised.value.code == "illegal_transition"
    task.refresh_from_db()
    assert (task.status, task.completed_at, task.version) == (TaskStatus.CANCELED, None, 2)


def test_canceled_task_is_reopened(org, owner):
    # given a canceled task
    task = task_create(org=org, user=owner, title="Vizită")
    task_set_status(org=org, user=owner, task_id=task.pk, status=TaskStatus.CANCELED)

    # when it is reopened
    task_set_status(org=org, user=owner, task_id=task.pk, status=TaskStatus.OPEN)

    # then it is open
    task.refresh_from_db()
    assert (task.status, task.completed_at) == (TaskStatus.OPEN, None)


def test_unknown_task_status_is_refused(org, owner):
    # given an open task
    task = task_create(org=org, user=owner, title="Vizită")

    # when it is set to a status that does not exist
    with pytest.raises(ValidationFailed) as raised:
        task_set_status(org=org, user=owner, task_id=task.pk, status="blocked")

    # then the status is named and nothing changed
    assert raised.value.field == "status"
    assert raised.value.code == "invalid_status"
    task.refresh_from_db()
    assert (task.status, task.version) == (TaskStatus.OPEN, 1)


def test_task_complete_with_stale_version_changes_nothing(org, owner):
    # given a task renamed once (version 2)
    task = task_create(org=org, user=owner, title="Prima")
    task_update(org=org, user=owner, task_id=task.pk, title="A doua")

    # when someone holding version 1 completes it
    with pytest.raises(StaleVersion):
        task_complete(org=org, user=owner, task_id=task.pk, version=1)

    # then it is still open
    task.refresh_from_db()
    assert (task.status, task.completed_at, task.version) == (TaskStatus.OPEN, None, 2)


# --- Deleting, tenancy, module switch -------------------------------------------------


def test_task_delete_removes_it(org, owner):
    # given two tasks
    task = task_create(org=org, user=owner, title="De șters")
    kept = task_create(org=org, user=owner, title="De păstrat")

    # when one is deleted
    task_delete(org=org, user=owner, task_id=task.pk, version=1)

    # then only the other remains
    assert list(Task.objects.values_list("pk", flat=True)) == [kept.pk]


def test_task_of_another_organisation_is_not_found(org, owner, other_org, other_owner):
    # given a task of another organisation
    foreign = task_create(org=other_org, user=other_owner, title="Secret")

    # when we complete it, and delete it
    with pytest.raises(NotFound) as completing:
        task_complete(org=org, user=owner, task_id=foreign.pk)
    with pytest.raises(NotFound) as deleting:
        task_delete(org=org, user=owner, task_id=foreign.pk)

    # then it does not exist for us and is unchanged
    assert (completing.value.code, deleting.value.code) == ("not_found", "not_found")
    foreign.refresh_from_db()
    assert (foreign.status, foreign.version) == (TaskStatus.OPEN, 1)


def test_tasks_module_switched_off_refuses_tasks_and_keeps_them(org, owner):
    # given a task, then the tasks module switched off
    task = task_create(org=org, user=owner, title="Vizită")
    organization_set_modules(
        org=org, user=owner, enabled=[Module.CATALOG, Module.ACTIVITIES, Module.NOTES]
    )

    # when a task is created, and the existing one completed
    with pytest.raises(NotFound) as creating:
        task_create(org=org, user=owner, title="Alta")
    with pytest.raises(NotFound) as completing:
        task_complete(org=org, user=owner, task_id=task.pk)

    # then both are refused as switched off, and the existing task is stored as it was
    assert (creating.value.code, completing.value.code) == ("module_disabled", "module_disabled")
    assert list(Task.objects.values_list("pk", flat=True)) == [task.pk]
    task.refresh_from_db()
    assert (task.status, task.version) == (TaskStatus.OPEN, 1)
