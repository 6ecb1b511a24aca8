"""The calendar page, the calendar feed, an activity's .ics and the daily agenda e-mail
hold only the activities and tasks of the member's view scope (an activity is also seen
through the owner of the record it hangs on)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from smartcrm.activities.services import activity_create
from smartcrm.agenda.models import DailyAgenda
from smartcrm.agenda.selectors import feed_path
from smartcrm.agenda.services import calendar_feed_regenerate, daily_agenda_set
from smartcrm.api.tests.helpers import ApiClient
from smartcrm.core.scopes import ACTIONS
from smartcrm.core.tests.factories import give_role
from smartcrm.core.tests.teams import HOLDERS, reaches, sales_team, scoped_role
from smartcrm.notifications.tests.helpers import run_worker
from smartcrm.sales.tests.factories import ProspectFactory
from smartcrm.tasks.services import task_create

pytestmark = pytest.mark.django_db

BUCHAREST = ZoneInfo("Europe/Bucharest")


def _meetings(org, owner, people, start):
    """For each holder, a meeting of theirs on a prospect of theirs; and the outsider's
    meeting on my prospect (seen through my prospect)."""
    prospects = {}
    for holder in HOLDERS:
        prospects[holder] = ProspectFactory.create(
            org=org, user=owner, owner_id=people[holder].pk, company_name=f"Client {holder} SRL"
        )
    for holder in HOLDERS:
        activity_create(org=org, user=owner, kind="meeting", subject=f"Întâlnire {holder}",
                        start_at=start, owner_id=people[holder].pk,
                        prospect_id=prospects[holder].pk)  # fmt: skip
    activity_create(org=org, user=owner, kind="call", subject="Apel pe clientul meu",
                    start_at=start, owner_id=people["outsider"].pk,
                    prospect_id=prospects["me"].pk)  # fmt: skip


@pytest.mark.parametrize("scope", ["own", "department"])
def test_the_calendar_of_everyone_shows_only_the_view_scope(client, org, owner, scope):
    # given me with a ``scope`` role, and meetings of each holder this week
    people = sales_team(org, owner)
    scoped_role(org, owner, people["me"], scope)
    now = timezone.now()
    _meetings(org, owner, people, now)
    client.force_login(people["me"])

    # when I open the calendar of everyone's activities
    week = f"?view=week&owner=all&date={timezone.localdate(now, BUCHAREST).isoformat()}"
    page = client.get(reverse("activities:calendar") + week).content.decode()

    # then I see my scope's meetings, and the call on my prospect
    for holder in HOLDERS:
        assert (f"Întâlnire {holder}" in page) == reaches(scope, holder), holder
    assert "Apel pe clientul meu" in page


def _events(body: bytes) -> list[str]:
    return sorted(str(event["SUMMARY"]) for event in Calendar.from_ical(body).walk("VEVENT"))


def test_the_feed_applies_the_scope_of_its_member(client, org, owner):
    # given me seeing my own activities and no tasks, with a meeting and a task of mine
    people = sales_team(org, owner)
    me = people["me"]
    me.language = "en"
    me.save(update_fields=["language"])
    grants = {"activities": dict.fromkeys(ACTIONS, "own"), "tasks": dict.fromkeys(ACTIONS, "none")}
    give_role(org, owner, me, grants, "Fără sarcini")
    _meetings(org, owner, people, timezone.now() + dt.timedelta(days=1))
    task_create(org=org, user=owner, title="Trimite oferta", assignee_id=me.pk,
                due_at=timezone.now() + dt.timedelta(days=1))  # fmt: skip
    feed = calendar_feed_regenerate(org=org, user=me)

    # when a calendar app reads my feed (no login: the secret address)
    response = client.get(feed_path(feed))

    # then it holds my meeting, and no task
    assert response.status_code == 200
    assert _events(response.content) == ["Meeting: Întâlnire me"]


def test_an_activity_outside_the_scope_does_not_download_as_ics(client, org, owner):
    # given me seeing my own activities, and the colleague's meeting
    people = sales_team(org, owner)
    scoped_role(org, owner, people["me"], "own")
    _meetings(org, owner, people, timezone.now())
    from smartcrm.activities.models import Activity

    theirs = Activity.objects.get(subject="Întâlnire colleague")
    mine = Activity.objects.get(subject="Întâlnire me")
    client.force_login(people["me"])

    # when I download each as .ics, on the page and through the API
    api = ApiClient(org, people["me"])

    # then the colleague's is not found, mine comes
    assert client.get(f"/agenda/activities/{theirs.pk}.ics").status_code == 404
    assert api.get(f"/api/v1/activities/{theirs.pk}/ics").status_code == 404
    assert client.get(f"/agenda/activities/{mine.pk}.ics").status_code == 200
    assert api.get(f"/api/v1/activities/{mine.pk}/ics").status_code == 200


def test_the_daily_agenda_lists_only_what_its_recipient_may_see(org, owner, smtp_inbox):
    # given me seeing my own activities and no tasks, with a meeting and a task today
    people = sales_team(org, owner)
    me = people["me"]
    me.language = "en"
    me.save(update_fields=["language"])
    grants = {"activities": dict.fromkeys(ACTIONS, "own"), "tasks": dict.fromkeys(ACTIONS, "none")}
    give_role(org, owner, me, grants, "Fără sarcini")
    today = timezone.localdate(timezone=BUCHAREST)
    late = dt.datetime.combine(today, dt.time(23, 0), tzinfo=BUCHAREST)
    _meetings(org, owner, people, late)
    task_create(org=org, user=owner, title="Trimite oferta", assignee_id=me.pk, due_at=late)
    daily_agenda_set(org=org, user=me, enabled=True, send_at=dt.time(7, 30))
    DailyAgenda.objects.filter(user=me).update(next_at=timezone.now() - dt.timedelta(minutes=1))

    # when the worker sends it
    run_worker()

    # then it lists my meeting, and no task
    (message,) = [m for m in smtp_inbox.messages() if m["Subject"].startswith("Your agenda")]
    text = message.get_content()
    assert "23:00  Meeting: Întâlnire me" in text
    assert "Trimite oferta" not in text
    assert "No tasks due today." in text


def test_my_activity_on_a_record_outside_the_scope_does_not_name_it(client, org, owner):
    # given me seeing my own records, with a meeting of mine on the outsider's prospect
    people = sales_team(org, owner)
    me = people["me"]
    scoped_role(org, owner, me, "own")
    theirs = ProspectFactory.create(
        org=org, user=owner, owner_id=people["outsider"].pk, company_name="Munteanu Agro SRL"
    )
    activity = activity_create(org=org, user=owner, kind="meeting", subject="Vizită la fermă",
                               start_at=timezone.now() + dt.timedelta(hours=1),
                               owner_id=me.pk, prospect_id=theirs.pk)  # fmt: skip
    feed = calendar_feed_regenerate(org=org, user=me)
    client.force_login(me)

    # when I open my calendar, and a calendar app reads my feed
    week = f"?view=week&date={timezone.localdate(activity.start_at, BUCHAREST).isoformat()}"
    page = client.get(reverse("activities:calendar") + week).content.decode()
    body = client.get(feed_path(feed)).content.decode()

    # then the meeting is there, leading to its own page, and the prospect is not named
    assert "Vizită la fermă" in page and "Vizită la fermă" in body
    assert str(theirs.pk) not in page
    assert reverse("activities:activity", args=[activity.pk]) in page
    assert "Munteanu Agro SRL" not in body
