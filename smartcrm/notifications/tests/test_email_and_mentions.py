"""Notifications by e-mail (sent by the worker, as each member chose), @mentions in notes,
mark all read, preferences through the API."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from smartcrm.api.tests.helpers import ApiClient
from smartcrm.notes.services import note_create, note_update
from smartcrm.notifications.choices import NotificationKind
from smartcrm.notifications.models import Notification
from smartcrm.notifications.selectors import unread_count
from smartcrm.notifications.services import (
    mentioned_users,
    notification_mark_all_read,
    notification_preferences_update,
    notify,
)
from smartcrm.notifications.tests.helpers import (
    LoopbackMailServer,
    jobs_of,
    refusing_mail_server,
    run_worker,
    use_smtp,
)
from smartcrm.sales.tests.factories import AccountFactory
from smartcrm.tasks.services import task_create


def _notify(org, user, kind="task_assigned"):
    return notify(org=org, user=user, kind=kind, title="Ai o sarcină nouă", url="/tasks/x/")


def test_the_email_waits_for_the_worker_then_arrives_once(org, sales_user, smtp_inbox):
    notification = _notify(org, sales_user)

    assert smtp_inbox.envelopes == []  # never sent inside the request
    run_worker()
    run_worker()

    (message,) = smtp_inbox.messages()
    assert message["To"] == "ion.ionescu@example.ro"
    assert message["Subject"] == "Ai o sarcină nouă"
    assert "http://127.0.0.1:8000/tasks/x/" in message.get_content()
    notification.refresh_from_db()
    assert notification.emailed_at is not None


def test_a_kind_switched_off_comes_only_in_the_app(org, sales_user, smtp_inbox):
    notification_preferences_update(
        org=org, user=sales_user, email={"task_assigned": False, "reminder": True}
    )

    _notify(org, sales_user, kind="task_assigned")
    _notify(org, sales_user, kind="reminder")
    run_worker()

    assert len(smtp_inbox.envelopes) == 1
    assert unread_count(org=org, user=sales_user) == 2


def test_an_assigned_task_and_its_reminder_arrive_by_email(org, owner, sales_user, smtp_inbox):
    task_create(
        org=org,
        user=owner,
        title="Sună la Carpați",
        assignee_id=sales_user.pk,
        due_at=timezone.now() + dt.timedelta(hours=1),
        remind_at=timezone.now(),
    )

    run_worker()

    assert sorted(Notification.objects.filter(user=sales_user).values_list("kind", flat=True)) == [
        "reminder",
        "task_assigned",
    ]
    assert len(smtp_inbox.envelopes) == 2
    assert all("Sună la Carpați" in subject for subject in smtp_inbox.subjects())


def test_a_message_refused_for_good_is_retried_then_the_job_fails(org, sales_user, settings):
    settings.SMARTCRM_JOB_RETRIES, settings.SMARTCRM_JOB_BACKOFF = 1, 0
    notification = _notify(org, sales_user)

    with refusing_mail_server():
        output = run_worker()

    assert "2 job(s) run, 2 failed" in output
    assert list(jobs_of("notification_email_send").values_list("status", flat=True)) == [
        "FAILED",
        "FAILED",
    ]
    notification.refresh_from_db()
    assert notification.emailed_at is None
    assert notification.read_at is None  # the in-app notification is there all the same


def test_a_mail_server_that_is_down_makes_the_email_wait_without_using_a_retry(
    org, sales_user, settings
):
    # given no retry at all, and a mail server that is down
    settings.SMARTCRM_JOB_RETRIES = 0
    settings.SMARTCRM_WORKER_BACKOFF_MAX = 30
    server = LoopbackMailServer()
    use_smtp(settings, server.port)
    notification = _notify(org, sales_user)
    before = timezone.now()

    output = run_worker()

    # then the e-mail waits in the queue, as it was, for the next try a second later
    assert "1 job(s) run, 0 failed, 1 put back until the mail server is back" in output
    (job,) = jobs_of("notification_email_send")
    assert (job.status, job.worker_ids, job.args_kwargs["kwargs"]) == (
        "READY",
        [],
        {"notification_id": str(notification.pk)},
    )
    assert (
        before + dt.timedelta(seconds=1)
        <= job.run_after
        <= timezone.now() + dt.timedelta(seconds=1)
    )
    notification.refresh_from_db()
    assert notification.emailed_at is None


def test_an_email_that_waited_for_the_mail_server_comes_once_marked_late(org, sales_user, settings):
    # given an e-mail put back while the mail server was down
    settings.SMARTCRM_REMINDER_LATE_AFTER = 120
    server = LoopbackMailServer()
    use_smtp(settings, server.port)
    notification = _notify(org, sales_user)
    run_worker()
    # when the server is back, three minutes after the notification
    Notification.objects.filter(pk=notification.pk).update(
        created_at=timezone.now() - dt.timedelta(minutes=3)
    )
    jobs_of("notification_email_send").update(run_after=timezone.now())
    server.start()
    try:
        output = run_worker()
        run_worker()
    finally:
        server.stop()

    # then it comes, once, marked late
    assert "1 job(s) run, 0 failed" in output
    (message,) = server.inbox.messages()
    assert message["Subject"] == "[late] Ai o sarcină nouă"
    assert "(Delivered late: the e-mail could not be sent at the time.)" in message.get_content()
    assert list(jobs_of("notification_email_send").values_list("status", flat=True)) == [
        "SUCCESSFUL"
    ]


def test_a_waiting_email_does_not_knock_before_its_turn(org, owner, sales_user, settings):
    # given a mail server that is down and three e-mails to send
    settings.SMARTCRM_WORKER_BACKOFF_MAX = 30
    server = LoopbackMailServer()
    use_smtp(settings, server.port)
    for user in (owner, sales_user, owner):
        _notify(org, user)

    run_worker()

    # then one tried; the others wait for the next try without trying (no run counted)
    jobs = list(jobs_of("notification_email_send"))
    assert [job.status for job in jobs] == ["READY"] * 3
    assert [job.worker_ids for job in jobs] == [[]] * 3
    assert len({job.run_after for job in jobs}) == 1
    assert jobs[0].run_after > timezone.now()


def test_preferences_refuse_an_unknown_kind_and_change_nothing(org, owner):
    from smartcrm.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as refused:
        notification_preferences_update(org=org, user=owner, email={"gossip": True})

    assert refused.value.field == "email.gossip"


def test_mark_all_read(org, owner, sales_user):
    _notify(org, owner)
    _notify(org, owner)
    _notify(org, sales_user)

    assert notification_mark_all_read(org=org, user=owner) == 2
    assert unread_count(org=org, user=owner) == 0
    assert unread_count(org=org, user=sales_user) == 1


# --- @mentions ---------------------------------------------------------------------------------


@pytest.fixture
def account(org, owner):
    return AccountFactory.create(org=org, user=owner, name="Carpați Logistic SRL")


def test_mentions_are_found_by_first_name_full_name_or_email_name(org, owner, sales_user, manager):
    assert mentioned_users(org, "@ion") == [sales_user]
    assert mentioned_users(org, "Vezi @Ion Ionescu, mulțumesc") == [sales_user]
    assert mentioned_users(org, "@maria.stan și @ION.IONESCU") == [manager, sales_user]
    assert mentioned_users(org, "scrie la ion@example.ro") == []
    assert mentioned_users(org, "@nimeni") == []


def test_a_note_mentioning_a_member_notifies_them_after_commit(
    org, owner, sales_user, manager, account, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        note = note_create(
            org=org, user=owner, account_id=account.pk, body="@Ion te rog sună-i. @Ana știe."
        )

    (mention,) = Notification.objects.filter(kind=NotificationKind.MENTION)
    assert mention.user == sales_user  # the author, Ana, is not told about herself
    assert "Carpați Logistic SRL" in mention.title
    assert mention.body == note.body
    assert mention.url == f"/accounts/{account.pk}/"


def test_editing_a_note_notifies_only_the_newly_mentioned(
    org, owner, sales_user, manager, account, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        note = note_create(org=org, user=owner, account_id=account.pk, body="@Ion vezi")
    with django_capture_on_commit_callbacks(execute=True):
        note_update(org=org, user=owner, note_id=note.pk, body="@Ion vezi, și @Maria")

    assert sorted(
        Notification.objects.filter(kind="mention").values_list("user__first_name", flat=True)
    ) == ["Ion", "Maria"]


# --- API ---------------------------------------------------------------------------------------


@pytest.fixture
def api(org, owner) -> ApiClient:
    return ApiClient(org, owner)


def test_api_preferences_default_to_every_kind_by_email_and_change(api):
    assert api.get("/api/v1/notifications/preferences").json() == {
        "email": {kind: True for kind in NotificationKind.values}
    }

    response = api.patch("/api/v1/notifications/preferences", {"email": {"mention": False}})

    assert response.status_code == 200
    assert response.json()["email"]["mention"] is False
    assert response.json()["email"]["reminder"] is True


def test_api_preferences_refuse_an_unknown_kind(api):
    response = api.patch("/api/v1/notifications/preferences", {"email": {"gossip": True}})

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "email.gossip"


def test_api_marks_all_read(api, org, owner):
    _notify(org, owner)
    _notify(org, owner)

    response = api.post("/api/v1/notifications/read-all")

    assert response.status_code == 200
    assert response.json() == {"marked": 2}
    assert api.get("/api/v1/notifications/unread-count").json() == {"unread": 0}
