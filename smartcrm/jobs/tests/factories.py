"""Failed jobs made the way they fail in production: a notification e-mail that the mail
server refuses for good (554), run by the real worker with no retry left. (A mail server that
is down fails nothing: the e-mail waits for it.)"""

from __future__ import annotations

import io
import socket

from django.core.management import call_command
from django.test import override_settings
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from smartcrm.core.models import Organization, User
from smartcrm.notifications.services import notify
from smartcrm.notifications.tests.helpers import refusing_mail_server


def closed_port() -> int:
    """A loopback port where nothing listens."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def email_job(org: Organization, user: User, title: str = "Sună la Carpați Trans") -> DBTaskResult:
    """The e-mail job of a new notification of ``user`` in ``org`` (queued, not run)."""
    notification = notify(org=org, user=user, kind="reminder", title=title)
    return DBTaskResult.objects.get(
        task_path__endswith=".notification_email_send",
        args_kwargs__kwargs__notification_id=str(notification.pk),
    )


def run_worker_with_mail_refused() -> None:
    """`smartcrm worker --once` while the mail server refuses every message, no retry left."""
    with override_settings(SMARTCRM_JOB_RETRIES=0), refusing_mail_server():
        call_command("worker", "--once", stdout=io.StringIO())


def failed_email_job(
    org: Organization, user: User, title: str = "Sună la Carpați Trans"
) -> DBTaskResult:
    """A notification e-mail of ``org`` that failed for good."""
    job = email_job(org, user, title)
    run_worker_with_mail_refused()
    job.refresh_from_db()
    assert job.status == TaskResultStatus.FAILED, job.traceback
    return job
