"""A real `smartcrm worker` outlives its database going away, and stops only when the
database is set up wrong (or when asked to, after the query at hand); a mail server that is
down makes its e-mails wait, not fail.

On PostgreSQL the worker reaches the server through a loopback proxy the test cuts, and the
server ends the worker's sessions (as a restart or an administrator does); on SQLite another
connection holds the write lock longer than the worker's busy timeout. The mail server is a
real SMTP server on loopback that the test stops and starts again on the same port.
"""

from __future__ import annotations

import datetime as dt
import signal
import socket
import sqlite3
import time
import uuid

import psycopg
import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from smartcrm.jobs.models import WorkerHeartbeat
from smartcrm.notifications.choices import NotificationKind
from smartcrm.notifications.models import Notification
from smartcrm.notifications.tests.helpers import LoopbackMailServer
from smartcrm.ops.tests.processes import (
    WorkerProcess,
    postgres_url,
    proxy_to_postgres,
    terminate_sessions,
    wait_until,
    worker_database,
    worker_env,
)
from smartcrm.tasks.models import Task
from smartcrm.tasks.services import task_create

only_sqlite = pytest.mark.skipif(
    "os.environ.get('DATABASE_URL', '').startswith('postgres')",
    reason="SQLite's write lock (the PostgreSQL pass cuts a proxy instead)",
)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_worker_outlives_lost_database_and_delivers_the_reminder_due_meanwhile_late_once(
    org, sales_user, smtp_inbox, settings, tmp_path
):
    # Given a worker reaching PostgreSQL through a proxy, its sessions named for the test
    name = f"smartcrm-worker-{uuid.uuid4().hex[:10]}"
    with proxy_to_postgres() as proxy:
        env = worker_env(
            DATABASE_URL=postgres_url(port=proxy.port),
            PGAPPNAME=name,
            EMAIL_URL=f"smtp://127.0.0.1:{settings.EMAIL_PORT}",
            SMARTCRM_REMINDER_LATE_AFTER="1",
        )
        worker = WorkerProcess(env, tmp_path / "worker.log", "worker", "-v", "2")
        try:
            worker.wait_for_output("waiting for jobs")
            # and a task whose reminder falls due while the database is away
            remind_at = timezone.now() + dt.timedelta(seconds=2)
            task = task_create(
                org=org,
                user=sales_user,
                title="Sună la Carpați Trans",
                due_at=remind_at + dt.timedelta(hours=1),
                remind_at=remind_at,
            )

            # When PostgreSQL ends the worker's sessions and the network to it is cut
            proxy.refuse()
            assert terminate_sessions(name) >= 1
            proxy.cut()
            worker.wait_for_output("Database unavailable")
            wait_until(
                lambda: timezone.now() > remind_at + dt.timedelta(seconds=3),
                30,
                "the reminder's time to pass during the outage",
            )
            assert worker.alive(), worker.text()
            # and both come back
            proxy.restore()

            # Then the worker resumes by itself and delivers the reminder, once, marked late
            wait_until(
                lambda: Notification.objects.filter(
                    kind=NotificationKind.REMINDER, emailed_at__isnull=False
                ).exists(),
                120,
                "the reminder",
                process=worker,
            )
            worker.wait_for_output("Database back after")
        finally:
            code = worker.stop()
    log = worker.text()
    assert code == 0, log
    reminder = Notification.objects.get(kind=NotificationKind.REMINDER)
    assert (reminder.user_id, reminder.late) == (sales_user.pk, True)
    assert Task.objects.get(pk=task.pk).reminder_sent_at is not None
    assert smtp_inbox.subjects() == ["[late] Reminder: Sună la Carpați Trans"]
    # one outage, logged once when it began and once when it ended; no talk of migrations
    assert log.count("Database unavailable") == 1, log
    assert log.count("Database back after") == 1, log
    assert "migrate" not in log


@only_sqlite
@pytest.mark.django_db(transaction=True)
def test_a_worker_waits_out_a_write_lock_held_elsewhere_then_runs_the_due_reminder(
    org, sales_user, tmp_path
):
    # Given a reminder due now, in the SQLite file of a worker whose busy timeout is short
    task_create(
        org=org,
        user=sales_user,
        title="Trimite oferta",
        due_at=timezone.now() + dt.timedelta(hours=1),
        remind_at=timezone.now(),
    )
    database = worker_database(tmp_path / "data", SMARTCRM_SQLITE_BUSY_TIMEOUT="0.2")
    assert database.sqlite_path is not None
    # and another process holding the database's write lock
    holder = sqlite3.connect(database.sqlite_path, isolation_level=None, timeout=30)
    holder.execute("BEGIN EXCLUSIVE")
    worker = WorkerProcess(database.env, tmp_path / "worker.log", "worker", "-v", "2")
    try:
        # When the worker, started, meets the lock, for many times its busy timeout
        worker.wait_for_output("database is locked")
        assert worker.text().index("waiting for jobs") < worker.text().index("database is locked")
        held_since = time.monotonic()
        wait_until(lambda: time.monotonic() > held_since + 2, 10, "the lock to be held a while")
        assert worker.alive(), worker.text()
        pending = holder.execute(
            "SELECT count(*) FROM notifications_notification WHERE kind = 'reminder'"
        ).fetchone()
        assert pending == (0,)
        # and the lock is released
        holder.execute("COMMIT")

        # Then the worker goes on by itself and sends the reminder, once
        def reminders() -> int:
            return int(
                database.query(
                    "SELECT count(*) FROM notifications_notification WHERE kind = 'reminder'"
                )[0][0]
            )

        wait_until(reminders, 120, "the reminder", process=worker)
        worker.wait_for_output("Database back after")
    finally:
        holder.close()
        code = worker.stop()
    log = worker.text()
    assert code == 0, log
    assert reminders() == 1
    assert log.count("Database unavailable") == 1, log
    assert log.count("Database back after") == 1, log


