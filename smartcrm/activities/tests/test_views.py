"""Activities in the browser: the record section, the list, the calendar, the new-activity
page and an activity's page."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from smartcrm.activities import services
from smartcrm.activities.choices import ActivityKind, ActivityStatus
from smartcrm.activities.models import Activity
from smartcrm.contacts.services import contact_create
from smartcrm.core import services as core_services
from smartcrm.core.modules import Module
from smartcrm.sales.tests.factories import AccountFactory, OfferFactory, ProspectFactory

HTMX = {"HTTP_HX_REQUEST": "true"}


def _activity(org, user, **fields):
    fields.setdefault("kind", ActivityKind.MEETING)
    fields.setdefault("subject", "Întâlnire la client")
    fields.setdefault("start_at", timezone.now() + dt.timedelta(days=1))
    return services.activity_create(org=org, user=user, **fields)


def _local(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


# --- the section ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_section_lists_planned_first_then_done(client, org, owner, sales_user):
    prospect = ProspectFactory.create(org=org, user=owner)
    _activity(
        org,
        owner,
        prospect_id=prospect.pk,
        subject="Apel făcut",
        kind=ActivityKind.CALL,
        status=ActivityStatus.DONE,
        start_at=timezone.now() - dt.timedelta(hours=2),
    )
    _activity(org, owner, prospect_id=prospect.pk, subject="Ședință viitoare")
    client.force_login(sales_user)

    response = client.get(reverse("activities:section", args=["prospect", prospect.pk]), **HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    assert html.index("Ședință viitoare") < html.index("Apel făcut")
    assert 'data-testid="log-call"' in html and 'data-testid="plan-meeting"' in html
    assert html.count('data-testid="activity-done"') == 1  # only the planned one


@pytest.mark.django_db
def test_section_marks_a_past_planned_activity_overdue(client, org, owner):
    account = AccountFactory.create(org=org, user=owner)
    _activity(org, owner, account_id=account.pk, start_at=timezone.now() - dt.timedelta(days=3))
    client.force_login(owner)

    response = client.get(reverse("activities:section", args=["account", account.pk]), **HTMX)

    assert 'data-testid="overdue"' in response.content.decode()


@pytest.mark.django_db
def test_section_of_another_organisations_record_is_404(client, org, owner, other_org, other_owner):
    foreign = AccountFactory.create(org=other_org, user=other_owner)
    client.force_login(owner)

    response = client.get(reverse("activities:section", args=["account", foreign.pk]))

    assert response.status_code == 404


@pytest.mark.django_db
def test_section_is_404_when_the_module_is_off(client, org, owner):
    prospect = ProspectFactory.create(org=org, user=owner)
    core_services.organization_set_modules(org=org, user=owner, enabled=[Module.NOTES])
    client.force_login(owner)

    assert (
        client.get(reverse("activities:section", args=["prospect", prospect.pk])).status_code == 404
    )
    assert client.get(reverse("activities:activity-list")).status_code == 404


@pytest.mark.django_db
def test_section_query_count_does_not_grow_with_activities(client, org, owner):
    account = AccountFactory.create(org=org, user=owner)
    ana = contact_create(org=org, user=owner, account_id=account.pk, last_name="Pop")
    url = reverse("activities:section", args=["account", account.pk])
    client.force_login(owner)
    for n in range(2):
        _activity(org, owner, account_id=account.pk, subject=f"a{n}", participant_ids=[ana.pk])
    with CaptureQueriesContext(connection) as two:
        client.get(url, **HTMX)
    for n in range(2, 20):
        _activity(org, owner, account_id=account.pk, subject=f"a{n}", participant_ids=[ana.pk])
    with CaptureQueriesContext(connection) as twenty:
        response = client.get(url, **HTMX)

    assert response.content.decode().count('data-testid="activity-row"') == 20
    assert len(twenty) == len(two)


@pytest.mark.django_db
def test_log_a_call_creates_a_done_call_and_tells_the_page(client, org, owner):
    prospect = ProspectFactory.create(org=org, user=owner)
    ana = contact_create(org=org, user=owner, prospect_id=prospect.pk, last_name="Pop")
    url = reverse("activities:activity-create", args=["prospect", prospect.pk]) + "?mode=call"
    client.force_login(owner)
    when = timezone.now() - dt.timedelta(minutes=30)

    form = client.get(url, **HTMX)
    response = client.post(
        url,
        {
            "subject": "Apel de calificare",
            "start_at": _local(when),
            "outcome": "Vor o ofertă",
            "participant_ids": [str(ana.pk)],
        },
        **HTMX,
    )

    assert form.status_code == 200
    assert "Log a call" in form.content.decode()
    assert response.status_code == 204
    assert json.loads(response["HX-Trigger"]) == {"closeDialog": True, "activities-changed": True}
    call = Activity.objects.get(prospect=prospect)
    assert (call.kind, call.status, call.outcome) == ("call", "done", "Vor o ofertă")
    assert list(call.participants.all()) == [ana]


@pytest.mark.django_db
def test_log_a_call_in_the_future_is_refused_next_to_the_time(client, org, owner):
    prospect = ProspectFactory.create(org=org, user=owner)
    url = reverse("activities:activity-create", args=["prospect", prospect.pk]) + "?mode=call"
    client.force_login(owner)

    response = client.post(
        url,
        {"subject": "Apel", "start_at": _local(timezone.now() + dt.timedelta(days=2))},
        **HTMX,
    )

    assert response.status_code == 422
    assert 'id="id_start_at_error"' in response.content.decode()
    assert not Activity.objects.exists()


@pytest.mark.django_db
def test_plan_a_meeting_in_the_members_time_zone(client, org, owner):
    account = AccountFactory.create(org=org, user=owner)
    url = reverse("activities:activity-create", args=["account", account.pk]) + "?mode=meeting"
    client.force_login(owner)

    response = client.post(
        url,
        {
            "subject": "Demo produs",
            "start_at": "2031-03-10T10:00",
            "end_at": "2031-03-10T11:00",
            "location": "Cluj-Napoca",
            "reminder": "30",
        },
        **HTMX,
    )

    assert response.status_code == 204
    meeting = Activity.objects.get(account=account)
    assert (meeting.kind, meeting.status, meeting.reminder_minutes) == ("meeting", "planned", 30)
    # 10:00 in Bucharest (UTC+2 in March) is 08:00 UTC.
    assert meeting.start_at == dt.datetime(2031, 3, 10, 8, 0, tzinfo=dt.UTC)


@pytest.mark.django_db
def test_plan_a_meeting_that_ends_before_it_starts_is_refused(client, org, owner):
    account = AccountFactory.create(org=org, user=owner)
    url = reverse("activities:activity-create", args=["account", account.pk]) + "?mode=meeting"
    client.force_login(owner)

    response = client.post(
        url,
        {"subject": "Demo", "start_at": "2031-03-10T10:00", "end_at": "2031-03-10T09:00"},
        **HTMX,
    )

    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="id_end_at_error"' in html
    assert 'value="Demo"' in html
    assert not Activity.objects.exists()


@pytest.mark.django_db
def test_plan_a_meeting_without_a_start_is_refused(client, org, owner):
    account = AccountFactory.create(org=org, user=owner)
    url = reverse("activities:activity-create", args=["account", account.pk]) + "?mode=meeting"
    client.force_login(owner)

    response = client.post(url, {"subject": "Demo", "start_at": "mâine"}, **HTMX)

    assert response.status_code == 422
    assert 'id="id_start_at_error"' in response.content.decode()


@pytest.mark.django_db
def test_unknown_dialog_mode_is_404(client, org, owner):
    account = AccountFactory.create(org=org, user=owner)
    client.force_login(owner)

    url = reverse("activities:activity-create", args=["account", account.pk]) + "?mode=party"
    assert client.get(url).status_code == 404


# --- one-click actions ------------------------------------------------------------------------


@pytest.mark.django_db
def test_mark_done_from_the_section(client, org, owner):
    prospect = ProspectFactory.create(org=org, user=owner)
    meeting = _activity(org, owner, prospect_id=prospect.pk)
    client.force_login(owner)

    response = client.post(
        reverse("activities:activity-done", args=[meeting.pk]),
        {"version": meeting.version, "outcome": "Semnat"},
        **HTMX,
    )

    assert response.status_code == 204
    assert json.loads(response["HX-Trigger"]) == {"activities-changed": True}
    meeting.refresh_from_db()
    assert (meeting.status, meeting.outcome) == ("done", "Semnat")


@pytest.mark.django_db
def test_cancel_from_the_list_answers_with_the_row(client, org, owner):
    prospect = ProspectFactory.create(org=org, user=owner)
    meeting = _activity(org, owner, prospect_id=prospect.pk)
    client.force_login(owner)

    response = client.post(
        reverse("activities:activity-cancel", args=[meeting.pk]),
        {"version": meeting.version, "show": "row"},
        **HTMX,
    )

    assert response.status_code == 200
    assert 'data-status="canceled"' in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.status == "canceled"


@pytest.mark.django_db
def test_mark_done_twice_is_a_409_with_a_message(client, org, owner):
    prospect = ProspectFactory.create(org=org, user=owner)
    meeting = _activity(org, owner, prospect_id=prospect.pk)
    services.activity_complete(org=org, user=owner, activity_id=meeting.pk)
    client.force_login(owner)

    response = client.post(reverse("activities:activity-done", args=[meeting.pk]), **HTMX)

    assert response.status_code == 409
    assert response["X-Error-Message"]


@pytest.mark.django_db
def test_mark_done_with_a_stale_version_is_409(client, org, owner):
    prospect = ProspectFactory.create(org=org, user=owner)
    meeting = _activity(org, owner, prospect_id=prospect.pk)
    client.force_login(owner)

    response = client.post(
        reverse("activities:activity-done", args=[meeting.pk]),
        {"version": meeting.version + 5},
        **HTMX,
    )

    assert response.status_code == 409
    meeting.refresh_from_db()
    assert meeting.status == "planned"


@pytest.mark.django_db
def test_actions_on_another_organisations_activity_are_404(
    client, org, owner, other_org, other_owner
):
    foreign_prospect = ProspectFactory.create(org=other_org, user=other_owner)
    foreign = _activity(other_org, other_owner, prospect_id=foreign_prospect.pk)
    client.force_login(owner)

    for name in ("activity-done", "activity-cancel", "activity-delete"):
        assert client.post(reverse(f"activities:{name}", args=[foreign.pk])).status_code == 404
    assert client.get(reverse("activities:activity", args=[foreign.pk])).status_code == 404
    foreign.refresh_from_db()
    assert foreign.status == "planned"


# --- the list --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_list_shows_activities_for_every_role(client, org, owner, sales_user, manager):
    account = AccountFactory.create(org=org, user=owner)
    _activity(org, owner, account_id=account.pk, subject="Vizită")
    for user in (owner, sales_user, manager):
        client.force_login(user)
        response = client.get(reverse("activities:activity-list"))
        assert response.status_code == 200
        assert "Vizită" in response.content.decode()


@pytest.mark.django_db
def test_list_filters_overdue_and_by_kind(client, org, owner):
    account = AccountFactory.create(org=org, user=owner)
    _activity(org, owner, account_id=account.pk, subject="Întârziată",
              start_at=timezone.now() - dt.timedelta(days=2))  # fmt: skip
    _activity(org, owner, account_id=account.pk, subject="Viitoare")
    _activity(org, owner, account_id=account.pk, subject="Un e-mail", kind=ActivityKind.EMAIL)
    client.force_login(owner)

    overdue = client.get(reverse("activities:activity-list"), {"overdue": "true"}).content.decode()
    emails = client.get(reverse("activities:activity-list"), {"kind": "email"}).content.decode()

    assert "Întârziată" in overdue and "Viitoare" not in overdue
    assert "Un e-mail" in emails and "Viitoare" not in emails


@pytest.mark.django_db
def test_list_filters_by_local_date_range(client, org, owner):
    account = AccountFactory.create(org=org, user=owner)
    # 23:30 on 9 March in Bucharest is still 9 March there (21:30 UTC).
    _activity(org, owner, account_id=account.pk, subject="Seara",
              start_at=dt.datetime(2031, 3, 9, 21, 30, tzinfo=dt.UTC))  # fmt: skip
    _activity(org, owner, account_id=account.pk, subject="Dimineața",
              start_at=dt.datetime(2031, 3, 10, 7, 0, tzinfo=dt.UTC))  # fmt: skip
    client.force_login(owner)

    html = client.get(
        reverse("activities:activity-list"), {"date_from": "2031-03-10", "date_to": "2031-03-10"}
    ).content.decode()

    assert "Dimineața" in html and "Seara" not in html


@pytest.mark.django_db
def test_list_with_a_bad_filter_names_it_and_still_answers(client, org, owner):
    client.force_login(owner)

    response = client.get(
        reverse("activities:activity-list"), {"kind": "party", "date_from": "ieri", "ordering": "x"}
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "kind" in html and "date_from" in html


@pytest.mark.django_db
def test_list_query_count_does_not_grow_with_rows(client, org, owner):
    prospect = ProspectFactory.create(org=org, user=owner)
    account = AccountFactory.create(org=org, user=owner)
    offer = OfferFactory.create(org=org, user=owner, account_id=account.pk)
    parents = [{"prospect_id": prospect.pk}, {"account_id": account.pk}, {"offer_id": offer.pk}]
    url = reverse("activities:activity-list")
    client.force_login(owner)
    for n in range(2):
        _activity(org, owner, subject=f"a{n}", **parents[n % 3])
    with CaptureQueriesContext(connection) as two:
        client.get(url)
    for n in range(2, 20):
        _activity(org, owner, subject=f"a{n}", **parents[n % 3])
    with CaptureQueriesContext(connection) as twenty:
        response = client.get(url)

    assert response.content.decode().count('data-testid="activity-row"') == 20
    assert len(twenty) == len(two)


@pytest.mark.django_db
def test_list_loads_more_rows_as_a_fragment(client, org, owner, settings):
    account = AccountFactory.create(org=org, user=owner)
    for n in range(55):
        _activity(org, owner, account_id=account.pk, subject=f"Activitate {n:02d}",
                  start_at=timezone.now() + dt.timedelta(hours=n + 1))  # fmt: skip
    client.force_login(owner)

    first = client.get(reverse("activities:activity-list"))
    cursor = first.content.decode().split("cursor=")[1].split('"')[0].split("&")[0]
    more = client.get(reverse("activities:activity-list"), {"cursor": cursor}, **HTMX)

    assert first.content.decode().count('data-testid="activity-row"') == 50
    assert more.status_code == 200
    assert more.content.decode().count('data-testid="activity-row"') == 5
    assert "<html" not in more.content.decode()


# --- the calendar ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_week_calendar_shows_the_weeks_activities_linked_to_their_record(client, org, owner):
    account = AccountFactory.create(org=org, user=owner)
    # Wednesday 12 March 2031, 09:00 in Bucharest.
    _activity(org, owner, account_id=account.pk, subject="Demo",
              start_at=dt.datetime(2031, 3, 12, 7, 0, tzinfo=dt.UTC))  # fmt: skip
    _activity(org, owner, account_id=account.pk, subject="Săptămâna viitoare",
              start_at=dt.datetime(2031, 3, 18, 7, 0, tzinfo=dt.UTC))  # fmt: skip
    client.force_login(owner)

    response = client.get(reverse("activities:calendar"), {"view": "week", "date": "2031-03-12"})

    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('data-testid="calendar-day"') == 7
    assert 'data-date="2031-03-10"' in html  # the week starts on Monday
    assert "09:00" in html and "Demo" in html
    assert "Săptămâna viitoare" not in html


@pytest.mark.django_db
def test_month_calendar_covers_whole_weeks(client, org, owner, sales_user):
    account = AccountFactory.create(org=org, user=owner)
    _activity(org, owner, account_id=account.pk, subject="La sfârșit de lună",
              start_at=dt.datetime(2031, 3, 31, 7, 0, tzinfo=dt.UTC))  # fmt: skip
    client.force_login(sales_user)

    mine = client.get(reverse("activities:calendar"), {"view": "month", "date": "2031-03-05"})
    everyone = client.get(
        reverse("activities:calendar"), {"view": "month", "date": "2031-03-05", "owner": "all"}
    )

    assert mine.status_code == 200
    # March 2031: Monday 24 February to Sunday 6 April, six weeks.
    assert mine.content.decode().count('data-testid="calendar-day"') == 42
    assert "La sfârșit de lună" not in mine.content.decode()  # the owner's, not mine
    assert "La sfârșit de lună" in everyone.content.decode()


@pytest.mark.django_db
def test_calendar_with_bad_parameters_shows_this_week(client, org, owner):
    client.force_login(owner)

    response = client.get(
        reverse("activities:calendar"), {"view": "year", "date": "31.02.2031", "owner": "x"}
    )

    assert response.status_code == 200
    assert response.content.decode().count('data-testid="calendar-day"') == 7


# --- the new-activity page, an activity's page ---------------------------------------------


@pytest.mark.django_db
def test_new_activity_page_from_a_record_creates_it(client, org, owner):
    prospect = ProspectFactory.create(org=org, user=owner, company_name="Gama Construct SRL")
    client.force_login(owner)

    page = client.get(reverse("activities:activity-new"), {"prospect": prospect.pk})
    response = client.post(
        reverse("activities:activity-new"),
        {
            "parent": f"prospect:{prospect.pk}",
            "kind": "email",
            "status": "planned",
            "subject": "Trimite broșura",
            "start_at": "2031-03-10T10:00",
            "owner_id": str(owner.pk),
            "reminder": "none",
        },
    )

    assert page.status_code == 200
    assert "Gama Construct SRL" in page.content.decode()
    activity = Activity.objects.get(prospect=prospect)
    assert response.status_code == 302
    assert response["Location"] == reverse("activities:activity", args=[activity.pk])
    assert (activity.kind, activity.reminder_minutes) == ("email", None)


@pytest.mark.django_db
def test_new_activity_without_a_record_is_refused_next_to_the_picker(client, org, owner):
    client.force_login(owner)

    response = client.post(
        reverse("activities:activity-new"),
        {"kind": "call", "status": "planned", "subject": "Apel", "start_at": "2031-03-10T10:00"},
    )

    assert response.status_code == 422
    assert 'id="id_parent_error"' in response.content.decode()
    assert not Activity.objects.exists()


@pytest.mark.django_db
def test_new_activity_on_another_organisations_record_is_refused(
    client, org, owner, other_org, other_owner
):
    foreign = ProspectFactory.create(org=other_org, user=other_owner)
    client.force_login(owner)

    page = client.get(reverse("activities:activity-new"), {"prospect": foreign.pk})
    response = client.post(
        reverse("activities:activity-new"),
        {
            "parent": f"prospect:{foreign.pk}",
            "kind": "call",
            "status": "planned",
            "subject": "Apel",
            "start_at": "2031-03-10T10:00",
        },
    )

    assert page.status_code == 404
    assert response.status_code == 422
    assert 'id="id_parent_error"' in response.content.decode()
    assert not Activity.objects.exists()


@pytest.mark.django_db
def test_record_picker_finds_prospects_and_accounts(client, org, owner, other_org, other_owner):
    ProspectFactory.create(org=org, user=owner, company_name="Ștefănescu Trans SRL")
    ProspectFactory.create(org=other_org, user=other_owner, company_name="Stefanescu Altă Firmă")
    client.force_login(owner)

    response = client.get(reverse("activities:parent-search"), {"q": "stefanescu"}, **HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('data-testid="parent-choice"') == 1
    assert "Ștefănescu Trans SRL" in html


@pytest.mark.django_db
def test_activity_page_edits_and_refuses_a_stale_version(client, org, owner, sales_user):
    account = AccountFactory.create(org=org, user=owner)
    meeting = _activity(org, owner, account_id=account.pk, subject="Vechi")
    url = reverse("activities:activity", args=[meeting.pk])
    client.force_login(sales_user)
    data = {
        "kind": "meeting",
        "subject": "Nou",
        "start_at": "2031-03-10T10:00",
        "owner_id": str(owner.pk),
        "reminder": "15",
        "version": meeting.version,
    }

    page = client.get(url)
    saved = client.post(url, data)
    stale = client.post(url, {**data, "subject": "Al treilea"})

    assert page.status_code == 200
    assert saved.status_code == 302
    meeting.refresh_from_db()
    assert (meeting.subject, meeting.reminder_minutes) == ("Nou", 15)
    assert stale.status_code == 422
    assert "Someone else changed this record meanwhile" in stale.content.decode()
    assert 'value="Al treilea"' in stale.content.decode()


@pytest.mark.django_db
def test_delete_from_the_activity_page_goes_back_to_the_record(client, org, owner):
    account = AccountFactory.create(org=org, user=owner)
    meeting = _activity(org, owner, account_id=account.pk)
    client.force_login(owner)

    response = client.post(
        reverse("activities:activity-delete", args=[meeting.pk]),
        {"version": meeting.version, "show": "redirect", "next": "/"},
        **HTMX,
    )

    assert response.status_code == 204
    assert response["HX-Redirect"]
    assert not Activity.objects.exists()


@pytest.mark.django_db
def test_a_sales_user_cannot_delete_someone_elses_activity_from_the_page(
    client, org, owner, sales_user
):
    account = AccountFactory.create(org=org, user=owner)
    meeting = _activity(org, owner, account_id=account.pk)
    client.force_login(sales_user)

    response = client.post(
        reverse("activities:activity-delete", args=[meeting.pk]),
        {"version": meeting.version},
        **HTMX,
    )

    assert response.status_code == 403
    assert "Only the record" in response.content.decode()
    assert Activity.objects.filter(pk=meeting.pk).exists()
