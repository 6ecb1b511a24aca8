"""The daily agenda e-mail: opt-in at a local time, sent once a day by the worker."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from smartcrm.activities.services import activity_create
from smartcrm.agenda.models import DailyAgenda
from smartcrm.agenda.services import daily_agenda_set, daily_agendas_dispatch, next_send
from smartcrm.api.tests.helpers import ApiClient
from smartcrm.notifications.tests.helpers import jobs_of, run_worker
from smartcrm.sales.tests.factories import AccountFactory
from smartcrm.tasks.services import task_create

BUCHAREST = ZoneInfo("Europe/Bucharest")


def test_the_next_send_is_the_local_time_in_utc_across_dst():
    at_7_30 = dt.time(7, 30)
    # the evening before the October change (summer, UTC+3) → next morning in winter (UTC+2)
    assert next_send(at_7_30, BUCHAREST, dt.datetime(2026, 10, 24, 20, 0, tzinfo=dt.UTC)) == (
        dt.datetime(2026, 10, 25, 5, 30, tzinfo=dt.UTC)
    )
    assert next_send(at_7_30, BUCHAREST, dt.datetime(2026, 10, 24, 3, 0, tzinfo=dt.UTC)) == (
        dt.datetime(2026, 10, 24, 4, 30, tzinfo=dt.UTC)
    )
    # the March change: winter (UTC+2) the day before, summer (UTC+3) on the day
    assert next_send(at_7_30, BUCHAREST, dt.datetime(2027, 3, 27, 1, 0, tzinfo=dt.UTC)) == (
        dt.datetime(2027, 3, 27, 5, 30, tzinfo=dt.UTC)
    )
    assert next_send(at_7_30, BUCHAREST, dt.datetime(2027, 3, 27, 6, 0, tzinfo=dt.UTC)) == (
        dt.datetime(2027, 3, 28, 4, 30, tzinfo=dt.UTC)
    )


def test_opting_in_sets_the_next_send_and_opting_out_clears_it(org, owner):
    agenda = daily_agenda_set(org=org, user=owner, enabled=True, send_at=dt.time(8, 0))

    assert agenda.next_at is not None
    assert agenda.next_at > timezone.now()
    assert timezone.localtime(agenda.next_at, BUCHAREST).time() == dt.time(8, 0)

    agenda = daily_agenda_set(org=org, user=owner, enabled=False)

    assert (agenda.enabled, agenda.next_at, agenda.send_at) == (False, None, dt.time(8, 0))


@pytest.fixture
def account(org, owner):
    return AccountFactory.create(org=org, user=owner, name="Carpați Logistic SRL")


def test_a_due_agenda_is_emailed_once_with_the_days_work(org, owner, account, smtp_inbox):
    owner.language = "en"  # the e-mail comes in the member's language
    owner.save(update_fields=["language"])
    # given today's meeting, a task due today, an overdue task, and an agenda whose time came
    today = timezone.localdate(timezone=BUCHAREST)
    end_of_today = dt.datetime.combine(today, dt.time(23, 0), tzinfo=BUCHAREST)
    activity_create(
        org=org,
        user=owner,
        account_id=account.pk,
        kind="meeting",
        subject="Prezentare la Carpați",
        start_at=end_of_today,
    )
    task_create(org=org, user=owner, title="Trimite oferta", due_at=end_of_today)
    task_create(
        org=org,
        user=owner,
        title="Sună la bancă",
        due_at=end_of_today - dt.timedelta(days=3),
    )
    daily_agenda_set(org=org, user=owner, enabled=True, send_at=dt.time(7, 30))
    DailyAgenda.objects.filter(user=owner).update(next_at=timezone.now() - dt.timedelta(minutes=1))

    # when the worker passes twice (two workers, or the next minute)
    run_worker()
    assert daily_agendas_dispatch() == 0
    run_worker()

    # then one e-mail holds the day; the next one is due tomorrow
    (message,) = smtp_inbox.messages()
    text = message.get_content()
    assert message["To"] == "ana.popescu@example.ro"
    assert today.strftime("%d.%m.%Y") in message["Subject"]
    assert "23:00  Meeting: Prezentare la Carpați" in text
    assert "23:00  Trimite oferta" in text
    assert "Sună la bancă" in text
    assert jobs_of("daily_agenda_send").count() == 1
    agenda = DailyAgenda.objects.get(user=owner)
    assert agenda.last_sent_on == today
    assert agenda.next_at is not None
    assert agenda.next_at > timezone.now()


def test_api_daily_agenda(org, owner):
    api = ApiClient(org, owner)

    response = api.call("PUT", "/api/v1/agenda/daily", {"enabled": True, "send_at": "06:45"})

    assert response.status_code == 200, response.content
    assert response.json()["enabled"] is True
    assert response.json()["send_at"] == "06:45"
    assert api.get("/api/v1/agenda/daily").json()["send_at"] == "06:45"
    refused = api.call("PUT", "/api/v1/agenda/daily", {"enabled": True, "send_at": "25:99"})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "send_at"
    assert api.get("/api/v1/agenda/daily").json()["send_at"] == "06:45"
