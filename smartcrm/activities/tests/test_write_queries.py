"""How many statements planning an activity costs, per database (counted inside the test's
transaction: the service's savepoint and its release are two of them)."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.utils import timezone

from smartcrm.activities.services import activity_create
from smartcrm.contacts.services import contact_create
from smartcrm.sales.tests.factories import ProspectFactory

# Each write also inserts its audit log event: one statement more.
# membership, the prospect read, INSERT activity, its search row, its reminder queued
# (+ savepoint, release)
ACTIVITY_CREATE = {"sqlite": 8, "postgresql": 8}
# with participants: the current ones, the contacts checked, the links read and written
ACTIVITY_CREATE_WITH_PARTICIPANTS = {"sqlite": 12, "postgresql": 12}


def test_planning_a_call_counts_its_statements(org, owner, django_assert_num_queries):
    prospect = ProspectFactory.create(org=org, user=owner)
    start = timezone.now() + dt.timedelta(days=1)
    with django_assert_num_queries(ACTIVITY_CREATE[connection.vendor]):
        activity = activity_create(
            org=org,
            user=owner,
            prospect_id=prospect.pk,
            kind="call",
            subject="Sună",
            start_at=start,
        )
    assert (activity.owner_id, list(activity.participants.all())) == (owner.pk, [])


def test_planning_a_meeting_with_participants(org, owner, django_assert_num_queries):
    prospect = ProspectFactory.create(org=org, user=owner)
    contacts = [
        contact_create(org=org, user=owner, prospect_id=prospect.pk, last_name=name)
        for name in ("Pop", "Ene")
    ]
    start = timezone.now() + dt.timedelta(days=1)
    with django_assert_num_queries(ACTIVITY_CREATE_WITH_PARTICIPANTS[connection.vendor]):
        activity = activity_create(
            org=org,
            user=owner,
            prospect_id=prospect.pk,
            kind="meeting",
            subject="Prezentare",
            start_at=start,
            participant_ids=[contact.pk for contact in contacts],
        )
    assert {c.pk for c in activity.participants.all()} == {c.pk for c in contacts}
