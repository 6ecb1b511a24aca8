"""Reads of activities: what a member's view scope shows, by the selectors the pages and
the API share."""

from __future__ import annotations

import datetime as dt

import pytest

from smartcrm.activities import selectors
from smartcrm.activities.choices import ActivityKind, ActivityStatus
from smartcrm.activities.services import activity_cancel, activity_create
from smartcrm.core.errors import NotFound
from smartcrm.core.models import Membership
from smartcrm.sales.tests.factories import ProspectFactory

pytestmark = pytest.mark.django_db

MONDAY_9 = dt.datetime(2026, 3, 9, 9, 0, tzinfo=dt.UTC)


def _meeting(org, user, start_at, **fields):
    values = {"kind": ActivityKind.MEETING, "subject": "Prezentare", "start_at": start_at}
    return activity_create(org=org, user=user, **values, **fields)


def test_record_activities_split_planned_from_the_rest(org, owner):
    # given a prospect with two planned meetings and a logged call
    prospect = ProspectFactory.create(org=org, user=owner)
    later = _meeting(org, owner, MONDAY_9 + dt.timedelta(days=2), prospect_id=prospect.pk)
    sooner = _meeting(org, owner, MONDAY_9, prospect_id=prospect.pk)
    call = activity_create(
        org=org,
        user=owner,
        prospect_id=prospect.pk,
        kind=ActivityKind.CALL,
        subject="Apel de calificare",
        status=ActivityStatus.DONE,
        start_at=dt.datetime(2026, 1, 5, 10, 0, tzinfo=dt.UTC),
    )
    member = Membership.objects.get(organization=org, user=owner)

    # when the prospect's activities are read
    planned, past = selectors.record_activities(
        member=member, parent_kind="prospect", parent=prospect
    )

    # then the planned ones come soonest first, the call among the others
    assert list(planned) == [sooner, later]
    assert list(past) == [call]


def test_calendar_activities_leave_out_canceled_and_those_outside_the_range(org, owner):
    # given meetings inside the week, one canceled, and one the week after
    prospect = ProspectFactory.create(org=org, user=owner)
    monday = _meeting(org, owner, MONDAY_9, prospect_id=prospect.pk)
    canceled = _meeting(org, owner, MONDAY_9 + dt.timedelta(days=1), prospect_id=prospect.pk)
    activity_cancel(org=org, user=owner, activity_id=canceled.pk)
    _meeting(org, owner, MONDAY_9 + dt.timedelta(days=7), prospect_id=prospect.pk)
    member = Membership.objects.get(organization=org, user=owner)

    # when that week's calendar is read
    shown = selectors.calendar_activities(
        member=member,
        since=dt.datetime(2026, 3, 9, tzinfo=dt.UTC),
        until=dt.datetime(2026, 3, 16, tzinfo=dt.UTC),
    )

    # then only the Monday meeting is in it
    assert list(shown) == [monday]


def test_activity_get_refuses_another_organisations_activity(org, owner, other_org, other_owner):
    # given a meeting of another organisation
    prospect = ProspectFactory.create(org=other_org, user=other_owner)
    meeting = _meeting(other_org, other_owner, MONDAY_9, prospect_id=prospect.pk)
    member = Membership.objects.get(organization=org, user=owner)

    # when a member of this organisation asks for it
    # then it is not found
    with pytest.raises(NotFound):
        selectors.activity_get(member=member, activity_id=meeting.pk)


def test_activity_get_finds_the_members_activity(org, owner):
    # given a meeting on a prospect
    prospect = ProspectFactory.create(org=org, user=owner)
    meeting = _meeting(org, owner, MONDAY_9, prospect_id=prospect.pk)
    member = Membership.objects.get(organization=org, user=owner)

    # when the owner reads it
    found = selectors.activity_get(member=member, activity_id=meeting.pk)

    # then it is that meeting
    assert (found, found.subject) == (meeting, "Prezentare")
