"""`smartcrm jobs`: the queue and the workers at a glance, failed jobs retried or discarded."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from smartcrm.jobs.services import heartbeat_start
from smartcrm.jobs.tests.factories import failed_email_job

pytestmark = pytest.mark.django_db


def _jobs(*args: str) -> str:
    out = io.StringIO()
    call_command("jobs", *args, stdout=out)
    return out.getvalue()


def test_status_shows_the_queue_and_the_workers(org, owner):
    failed_email_job(org, owner)
    heartbeat_start(worker_id="crm-1", host="crm.example.ro", pid=4242, version="0.1.0")

    output = _jobs()

    assert "Queue: 0 waiting, 0 due, 0 running, 1 failed" in output
    assert "Worker crm-1 on crm.example.ro (pid 4242, 0.1.0): alive" in output


def test_failed_lists_every_organisations_failed_job(org, owner, other_org, other_owner):
    ours = failed_email_job(org, owner)
    theirs = failed_email_job(other_org, other_owner, title="Beta")

    lines = _jobs("failed").strip().splitlines()

    assert [line.split()[0] for line in lines] == [str(theirs.pk), str(ours.pk)]
    assert "Notification e-mail" in lines[0]
    assert f"record {theirs.args_kwargs['kwargs']['notification_id']} (Beta)  " in lines[0]
    assert "1 attempt(s)  smtplib.SMTPDataError: (554" in lines[0]


def test_retry_queues_one_failed_job(org, owner):
    job = failed_email_job(org, owner)

    output = _jobs("retry", str(job.pk))

    assert output.strip() == (
        f"Job {job.pk} (smartcrm.notifications.services.notification_email_send) "
        "queued to run again."
    )
    assert DBTaskResult.objects.get(pk=job.pk).status == TaskResultStatus.READY


def test_retry_all_queues_every_failed_job(org, owner, other_org, other_owner):
    jobs = [failed_email_job(org, owner), failed_email_job(other_org, other_owner, title="B")]

    output = _jobs("retry", "--all")

    assert output.strip() == "2 failed job(s) queued to run again."
    assert {DBTaskResult.objects.get(pk=job.pk).status for job in jobs} == {"READY"}


def test_discard_forgets_a_failed_job(org, owner):
    job = failed_email_job(org, owner)

    assert _jobs("discard", str(job.pk)).strip() == f"Job {job.pk} discarded."
    assert not DBTaskResult.objects.filter(pk=job.pk).exists()


# A fixed id: random ones would give each xdist worker a different test list.
@pytest.mark.parametrize("job_id", ["0f2a9c4e-5b1d-4e8a-9c3f-7d6b2a1e0c94", "nu-e-un-id"])
def test_an_unknown_or_malformed_id_is_one_clear_line(job_id):
    with pytest.raises(CommandError) as refused:
        _jobs("retry", job_id)

    assert str(refused.value) == "job_id: No background job has this id."


def test_retry_wants_an_id_or_all():
    with pytest.raises(CommandError) as refused:
        _jobs("retry")

    assert str(refused.value) == "give a job id or --all (not both)."


def test_a_job_that_has_not_failed_is_not_retried(org, owner):
    job = failed_email_job(org, owner)
    _jobs("retry", str(job.pk))

    with pytest.raises(CommandError) as refused:
        _jobs("discard", str(job.pk))

    assert "Only a failed job can be retried or discarded; this one is queued." in str(
        refused.value
    )
    assert DBTaskResult.objects.get(pk=job.pk).status == TaskResultStatus.READY
