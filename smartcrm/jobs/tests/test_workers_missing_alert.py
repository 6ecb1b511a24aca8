"""When no worker has been heard of for SMARTCRM_WORKER_MISSING_AFTER seconds, every admin
and owner is e-mailed, once for each silence, in their language; by the web side (no worker
is there to do it), whichever process notices first. A real SMTP server on loopback takes the
e-mails."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from smartcrm.core.choices import Role
from smartcrm.core.tests.factories import UserFactory, add_member
from smartcrm.jobs.models import WorkerHeartbeat, WorkersMissingAlert
from smartcrm.jobs.services import heartbeat_beat, heartbeat_start, workers_missing_notice
from smartcrm.jobs.tests.factories import closed_port

HTMX = {"HTTP_HX_REQUEST": "true"}


def a_worker_silent_for(seconds: float) -> dt.datetime:
    """The only worker last beat ``seconds`` ago; returns when."""
    if not WorkerHeartbeat.objects.filter(pk="crm-1").exists():
        heartbeat_start(worker_id="crm-1", host="crm", pid=1, version="0.1.0")
    last = timezone.now() - dt.timedelta(seconds=seconds)
    WorkerHeartbeat.objects.filter(pk="crm-1").update(beat_at=last)
    return last


@pytest.fixture
def admins(org, owner, sales_user, other_org, other_owner):
    """Owners of two organisations, an admin reading Romanian, and a sales user."""
    elena = UserFactory.create(
        email="elena.dobre@example.ro", first_name="Elena", last_name="Dobre", language="ro"
    )
    add_member(org, owner, elena, Role.ADMIN)
    return [owner, elena, other_owner]


def recipients(inbox) -> list[str]:
    return sorted(address for envelope in inbox.envelopes for address in envelope.rcpt_tos)


@pytest.mark.django_db
def test_every_admin_and_owner_is_emailed_once_however_often_it_is_checked(
    admins, sales_user, smtp_inbox, settings
):
    settings.SMARTCRM_WORKER_MISSING_AFTER = 180
    a_worker_silent_for(200)

    first = workers_missing_notice()
    second = workers_missing_notice()

    assert first is not None and second == first
    assert recipients(smtp_inbox) == sorted(user.email for user in admins)
    assert sales_user.email not in recipients(smtp_inbox)
    alert = WorkersMissingAlert.objects.get()
    assert (alert.silent_since, alert.recipients) == (first.silent_since, 3)
    assert alert.sent_at is not None


@pytest.mark.django_db
def test_each_admin_reads_it_in_their_language_with_what_to_do(admins, smtp_inbox, settings):
    settings.SMARTCRM_WORKER_MISSING_AFTER = 180
    settings.SMARTCRM_PUBLIC_URL = "https://crm.alfa.ro"
    a_worker_silent_for(200)

    workers_missing_notice()

    by_address = {str(message["To"]): message for message in smtp_inbox.messages()}
    english, romanian = by_address["ana.popescu@example.ro"], by_address["elena.dobre@example.ro"]
    assert english["Subject"] == "SmartCRM: background work has stopped"
    assert romanian["Subject"] == "SmartCRM: lucrul în fundal s-a oprit"
    text = english.get_content()
    assert "No background worker has been heard of since " in text
    assert "start the worker on the server with “smartcrm worker”" in text
    assert "https://crm.alfa.ro/settings/jobs/" in text
    assert "as an administrator of Alfa Soluții SRL" in text
    assert "Niciun proces de lucru nu a mai dat semn de viață din " in (romanian.get_content())


@pytest.mark.django_db
def test_no_email_while_a_worker_is_heard_of(admins, smtp_inbox, settings):
    settings.SMARTCRM_WORKER_MISSING_AFTER = 180
    a_worker_silent_for(170)

    assert workers_missing_notice() is None
    assert smtp_inbox.envelopes == []
    assert not WorkersMissingAlert.objects.exists()


@pytest.mark.django_db
def test_workers_back_then_gone_again_is_a_new_email(admins, smtp_inbox, settings):
    # given a silence the admins were told of
    settings.SMARTCRM_WORKER_MISSING_AFTER = 180
    a_worker_silent_for(400)
    workers_missing_notice()
    # when the worker comes back: no e-mail, no banner
    heartbeat_beat(worker_id="crm-1")
    assert workers_missing_notice() is None
    assert len(smtp_inbox.envelopes) == 3
    # then it goes silent again: one more e-mail each, once
    a_worker_silent_for(200)
    workers_missing_notice()
    workers_missing_notice()

    assert recipients(smtp_inbox) == sorted(2 * [user.email for user in admins])
    assert WorkersMissingAlert.objects.count() == 2


@pytest.mark.django_db
def test_never_a_worker_is_a_silence_too(admins, smtp_inbox, settings):
    workers_missing_notice()
    workers_missing_notice()

    assert len(smtp_inbox.envelopes) == 3
    (message, *_others) = smtp_inbox.messages()
    assert "No background worker has been heard of yet." in message.get_content()


@pytest.mark.django_db
def test_e_mails_the_mail_server_refused_are_tried_again_later(admins, smtp_inbox, settings):
    # given a silence noticed while the mail server is down
    settings.SMARTCRM_WORKER_MISSING_AFTER = 180
    a_worker_silent_for(200)
    port = settings.EMAIL_PORT
    settings.EMAIL_PORT = closed_port()
    settings.EMAIL_TIMEOUT = 2
    workers_missing_notice()
    alert = WorkersMissingAlert.objects.get()
    assert alert.sent_at is None
    # when the mail server is back: nothing at once (no retry on every page)...
    settings.EMAIL_PORT = port
    workers_missing_notice()
    assert smtp_inbox.envelopes == []
    # ...then, five minutes after the failed attempt, the e-mails go, once
    WorkersMissingAlert.objects.update(claimed_at=alert.claimed_at - dt.timedelta(minutes=5))
    workers_missing_notice()
    workers_missing_notice()

    assert recipients(smtp_inbox) == sorted(user.email for user in admins)
    assert WorkersMissingAlert.objects.get().sent_at is not None


@pytest.mark.django_db
def test_the_banner_check_emails_the_admins_once(client, admins, owner, smtp_inbox, settings):
    settings.SMARTCRM_WORKER_MISSING_AFTER = 180
    a_worker_silent_for(200)
    client.force_login(owner)

    banners = [client.get(reverse("jobs:banner"), **HTMX) for _ in range(2)]

    assert [banner.status_code for banner in banners] == [200, 200]
    assert recipients(smtp_inbox) == sorted(user.email for user in admins)


@pytest.mark.django_db
def test_a_sales_users_page_emails_nobody(client, admins, sales_user, smtp_inbox, settings):
    settings.SMARTCRM_WORKER_MISSING_AFTER = 180
    a_worker_silent_for(200)
    client.force_login(sales_user)

    assert client.get(reverse("jobs:banner"), **HTMX).status_code == 204
    assert smtp_inbox.envelopes == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_web_processes_noticing_at_once_email_each_admin_once(admins, smtp_inbox, settings):
    # given a silence, and four connections noticing it at the same moment
    settings.SMARTCRM_WORKER_MISSING_AFTER = 180
    a_worker_silent_for(200)
    barrier = threading.Barrier(4)
    outcomes: list[object] = []

    def check() -> None:
        try:
            barrier.wait(timeout=10)
            outcomes.append(workers_missing_notice())
        except Exception as error:
            outcomes.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=check) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    # then each saw the silence, and each admin got one e-mail
    assert all(outcome is not None and not isinstance(outcome, Exception) for outcome in outcomes)
    assert len(outcomes) == 4
    assert recipients(smtp_inbox) == sorted(user.email for user in admins)
    assert WorkersMissingAlert.objects.get().recipients == 3