def test_a_worker_on_a_database_without_tables_stops_saying_to_migrate(tmp_path):
    # Given an empty SQLite data folder (never migrated)
    env = worker_env(SMARTCRM_DATA_DIR=str(tmp_path / "data"))
    env.pop("DATABASE_URL", None)

    # When a worker starts on it
    worker = WorkerProcess(env, tmp_path / "worker.log", "worker")
    code = worker.process.wait(timeout=120)

    # Then it stops with the configuration status, saying what to run
    log = worker.text()
    assert code == 78, log
    assert "migration(s) not applied to the database; run `smartcrm migrate` first" in log


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_worker_on_a_database_that_does_not_exist_stops_naming_it(tmp_path):
    # Given a DATABASE_URL naming a database the server does not have
    missing = f"smartcrm_missing_{uuid.uuid4().hex[:8]}"
    env = worker_env(DATABASE_URL=postgres_url(name=missing))

    # When a worker starts with it
    worker = WorkerProcess(env, tmp_path / "worker.log", "worker")
    code = worker.process.wait(timeout=120)

    # Then it stops at once with the configuration status and says what is wrong
    log = worker.text()
    assert code == 78, log
    assert f'database "{missing}" does not exist' in log
    assert "check DATABASE_URL" in log
    assert "migrate" not in log


@pytest.mark.django_db(transaction=True)
def test_a_worker_waits_for_a_mail_server_that_is_down_then_sends_the_reminder_late_once(
    org, sales_user, tmp_path
):
    # Given a reminder due now, a mail server that is down, and no retry at all for jobs
    task_create(
        org=org,
        user=sales_user,
        title="Sună la Carpați Trans",
        due_at=timezone.now() + dt.timedelta(hours=1),
        remind_at=timezone.now(),
    )
    mail = LoopbackMailServer()
    database = worker_database(
        tmp_path / "data",
        EMAIL_URL=f"smtp://127.0.0.1:{mail.port}",
        SMARTCRM_JOB_RETRIES="0",
        SMARTCRM_REMINDER_LATE_AFTER="1",
    )

    def emailed() -> int:
        return int(
            database.query(
                "SELECT count(*) FROM notifications_notification "
                "WHERE kind = 'reminder' AND emailed_at IS NOT NULL"
            )[0][0]
        )

    def failed_jobs() -> int:
        return int(
            database.query(
                "SELECT count(*) FROM django_tasks_database_dbtaskresult WHERE status = 'FAILED'"
            )[0][0]
        )

    worker = WorkerProcess(database.env, tmp_path / "worker.log", "worker", "-v", "2")
    try:
        # When the worker meets the mail server down, and it stays down for several tries
        worker.wait_for_output("Mail server unavailable")
        began = time.monotonic()
        wait_until(lambda: time.monotonic() > began + 4, 10, "several tries of the mail server")
        assert worker.alive(), worker.text()
        assert (emailed(), failed_jobs()) == (0, 0)
        # and it comes back
        mail.start()

        # Then the worker sends the reminder by itself, once, marked late
        wait_until(lambda: emailed() == 1, 60, "the reminder's e-mail", process=worker)
        worker.wait_for_output("Mail server back after")
    finally:
        code = worker.stop()
        mail.stop()
    log = worker.text()
    assert code == 0, log
    assert mail.inbox.subjects() == ["[late] Reminder: Sună la Carpați Trans"]
    assert failed_jobs() == 0
    assert log.count("Mail server unavailable (ConnectionRefusedError") == 1, log
    assert log.count("Mail server back after") == 1, log


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_stop_signal_during_a_query_lets_it_finish_then_the_worker_stops_cleanly(tmp_path):
    # Given an idle worker whose next claim waits on a lock another session holds
    name = f"smartcrm-worker-{uuid.uuid4().hex[:10]}"
    env = worker_env(DATABASE_URL=postgres_url(), PGAPPNAME=name)
    table = DBTaskResult._meta.db_table
    with psycopg.connect(postgres_url()) as holder:
        worker = WorkerProcess(env, tmp_path / "worker.log", "worker", "-v", "2")
        try:
            worker.wait_for_output("waiting for jobs")
            holder.execute(f'LOCK TABLE "{table}" IN ACCESS EXCLUSIVE MODE')
            wait_until(
                lambda: _waiting_on_a_lock(name),
                60,
                "the worker's claim to wait on the lock",
                process=worker,
            )

            # When it is asked to stop in the middle of that query, and the lock then goes
            worker.process.send_signal(signal.SIGTERM)
            worker.wait_for_output("stopping after the step at hand")
            assert worker.alive(), worker.text()  # the query is not cut short
            holder.rollback()
            wait_until(lambda: not worker.alive(), 60, "the worker to stop")
        finally:
            code = worker.stop()

    # Then the query ends, no job is taken, and the worker stops cleanly with its last
    # heartbeat written
    log = worker.text()
    assert code == 0, log
    assert "Traceback" not in log, log
    beat = WorkerHeartbeat.objects.get(host=socket.gethostname(), pid=worker.pid)
    assert beat.stopped_at is not None


def _waiting_on_a_lock(application_name: str) -> bool:
    with psycopg.connect(postgres_url(name="postgres"), autocommit=True) as admin:
        row = admin.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE application_name = %s AND wait_event_type = 'Lock'",
            (application_name,),
        ).fetchone()
    return bool(row and row[0])
