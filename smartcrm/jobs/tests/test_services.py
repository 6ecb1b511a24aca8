"""Failed jobs in an admin's hands: retried once, discarded, each organisation's own."""

from __future__ import annotations

import importlib
import pkgutil

import pytest
from django_tasks import TaskResultStatus
from django_tasks.base import Task
from django_tasks_db.models import DBTaskResult

import smartcrm
from smartcrm.core.errors import Conflict, Forbidden, NotFound
from smartcrm.core.job_owners import job_kind, job_kinds
from smartcrm.jobs import selectors, services
from smartcrm.jobs.tests.factories import failed_email_job, run_worker_with_mail_refused
from smartcrm.notifications.models import Notification
from smartcrm.notifications.tests.helpers import run_worker

pytestmark = pytest.mark.django_db


def test_the_failed_list_shows_the_organisations_own_jobs_with_error_and_attempts(
    org, owner, other_org, other_owner
):
    ours = failed_email_job(org, owner)
    failed_email_job(other_org, other_owner, title="Beta")

    (listed,) = selectors.failed_job_list(org=org)

    assert (listed.id, listed.label, listed.attempts) == (ours.pk, "Notification e-mail", 1)
    assert listed.error == "smtplib.SMTPDataError: (554, b'5.7.1 Message rejected by policy')"
    notification = Notification.objects.get(organization=org)
    assert listed.record_id == notification.pk
    assert len(selectors.failed_job_list(org=None)) == 2  # the operator sees both


def test_a_retried_job_runs_once_more_and_succeeds(org, owner, smtp_inbox):
    job = failed_email_job(org, owner)

    retried = services.job_retry(org=org, user=owner, job_id=job.pk)
    run_worker()

    assert retried.status == TaskResultStatus.READY
    job.refresh_from_db()
    assert (job.status, job.return_value, len(job.worker_ids)) == ("SUCCESSFUL", "sent", 2)
    assert smtp_inbox.subjects() == ["Sună la Carpați Trans"]
    assert selectors.failed_job_list(org=org) == []


def test_a_retried_job_that_fails_again_stays_failed_and_is_not_retried_by_itself(org, owner):
    job = failed_email_job(org, owner)

    services.job_retry(org=org, user=owner, job_id=job.pk)
    run_worker_with_mail_refused()

    assert DBTaskResult.objects.count() == 1  # no automatic retry queued
    (listed,) = selectors.failed_job_list(org=org)
    assert (listed.id, listed.attempts) == (job.pk, 2)


def test_a_job_retried_twice_is_queued_once(org, owner):
    job = failed_email_job(org, owner)
    services.job_retry(org=org, user=owner, job_id=job.pk)

    with pytest.raises(Conflict) as refused:
        services.job_retry(org=org, user=owner, job_id=job.pk)

    assert (refused.value.field, refused.value.code) == ("job_id", "not_failed")
    assert "this one is queued" in refused.value.message
    assert DBTaskResult.objects.get(pk=job.pk).status == TaskResultStatus.READY


def test_a_discarded_job_is_gone(org, owner):
    job = failed_email_job(org, owner)

    services.job_discard(org=org, user=owner, job_id=job.pk)

    assert not DBTaskResult.objects.filter(pk=job.pk).exists()


def test_another_organisations_job_is_not_found_and_stays_failed(
    org, owner, other_org, other_owner
):
    theirs = failed_email_job(other_org, other_owner)

    for act in (services.job_retry, services.job_discard):
        with pytest.raises(NotFound) as refused:
            act(org=org, user=owner, job_id=theirs.pk)
        assert refused.value.field == "job_id"

    assert DBTaskResult.objects.get(pk=theirs.pk).status == TaskResultStatus.FAILED


def test_a_sales_user_may_not_retry(org, owner, sales_user):
    job = failed_email_job(org, owner)

    with pytest.raises(Forbidden):
        services.job_retry(org=org, user=sales_user, job_id=job.pk)

    assert DBTaskResult.objects.get(pk=job.pk).status == TaskResultStatus.FAILED


def test_retry_all_queues_every_failed_job_of_the_organisation(org, owner, other_org, other_owner):
    ours = [failed_email_job(org, owner, title=f"Apel {n}") for n in range(2)]
    theirs = failed_email_job(other_org, other_owner)

    retried = services.jobs_retry_all(org=org, user=owner)

    assert sorted(job.pk for job in retried) == sorted(job.pk for job in ours)
    assert DBTaskResult.objects.get(pk=theirs.pk).status == TaskResultStatus.FAILED


def _tasks_of_the_project() -> set[str]:
    """The module path of every background task defined in SmartCRM's code."""
    found = set()
    for module in pkgutil.walk_packages(smartcrm.__path__, "smartcrm."):
        if ".tests" in module.name or ".migrations" in module.name:
            continue
        if not {"services", "tasks", "jobs"} & set(module.name.split(".")[2:]):
            continue
        loaded = importlib.import_module(module.name)
        for value in vars(loaded).values():
            if isinstance(value, Task) and value.func.__module__ == module.name:
                found.add(value.module_path)
    return found


def test_every_background_task_says_whose_it_is():
    tasks = _tasks_of_the_project()

    assert len(tasks) >= 6
    assert sorted(path for path in tasks if job_kind(path) is None) == []
    assert {kind.task_path for kind in job_kinds()} <= tasks
