"""The database itself holds "exactly one parent" (at most one for tasks) and "one primary
contact per record", whatever code writes the rows.

These tests write with the raw ORM on purpose: they bypass the services to prove that the
CHECK and unique constraints exist in the schema (SQLite and PostgreSQL alike).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from smartcrm.activities.models import Activity
from smartcrm.contacts.models import Contact
from smartcrm.notes.models import Note
from smartcrm.sales.tests.factories import AccountFactory, OfferFactory, ProspectFactory
from smartcrm.tasks.choices import TaskStatus
from smartcrm.tasks.models import Task

MONDAY_9 = dt.datetime(2026, 3, 9, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def records(org, owner):
    """A prospect, an account and an offer of the account, built through the services."""
    prospect = ProspectFactory.create(org=org, user=owner)
    account = AccountFactory.create(org=org, user=owner)
    offer = OfferFactory.create(org=org, user=owner, account_id=account.pk)
    return prospect, account, offer


# --- Contacts -------------------------------------------------------------------------


def test_database_refuses_contact_with_prospect_and_account(org, records):
    # given a prospect and an account
    prospect, account, _offer = records

    # when a contact row names both
    with pytest.raises(IntegrityError), transaction.atomic():
        Contact.objects.create(
            organization=org, last_name="Dobre", prospect=prospect, account=account
        )

    # then the database refused it
    assert Contact.objects.count() == 0


def test_database_refuses_contact_without_parent(org):
    # given an organisation
    # when a contact row names neither a prospect nor an account
    with pytest.raises(IntegrityError), transaction.atomic():
        Contact.objects.create(organization=org, last_name="Dobre")

    # then the database refused it
    assert Contact.objects.count() == 0


def test_database_refuses_contacts_without_parent_in_bulk(org, records):
    # given a prospect
    prospect, _account, _offer = records

    # when a bulk insert mixes a valid contact with one that has no parent
    with pytest.raises(IntegrityError), transaction.atomic():
        Contact.objects.bulk_create(
            [
                Contact(organization=org, last_name="Dobre", prospect=prospect),
                Contact(organization=org, last_name="Marin"),
            ]
        )

    # then the whole insert was refused
    assert Contact.objects.count() == 0


def test_database_accepts_contact_with_exactly_one_parent(org, records):
    # given a prospect and an account
    prospect, account, _offer = records

    # when one contact names the prospect and another the account
    Contact.objects.create(organization=org, last_name="Dobre", prospect=prospect)
    Contact.objects.create(organization=org, last_name="Marin", account=account)

    # then both are stored (the constraint is not simply refusing everything)
    assert Contact.objects.count() == 2


def test_database_refuses_second_primary_contact_of_a_prospect(org, records):
    # given a prospect with a primary contact
    prospect, _account, _offer = records
    Contact.objects.create(organization=org, last_name="Dobre", prospect=prospect, is_primary=True)

    # when a second primary contact row is inserted on the same prospect
    with pytest.raises(IntegrityError), transaction.atomic():
        Contact.objects.create(
            organization=org, last_name="Marin", prospect=prospect, is_primary=True
        )

    # then the database refused it; the first stays the only primary
    assert list(Contact.objects.filter(is_primary=True).values_list("last_name", flat=True)) == [
        "Dobre"
    ]


def test_database_refuses_second_primary_contact_of_an_account(org, records):
    # given an account with a primary contact
    _prospect, account, _offer = records
    Contact.objects.create(organization=org, last_name="Dobre", account=account, is_primary=True)

    # when a second primary contact row is inserted on the same account
    with pytest.raises(IntegrityError), transaction.atomic():
        Contact.objects.create(
            organization=org, last_name="Marin", account=account, is_primary=True
        )

    # then the database refused it
    assert Contact.objects.filter(account=account).count() == 1


def test_database_accepts_primary_contacts_on_different_records(org, owner, records):
    # given two prospects, each with a primary contact, and non-primary contacts beside them
    prospect, _account, _offer = records
    other = ProspectFactory.create(org=org, user=owner)
    Contact.objects.create(organization=org, last_name="Dobre", prospect=prospect, is_primary=True)
    Contact.objects.create(organization=org, last_name="Marin", prospect=other, is_primary=True)

    # when more non-primary contacts are added to the first prospect
    Contact.objects.create(organization=org, last_name="Stan", prospect=prospect)
    Contact.objects.create(organization=org, last_name="Pop", prospect=prospect)

    # then all are stored: the uniqueness is per record and only among primary contacts
    assert Contact.objects.count() == 4


# --- Notes ----------------------------------------------------------------------------


def test_database_refuses_note_without_parent(org):
    # given an organisation
    # when a note row names no record
    with pytest.raises(IntegrityError), transaction.atomic():
        Note.objects.create(organization=org, body="Notă")

    # then the database refused it
    assert Note.objects.count() == 0


def test_database_refuses_note_with_account_and_offer(org, records):
    # given an account and its offer
    _prospect, account, offer = records

    # when a note row names both
    with pytest.raises(IntegrityError), transaction.atomic():
        Note.objects.create(organization=org, body="Notă", account=account, offer=offer)

    # then the database refused it
    assert Note.objects.count() == 0


# --- Activities -----------------------------------------------------------------------


def test_database_refuses_activity_with_two_parents(org, records):
    # given a prospect and an offer
    prospect, _account, offer = records

    # when an activity row names both
    with pytest.raises(IntegrityError), transaction.atomic():
        Activity.objects.create(
            organization=org,
            kind="call",
            subject="Apel",
            start_at=MONDAY_9,
            prospect=prospect,
            offer=offer,
        )

    # then the database refused it
    assert Activity.objects.count() == 0


def test_database_refuses_activity_without_parent(org):
    # given an organisation
    # when an activity row names no record
    with pytest.raises(IntegrityError), transaction.atomic():
        Activity.objects.create(organization=org, kind="call", subject="Apel", start_at=MONDAY_9)

    # then the database refused it
    assert Activity.objects.count() == 0


def test_database_refuses_activity_ending_before_it_starts(org, records):
    # given a prospect
    prospect, _account, _offer = records

    # when an activity row ends an hour before it starts
    with pytest.raises(IntegrityError), transaction.atomic():
        Activity.objects.create(
            organization=org,
            kind="meeting",
            subject="Întâlnire",
            start_at=MONDAY_9,
            end_at=MONDAY_9 - dt.timedelta(hours=1),
            prospect=prospect,
        )

    # then the database refused it
    assert Activity.objects.count() == 0


# --- Tasks ----------------------------------------------------------------------------


def test_database_refuses_task_with_two_parents(org, records):
    # given a prospect and an account
    prospect, account, _offer = records

    # when a task row names both
    with pytest.raises(IntegrityError), transaction.atomic():
        Task.objects.create(organization=org, title="Sună", prospect=prospect, account=account)

    # then the database refused it
    assert Task.objects.count() == 0


def test_database_refuses_task_with_three_parents(org, records):
    # given a prospect, an account and an offer
    prospect, account, offer = records

    # when a task row names all three
    with pytest.raises(IntegrityError), transaction.atomic():
        Task.objects.create(
            organization=org, title="Sună", prospect=prospect, account=account, offer=offer
        )

    # then the database refused it
    assert Task.objects.count() == 0


def test_database_accepts_task_without_parent(org):
    # given an organisation
    # when a task row names no record
    task = Task.objects.create(organization=org, title="Raport lunar")

    # then it is stored: a task may stand alone
    assert list(Task.objects.values_list("pk", flat=True)) == [task.pk]


def test_database_refuses_done_task_without_completion_time(org):
    # given an organisation
    # when a task row is done without a completion time
    with pytest.raises(IntegrityError), transaction.atomic():
        Task.objects.create(organization=org, title="Raport", status=TaskStatus.DONE)

    # then the database refused it
    assert Task.objects.count() == 0
