"""Settings → Background jobs, for admins: the queue, the workers, failed jobs with retry and
discard; and the banner admins see when no worker has been heard of."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from smartcrm.jobs.models import WorkerHeartbeat
from smartcrm.jobs.services import heartbeat_start
from smartcrm.jobs.tests.factories import failed_email_job

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def test_an_admin_sees_the_queue_the_workers_and_the_failed_jobs(client, org, owner):
    job = failed_email_job(org, owner)
    heartbeat_start(worker_id="crm-1", host="crm.example.ro", pid=4242, version="0.1.0")
    client.force_login(owner)

    response = client.get(reverse("jobs:overview"))

    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="jobs-queued">0<' in page
    assert "crm.example.ro · pid 4242 · 0.1.0" in page
    assert f'data-job-id="{job.pk}"' in page
    assert 'data-testid="failed-job-record">Sună la Carpați Trans<' in page
    assert "SMTPDataError: (554, b&#x27;5.7.1 Message rejected by policy&#x27;)" in page
    assert reverse("jobs:retry", args=[job.pk]) in page
    assert reverse("jobs:discard", args=[job.pk]) in page
    assert 'aria-current="page">Background jobs</a>' in page


def test_the_page_reads_in_as_many_queries_whatever_the_number_of_failed_jobs(client, org, owner):
    failed_email_job(org, owner)
    client.force_login(owner)
    client.get(reverse("jobs:overview"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("jobs:overview"))
    for n in range(3):
        failed_email_job(org, owner, title=f"Apel {n}")

    with CaptureQueriesContext(connection) as more:
        response = client.get(reverse("jobs:overview"))

    assert response.content.decode().count('data-testid="failed-job-row"') == 4
    assert len(more) == len(few)


def test_a_sales_user_is_refused_the_page_and_its_buttons(client, org, owner, sales_user):
    job = failed_email_job(org, owner)
    client.force_login(sales_user)

    page = client.get(reverse("jobs:overview"))
    retry = client.post(reverse("jobs:retry", args=[job.pk]))

    assert (page.status_code, retry.status_code) == (403, 403)
    assert DBTaskResult.objects.get(pk=job.pk).status == TaskResultStatus.FAILED
    settings_page = client.get(reverse("core:settings")).content.decode()
    assert reverse("jobs:overview") not in settings_page


def test_retry_queues_the_job_and_comes_back_to_the_page(client, org, owner):
    job = failed_email_job(org, owner)
    client.force_login(owner)

    response = client.post(reverse("jobs:retry", args=[job.pk]), follow=True)

    assert response.redirect_chain == [(reverse("jobs:overview"), 302)]
    assert "The job was queued to run again." in response.content.decode()
    assert DBTaskResult.objects.get(pk=job.pk).status == TaskResultStatus.READY


def test_retry_from_htmx_answers_the_overview_with_the_message(client, org, owner):
    job = failed_email_job(org, owner)
    client.force_login(owner)

    response = client.post(reverse("jobs:retry", args=[job.pk]), **HTMX)

    page = response.content.decode()
    assert response.status_code == 200
    assert page.startswith('<div id="jobs-overview"')
    assert "The job was queued to run again." in page
    assert 'data-testid="failed-job-row"' not in page


def test_retrying_a_job_already_queued_says_so_and_changes_nothing(client, org, owner):
    job = failed_email_job(org, owner)
    client.force_login(owner)
    client.post(reverse("jobs:retry", args=[job.pk]))

    response = client.post(reverse("jobs:retry", args=[job.pk]), follow=True)

    assert "Only a failed job can be retried or discarded; this one is queued." in (
        response.content.decode()
    )
    assert DBTaskResult.objects.get(pk=job.pk).status == TaskResultStatus.READY


def test_discard_forgets_the_job(client, org, owner):
    job = failed_email_job(org, owner)
    client.force_login(owner)

    response = client.post(reverse("jobs:discard", args=[job.pk]), follow=True)

    assert "The job was discarded." in response.content.decode()
    assert not DBTaskResult.objects.filter(pk=job.pk).exists()


def test_an_unknown_job_is_not_found(client, org, owner):
    client.force_login(owner)

    response = client.post(reverse("jobs:retry", args=[uuid.uuid4()]))

    assert response.status_code == 404


def test_the_page_speaks_romanian(client, org, owner):
    owner.language = "ro"
    owner.save(update_fields=["language"])
    failed_email_job(org, owner)
    client.force_login(owner)

    page = client.get(reverse("jobs:overview")).content.decode()

    assert "Lucrări în fundal" in page
    assert "Lucrări eșuate" in page
    assert "E-mail de notificare" in page


def test_an_admin_is_warned_when_no_worker_has_been_heard_of(client, org, owner, settings):
    settings.SMARTCRM_WORKER_MISSING_AFTER = 180
    heartbeat_start(worker_id="crm-1", host="crm", pid=1, version="0.1.0")
    WorkerHeartbeat.objects.update(beat_at=timezone.now() - dt.timedelta(seconds=181))
    client.force_login(owner)

    home = client.get(reverse("web:home")).content.decode()
    banner = client.get(reverse("jobs:banner"), **HTMX)

    assert f'hx-get="{reverse("jobs:banner")}"' in home
    assert banner.status_code == 200
    assert "No background worker has been heard of for 3 minutes" in banner.content.decode()


def test_no_banner_while_a_worker_beats(client, org, owner):
    heartbeat_start(worker_id="crm-1", host="crm", pid=1, version="0.1.0")
    client.force_login(owner)

    assert client.get(reverse("jobs:banner"), **HTMX).status_code == 204


def test_a_sales_user_gets_no_banner(client, org, sales_user):
    client.force_login(sales_user)

    home = client.get(reverse("web:home")).content.decode()

    assert reverse("jobs:banner") not in home
    assert client.get(reverse("jobs:banner"), **HTMX).status_code == 204
