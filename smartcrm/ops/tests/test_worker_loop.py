"""The worker's loop in this process: a job the database's outage interrupts is neither failed
nor retried; it goes back to the queue and runs when the database answers again. A job that
meets the mail server away waits for it the same way, one job trying again for all."""

from __future__ import annotations

import logging

import pytest
from django.core.mail import EmailMessage
from django.db.utils import OperationalError
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from smartcrm.core.outages import MAIL_SERVER, ServiceUnavailable, mail_send
from smartcrm.notifications.jobs import enqueue, job
from smartcrm.ops.worker import SmartWorker

CALLS: list[str] = []
MAIL_UP: list[bool] = []


@job
def lose_the_database_once(*, word: str) -> str:
    CALLS.append(word)
    if len(CALLS) == 1:
        raise OperationalError("server closed the connection unexpectedly")
    return "ok"


@job
def email_word(*, word: str) -> str:
    CALLS.append(word)
    if not MAIL_UP:
        raise ServiceUnavailable(MAIL_SERVER, ConnectionRefusedError(111, "Connection refused"))
    mail_send(EmailMessage(subject=word, body=word, to=["ion.ionescu@example.ro"]))
    return "sent"


@job
def count_word(*, word: str) -> str:
    CALLS.append(word)
    return "counted"


def setup_function() -> None:
    CALLS.clear()
    MAIL_UP.clear()


@pytest.fixture
def no_waiting(settings):
    settings.SMARTCRM_WORKER_BACKOFF_MAX = 0


def test_a_job_cut_off_by_an_outage_runs_again_without_using_a_retry(db, no_waiting, caplog):
    enqueue(lose_the_database_once, word="mâine")
    worker = SmartWorker(once=False, interval=0, worker_id="test-worker", max_jobs=1)

    with caplog.at_level(logging.INFO, logger="smartcrm.worker"):
        worker.run()

    assert CALLS == ["mâine", "mâine"]
    (only,) = DBTaskResult.objects.all()  # no retry queued beside it
    assert (only.status, only.return_value) == (TaskResultStatus.SUCCESSFUL, "ok")
    assert only.worker_ids == ["test-worker", "test-worker"]
    messages = [record.getMessage() for record in caplog.records]
    assert sum(m.startswith("Database unavailable") for m in messages) == 1
    assert sum(m.startswith("Database back after") for m in messages) == 1
    assert any("lose_the_database_once) was interrupted" in m for m in messages)
    assert (worker.ran, worker.failed) == (1, 0)


def test_once_stops_on_an_outage_and_leaves_the_job_unfailed(db, no_waiting):
    enqueue(lose_the_database_once, word="azi")
    worker = SmartWorker(once=True, interval=0, worker_id="cron", max_jobs=None)

    with pytest.raises(OperationalError):
        worker.run()

    (only,) = DBTaskResult.objects.all()
    assert only.status == TaskResultStatus.RUNNING  # a later worker takes it again


def test_e_mails_wait_for_the_mail_server_one_trying_for_all_while_other_jobs_go_on(
    db, settings, caplog, mailoutbox
):
    # given a mail server away, two e-mails and another job, and no retry at all
    settings.SMARTCRM_JOB_RETRIES = 0
    enqueue(email_word, word="unu")
    enqueue(email_word, word="doi")
    enqueue(count_word, word="trei")
    worker = SmartWorker(once=True, interval=0, worker_id="test-worker", max_jobs=None)
    worker.check_database()

    with caplog.at_level(logging.INFO, logger="smartcrm.worker"):
        # when the worker goes through the queue
        while worker.turn():
            pass
        # then one e-mail knocked; both wait, as they were, for the next try; the rest ran
        assert CALLS[1:] == ["trei"] and CALLS[0] in {"unu", "doi"}
        waiting = DBTaskResult.objects.filter(task_path__endswith=".email_word")
        assert {(j.status, len(j.worker_ids)) for j in waiting} == {(TaskResultStatus.READY, 0)}
        (next_try,) = {j.run_after for j in waiting}
        assert next_try > timezone.now()
        # and an e-mail queued meanwhile waits for that try without knocking
        enqueue(email_word, word="patru")
        assert worker.turn() is True
        assert len(CALLS) == 2
        fourth = DBTaskResult.objects.get(args_kwargs__kwargs__word="patru")
        assert (fourth.status, fourth.worker_ids, fourth.run_after) == ("READY", [], next_try)
        # when the mail server is back at the next try
        MAIL_UP.append(True)
        DBTaskResult.objects.filter(status=TaskResultStatus.READY).update(run_after=timezone.now())
        worker.waiting_for[MAIL_SERVER].probe_at = timezone.now()
        while worker.turn():
            pass

    # then every e-mail went, once, none failed, and the outage was logged once each way
    assert sorted(message.subject for message in mailoutbox) == ["doi", "patru", "unu"]
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}
    assert len(CALLS) == 5  # one knock while away, then each e-mail once
    messages = [record.getMessage() for record in caplog.records]
    assert sum(m.startswith("Mail server unavailable (ConnectionRefusedError") for m in messages)
    assert sum(m.startswith("Mail server unavailable") for m in messages) == 1
    assert sum(m.startswith("Mail server back after") for m in messages) == 1
    assert (worker.failed, worker.put_back) == (0, 3)
