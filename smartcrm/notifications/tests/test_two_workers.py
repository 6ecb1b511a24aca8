"""Two real `smartcrm worker` processes on one PostgreSQL queue: each reminder fires once."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from smartcrm.notifications.choices import NotificationKind
from smartcrm.notifications.models import Notification
from smartcrm.tasks.models import Task
from smartcrm.tasks.services import task_create, task_reminder_send

ROOT = Path(__file__).resolve().parents[3]
REMINDERS = 12


def _database_url() -> str:
    db = connection.settings_dict
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _start_worker(name: str, smtp_port: int) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
        "SMARTCRM_WORKER_INTERVAL": "0.05",
    }
    return subprocess.Popen(
        [sys.executable, "manage.py", "worker", "--worker-id", name, "-v", "2"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_fire_each_reminder_exactly_once(org, sales_user, smtp_inbox, settings):
    # given reminders due now, each queued twice (as a retry or a race could do)
    now = timezone.now()
    tasks = [
        task_create(
            org=org,
            user=sales_user,
            title=f"Sună clientul {n}",
            due_at=now + dt.timedelta(hours=1),
            remind_at=now,
        )
        for n in range(REMINDERS)
    ]
    for task in tasks:
        assert task.remind_at is not None
        task_reminder_send.enqueue(task_id=str(task.pk), remind_at=task.remind_at.isoformat())

    # when two workers run at the same time until the queue is empty
    workers = [_start_worker(name, settings.EMAIL_PORT) for name in ("alfa", "beta")]
    try:
        deadline = time.monotonic() + 120
        while DBTaskResult.objects.exclude(status__in=["SUCCESSFUL", "FAILED"]).exists():
            assert time.monotonic() < deadline, "the workers did not finish the queue"
            assert all(w.poll() is None for w in workers), "a worker died"
            time.sleep(0.2)
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        outputs = [worker.communicate(timeout=30)[0] for worker in workers]

    # then every job ran once, on one worker, and each reminder fired exactly once
    assert [w.returncode for w in workers] == [0, 0], outputs
    jobs = list(DBTaskResult.objects.all())
    assert len(jobs) == 2 * REMINDERS + REMINDERS  # reminders twice, and their e-mails
    assert {job.status for job in jobs} == {"SUCCESSFUL"}
    assert all(len(job.worker_ids) == 1 for job in jobs)
    reminders = Notification.objects.filter(kind=NotificationKind.REMINDER)
    assert reminders.count() == REMINDERS
    assert sorted(
        title.rsplit(" ", 1)[1] for title in reminders.values_list("title", flat=True)
    ) == sorted(str(n) for n in range(REMINDERS))
    assert Task.objects.filter(reminder_sent_at__isnull=True).count() == 0
    assert len(smtp_inbox.envelopes) == REMINDERS
