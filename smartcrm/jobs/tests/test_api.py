"""REST API of the background jobs, for admins: the overview, retry and discard."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from smartcrm.api.tests.helpers import ApiClient
from smartcrm.jobs.services import heartbeat_start
from smartcrm.jobs.tests.factories import failed_email_job
from smartcrm.notifications.tests.helpers import run_worker

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(org, owner) -> ApiClient:
    return ApiClient(org, owner)


def test_the_overview_shows_the_queue_the_workers_and_the_failed_job(
    api, org, owner, other_org, other_owner
):
    job = failed_email_job(org, owner)
    failed_email_job(other_org, other_owner, title="Beta")
    heartbeat_start(worker_id="crm-1", host="crm.example.ro", pid=4242, version="0.1.0")

    response = api.get("/api/v1/jobs")

    assert response.status_code == 200
    body = response.json()
    assert body["queue"] == {
        "queued": 0,
        "due": 0,
        "oldest_due_at": None,
        "oldest_due_seconds": None,
        "running": 0,
        "failed": 2,
    }
    (worker,) = [w for w in body["workers"] if w["worker_id"] == "crm-1"]
    assert (worker["worker_id"], worker["host"], worker["pid"], worker["alive"]) == (
        "crm-1",
        "crm.example.ro",
        4242,
        True,
    )
    assert worker["current_job_id"] is None
    (failed,) = body["failed"]  # the organisation's own only
    assert (failed["id"], failed["task"], failed["record"], failed["attempts"]) == (
        str(job.pk),
        "Notification e-mail",
        "Sună la Carpați Trans",
        1,
    )
    assert failed["error"] == "smtplib.SMTPDataError: (554, b'5.7.1 Message rejected by policy')"


def test_the_overview_reads_in_as_many_queries_whatever_the_number_of_failed_jobs(api, org, owner):
    failed_email_job(org, owner)
    api.get("/api/v1/jobs")
    with CaptureQueriesContext(connection) as few:
        api.get("/api/v1/jobs")
    for n in range(3):
        failed_email_job(org, owner, title=f"Apel {n}")

    with CaptureQueriesContext(connection) as more:
        response = api.get("/api/v1/jobs")

    assert len(response.json()["failed"]) == 4
    assert len(more) == len(few)


def test_a_sales_user_is_refused_the_overview(org, sales_user):
    response = ApiClient(org, sales_user).get("/api/v1/jobs")

    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"


def test_retry_queues_the_failed_job_and_the_worker_runs_it_once(api, org, owner, smtp_inbox):
    job = failed_email_job(org, owner)

    response = api.post(f"/api/v1/jobs/{job.pk}/retry")
    run_worker()
    again = api.post(f"/api/v1/jobs/{job.pk}/retry")

    assert response.status_code == 200
    assert (response.json()["id"], response.json()["status"]) == (str(job.pk), "READY")
    assert len(smtp_inbox.envelopes) == 1
    assert DBTaskResult.objects.get(pk=job.pk).status == TaskResultStatus.SUCCESSFUL
    assert again.status_code == 409
    assert again.json()["code"] == "not_failed"
    assert again.json()["errors"][0]["field"] == "job_id"


def test_discard_forgets_the_failed_job(api, org, owner):
    job = failed_email_job(org, owner)

    response = api.post(f"/api/v1/jobs/{job.pk}/discard")

    assert response.status_code == 204
    assert api.get("/api/v1/jobs").json()["failed"] == []


def test_an_unknown_or_malformed_job_id_is_a_clear_error(api):
    unknown = api.post(f"/api/v1/jobs/{uuid.uuid4()}/retry")
    malformed = api.post("/api/v1/jobs/nu-e-un-id/discard")

    assert unknown.status_code == 404
    assert unknown.json()["errors"][0]["field"] == "job_id"
    assert malformed.status_code == 400
    assert malformed["Content-Type"] == "application/problem+json"
    assert malformed.json()["errors"][0]["field"] == "job_id"
