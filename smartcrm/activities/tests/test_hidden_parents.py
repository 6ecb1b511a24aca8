"""A role may see every activity and task while it sees only its own prospects, accounts and
contacts: then an activity or task on someone else's record shows without that record's name
and link, its participants out of sight are not shown nor offered, and an edit keeps them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from smartcrm.activities.services import activity_create, activity_update
from smartcrm.contacts.services import contact_create
from smartcrm.core.scopes import ACTIONS, RECORD_MODULES
from smartcrm.core.tests.factories import UserFactory, add_member, give_role
from smartcrm.sales import services as sales
from smartcrm.tasks.services import task_create

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 12, 9, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def agent(org, owner):
    """Sees every activity and task, and only the prospects, accounts and contacts he holds."""
    person = UserFactory.create()
    add_member(org, owner, person)
    grants = {module: dict.fromkeys(ACTIONS, "own") for module in RECORD_MODULES}
    grants["activities"] = dict.fromkeys(ACTIONS, "all")
    grants["tasks"] = dict.fromkeys(ACTIONS, "all")
    give_role(org, owner, person, grants, "Agent cu agenda echipei")
    return person


@pytest.fixture
def theirs(org, owner):
    """The owner's account with a contact, a meeting with that contact and a task on it."""
    account = sales.account_create(org=org, user=owner, name="Oțelinox Prelucrări SRL")
    contact = contact_create(org=org, user=owner, account_id=account.pk, last_name="Bârlădeanu")
    meeting = activity_create(
        org=org,
        user=owner,
        account_id=account.pk,
        kind="meeting",
        subject="Prezentare",
        start_at=START,
        participant_ids=[contact.pk],
    )
    task = task_create(org=org, user=owner, account_id=account.pk, title="Trimite oferta")
    return account, contact, meeting, task


def test_the_lists_show_an_activity_and_a_task_on_a_record_out_of_sight_without_naming_it(
    client, agent, theirs
):
    # given the agent logged in
    client.force_login(agent)

    # when he opens the activities and the team's tasks
    activities = client.get(reverse("activities:activity-list")).content.decode()
    tasks = client.get(reverse("tasks:team-tasks")).content.decode()

    # then he sees the meeting and the task, but not the account's name
    assert "Prezentare" in activities and "Trimite oferta" in tasks
    for page in (activities, tasks):
        assert "Oțelinox" not in page
        assert 'data-testid="parent-hidden"' in page


def test_the_pages_of_an_activity_and_a_task_on_a_record_out_of_sight_name_nothing_of_it(
    client, agent, theirs
):
    _account, _contact, meeting, task = theirs
    client.force_login(agent)

    activity_page = client.get(reverse("activities:activity", args=[meeting.pk]))
    task_page = client.get(reverse("tasks:task", args=[task.pk]))

    assert activity_page.status_code == task_page.status_code == 200
    for page in (activity_page.content.decode(), task_page.content.decode()):
        assert "Oțelinox" not in page
        assert "Bârlădeanu" not in page  # neither shown as a participant nor offered


def test_an_edit_keeps_the_participants_the_editor_cannot_see(org, agent, theirs):
    _account, contact, meeting, _task = theirs

    # when the agent edits the meeting, sending the participants he was shown (none)
    activity_update(
        org=org, user=agent, activity_id=meeting.pk, subject="Prezentare nouă", participant_ids=[]
    )

    # then the participant he cannot see is still there
    meeting.refresh_from_db()
    assert meeting.subject == "Prezentare nouă"
    assert list(meeting.participants.values_list("pk", flat=True)) == [contact.pk]
