"""The trash: a delete moves a record and what hangs on it aside, a restore brings back
exactly that, the worker purges what waited longer than the retention."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import models
from django.utils import timezone

from smartcrm.activities.models import Activity
from smartcrm.activities.services import activity_create
from smartcrm.catalog import services as catalog
from smartcrm.catalog.models import Product
from smartcrm.contacts.models import Contact, OfferContact
from smartcrm.contacts.services import contact_create, contact_delete, offer_contacts_set
from smartcrm.core.choices import Role
from smartcrm.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from smartcrm.core.models import SearchEntry
from smartcrm.core.tests.factories import UserFactory, add_member
from smartcrm.notes.models import Note
from smartcrm.notes.services import note_create, note_delete
from smartcrm.sales import services as sales
from smartcrm.sales.models import (
    Account,
    Offer,
    OfferLine,
    OfferPipelineTotal,
    Prospect,
    RecordEvent,
)
from smartcrm.sales.services import bulk
from smartcrm.sales.tests.factories import AccountFactory, OfferFactory, ProspectFactory
from smartcrm.tasks.models import Task
from smartcrm.tasks.services import task_create
from smartcrm.trash.models import TrashBatch
from smartcrm.trash.selectors import trash_list
from smartcrm.trash.services import trash_purge_due, trash_restore

MONDAY_9 = dt.datetime(2026, 3, 9, 9, 0, tzinfo=dt.UTC)


def rows(model: type[models.Model], **lookup: Any) -> list[dict[str, Any]]:
    """Every column of the matching rows, trashed or not, in id order."""
    return list(model._base_manager.filter(**lookup).order_by("pk").values())


def participants(activity_ids: list[Any]) -> list[tuple[Any, Any]]:
    through = Activity.participants.through
    return sorted(
        through.objects.filter(activity_id__in=activity_ids).values_list(
            "activity_id", "contact_id"
        )
    )


def prospect_with_children(org, owner):
    prospect = ProspectFactory.create(org=org, user=owner, email="office@carpati.ro")
    ioana = contact_create(
        org=org,
        user=owner,
        prospect_id=prospect.pk,
        first_name="Ioana",
        last_name="Mureșan",
        email="ioana@carpati.ro",
        is_primary=True,
    )
    dan = contact_create(
        org=org, user=owner, prospect_id=prospect.pk, first_name="Dan", last_name="Țurcanu"
    )
    activity_create(
        org=org,
        user=owner,
        prospect_id=prospect.pk,
        kind="meeting",
        subject="Prezentare",
        start_at=MONDAY_9,
        participant_ids=[ioana.pk, dan.pk],
    )
    note_create(org=org, user=owner, prospect_id=prospect.pk, body="Sună după ora 14.")
    task_create(org=org, user=owner, prospect_id=prospect.pk, title="Trimite broșura")
    return prospect


def snapshot(prospect: Prospect) -> dict[str, Any]:
    activity_ids = [row["id"] for row in rows(Activity, prospect=prospect)]
    return {
        "prospect": rows(Prospect, pk=prospect.pk),
        "contacts": rows(Contact, prospect=prospect),
        "activities": rows(Activity, prospect=prospect),
        "participants": participants(activity_ids),
        "notes": rows(Note, prospect=prospect),
        "tasks": rows(Task, prospect=prospect),
        "events": rows(RecordEvent, prospect=prospect),
    }


# --- Delete moves to the trash -----------------------------------------------------------


def test_deleting_a_prospect_moves_it_and_its_children_to_one_batch(org, owner):
    # given a prospect with two contacts, a meeting, a note and a task
    prospect = prospect_with_children(org, owner)

    # when it is deleted
    sales.prospect_delete(org=org, user=owner, prospect_id=prospect.pk)

    # then it and its children are gone from every live read, and kept in one batch
    assert not Prospect.objects.filter(pk=prospect.pk).exists()
    assert Contact.objects.for_org(org).count() == 0
    assert (Activity.objects.count(), Note.objects.count(), Task.objects.count()) == (0, 0, 0)
    batch = TrashBatch.objects.get()
    assert (batch.kind, batch.object_id, batch.deleted_by_id, batch.owner_id) == (
        "prospect",
        prospect.pk,
        owner.pk,
        prospect.owner_id,
    )
    assert batch.children == {"contact": 2, "activity": 1, "note": 1, "task": 1}
    assert Prospect.objects.with_trashed().get(pk=prospect.pk).trash_id == batch.pk
    assert {row["trash_id"] for row in rows(Contact, prospect=prospect)} == {batch.pk}
    # and the search no longer finds any of them
    assert not SearchEntry.objects.filter(organization=org).exists()


def test_delete_then_restore_gives_back_every_row_and_link_unchanged(org, owner):
    # given a prospect with children, as stored
    prospect = prospect_with_children(org, owner)
    before = snapshot(prospect)
    search_before = sorted(
        SearchEntry.objects.filter(organization=org).values_list("kind", "object_id", "title")
    )

    # when it is deleted and restored
    sales.prospect_delete(org=org, user=owner, prospect_id=prospect.pk)
    record, restored = trash_restore(org=org, user=owner, kind="prospect", record_id=prospect.pk)

    # then every column of the record and of each child is what it was, links included
    assert record.pk == prospect.pk
    assert restored == {"contact": 2, "activity": 1, "note": 1, "task": 1}
    assert snapshot(prospect) == before
    assert not TrashBatch.objects.exists()
    # and the search finds them again
    assert (
        sorted(
            SearchEntry.objects.filter(organization=org).values_list("kind", "object_id", "title")
        )
        == search_before
    )


def test_delete_then_restore_of_an_offer_keeps_lines_contacts_and_pipeline_totals(org, owner):
    # given a draft offer with a line, a chosen contact and a note
    account = AccountFactory.create(org=org, user=owner)
    contact = contact_create(org=org, user=owner, account_id=account.pk, last_name="Pop")
    offer = OfferFactory.create(org=org, user=owner, account_id=account.pk)
    sales.offer_line_add(
        org=org, user=owner, offer_id=offer.pk, name="Licență", quantity="2", unit_price="150"
    )
    offer_contacts_set(org=org, user=owner, offer_id=offer.pk, contact_ids=[contact.pk])
    note_create(org=org, user=owner, offer_id=offer.pk, body="Negociază în martie.")
    before = (
        rows(Offer, pk=offer.pk),
        rows(OfferLine, offer=offer),
        rows(OfferContact, offer=offer),
        rows(Note, offer=offer),
    )
    totals = list(OfferPipelineTotal.objects.filter(organization=org, count__gt=0).values())

    # when it is deleted, its value leaves the pipeline
    sales.offer_delete(org=org, user=owner, offer_id=offer.pk)
    assert not OfferPipelineTotal.objects.filter(organization=org, count__gt=0).exists()
    assert not Offer.objects.for_org(org).exists()
    assert not Note.objects.for_org(org).exists()

    # and when restored, everything is back, totals too
    trash_restore(org=org, user=owner, kind="offer", record_id=offer.pk)
    after = (
        rows(Offer, pk=offer.pk),
        rows(OfferLine, offer=offer),
        rows(OfferContact, offer=offer),
        rows(Note, offer=offer),
    )
    assert after == before
    assert list(OfferPipelineTotal.objects.filter(organization=org, count__gt=0).values()) == totals


def test_a_trashed_contact_leaves_offers_and_activities_until_restored(org, owner):
    account = AccountFactory.create(org=org, user=owner)
    contact = contact_create(org=org, user=owner, account_id=account.pk, last_name="Pop")
    offer = OfferFactory.create(org=org, user=owner, account_id=account.pk)
    offer_contacts_set(org=org, user=owner, offer_id=offer.pk, contact_ids=[contact.pk])
    meeting = activity_create(
        org=org,
        user=owner,
        account_id=account.pk,
        kind="meeting",
        subject="Demo",
        start_at=MONDAY_9,
        participant_ids=[contact.pk],
    )

    contact_delete(org=org, user=owner, contact_id=contact.pk)
    assert list(offer.offer_contacts.all()) == []
    assert list(meeting.participants.all()) == []

    trash_restore(org=org, user=owner, kind="contact", record_id=contact.pk)
    assert [link.contact_id for link in offer.offer_contacts.all()] == [contact.pk]
    assert list(meeting.participants.all()) == [contact]


# --- Collisions ---------------------------------------------------------------------------


def test_a_trashed_product_code_is_free_and_its_restore_names_the_code(org, owner):
    # given a product in the trash
    old = catalog.product_create(
        org=org, user=owner, code="LIC-01", name="Licență", price=Decimal(1)
    )
    catalog.product_delete(org=org, user=owner, product_id=old.pk)

    # when a new product takes its code (in another case), it is allowed
    new = catalog.product_create(org=org, user=owner, code="lic-01", name="Nouă", price=Decimal(2))

    # then restoring the old one refuses, naming the code, and restores nothing
    with pytest.raises(Conflict) as refused:
        trash_restore(org=org, user=owner, kind="product", record_id=old.pk)
    assert (refused.value.field, refused.value.code) == ("code", "duplicate_code")
    assert "LIC-01" in refused.value.message
    assert list(Product.objects.for_org(org)) == [new]
    assert TrashBatch.objects.filter(object_id=old.pk).exists()


def test_a_live_product_code_is_still_unique(org, owner):
    catalog.product_create(org=org, user=owner, code="LIC-01", name="Licență", price=Decimal(1))
    with pytest.raises(ValidationFailed):
        catalog.product_create(org=org, user=owner, code="lic-01", name="Dublă", price=Decimal(1))


def test_a_trashed_email_does_not_block_a_new_record_that_refuses_duplicates(org, owner):
    prospect = ProspectFactory.create(org=org, user=owner, email="office@carpati.ro")
    sales.prospect_delete(org=org, user=owner, prospect_id=prospect.pk)

    again = sales.prospect_create(
        org=org,
        user=owner,
        company_name="Carpați",
        email="office@carpati.ro",
        allow_duplicate=False,
    )
    assert again.email == "office@carpati.ro"


def test_restoring_a_primary_contact_beside_a_new_primary_refuses(org, owner):
    prospect = ProspectFactory.create(org=org, user=owner)
    first = contact_create(
        org=org, user=owner, prospect_id=prospect.pk, last_name="Pop", is_primary=True
    )
    contact_delete(org=org, user=owner, contact_id=first.pk)
    contact_create(org=org, user=owner, prospect_id=prospect.pk, last_name="Ene", is_primary=True)

    with pytest.raises(Conflict) as refused:
        trash_restore(org=org, user=owner, kind="contact", record_id=first.pk)
    assert (refused.value.field, refused.value.code) == ("is_primary", "primary_taken")
    assert not Contact.objects.filter(pk=first.pk).exists()


def test_a_child_comes_back_only_after_its_parent(org, owner):
    # given a note deleted on its own, then its prospect
    prospect = ProspectFactory.create(org=org, user=owner)
    note = note_create(org=org, user=owner, prospect_id=prospect.pk, body="Prima notă")
    note_delete(org=org, user=owner, note_id=note.pk)
    sales.prospect_delete(org=org, user=owner, prospect_id=prospect.pk)

    # when the note is restored first, it refuses naming its parent
    with pytest.raises(Conflict) as refused:
        trash_restore(org=org, user=owner, kind="note", record_id=note.pk)
    assert (refused.value.field, refused.value.code) == ("prospect", "parent_in_trash")

    # and after the prospect (which did not carry it), it comes back
    _, restored = trash_restore(org=org, user=owner, kind="prospect", record_id=prospect.pk)
    assert restored == {}
    assert not Note.objects.filter(pk=note.pk).exists()
    trash_restore(org=org, user=owner, kind="note", record_id=note.pk)
    assert Note.objects.get(pk=note.pk).prospect_id == prospect.pk


# --- Who may restore ----------------------------------------------------------------------


def test_owner_of_the_record_or_an_admin_restores_another_sales_user_does_not(
    org, owner, sales_user
):
    other = UserFactory.create(email="radu@example.ro")
    add_member(org, owner, other, Role.SALES)
    prospect = ProspectFactory.create(org=org, user=sales_user)
    sales.prospect_delete(org=org, user=owner, prospect_id=prospect.pk)

    with pytest.raises(Forbidden):
        trash_restore(org=org, user=other, kind="prospect", record_id=prospect.pk)
    trash_restore(org=org, user=sales_user, kind="prospect", record_id=prospect.pk)
    assert Prospect.objects.filter(pk=prospect.pk).exists()


def test_the_trash_lists_for_a_sales_user_what_they_may_restore(org, owner, sales_user):
    mine = ProspectFactory.create(org=org, user=sales_user)
    theirs = ProspectFactory.create(org=org, user=owner)
    sales.prospect_delete(org=org, user=owner, prospect_id=mine.pk)
    sales.prospect_delete(org=org, user=owner, prospect_id=theirs.pk)
    from smartcrm.core.permissions import membership_of

    seen = [b.object_id for b in trash_list(membership=membership_of(org, sales_user))]
    assert seen == [mine.pk]
    assert len(trash_list(membership=membership_of(org, owner))) == 2


def test_another_organisation_cannot_restore(org, owner, other_org, other_owner):
    prospect = ProspectFactory.create(org=org, user=owner)
    sales.prospect_delete(org=org, user=owner, prospect_id=prospect.pk)
    with pytest.raises(NotFound):
        trash_restore(org=other_org, user=other_owner, kind="prospect", record_id=prospect.pk)


def test_restoring_a_live_record_is_not_found(org, owner):
    prospect = ProspectFactory.create(org=org, user=owner)
    with pytest.raises(NotFound):
        trash_restore(org=org, user=owner, kind="prospect", record_id=prospect.pk)
    with pytest.raises(NotFound):
        trash_restore(org=org, user=owner, kind="prospect", record_id="not-an-id")


# --- Bulk deletes ---------------------------------------------------------------------------


def test_a_bulk_delete_puts_each_prospect_in_the_trash_on_its_own(org, owner):
    first = prospect_with_children(org, owner)
    second = ProspectFactory.create(org=org, user=owner)
    bulk.prospects_delete(org=org, user=owner, prospect_ids=[first.pk, second.pk])

    assert sorted(TrashBatch.objects.values_list("object_id", flat=True)) == sorted(
        [first.pk, second.pk]
    )
    trash_restore(org=org, user=owner, kind="prospect", record_id=second.pk)
    assert list(Prospect.objects.for_org(org)) == [second]


def test_a_bulk_delete_of_accounts_goes_to_the_trash(org, owner):
    account = AccountFactory.create(org=org, user=owner)
    contact_create(org=org, user=owner, account_id=account.pk, last_name="Pop")
    bulk.accounts_delete(org=org, user=owner, account_ids=[account.pk])
    assert not Account.objects.for_org(org).exists()
    assert TrashBatch.objects.get().children == {"contact": 1}


# --- Purge ------------------------------------------------------------------------------------


def test_the_worker_purges_what_waited_longer_than_the_retention(org, owner, settings):
    # given a prospect with children deleted now, and another deleted later
    settings.SMARTCRM_TRASH_DAYS = 30
    prospect = prospect_with_children(org, owner)
    sales.prospect_delete(org=org, user=owner, prospect_id=prospect.pk)
    later = ProspectFactory.create(org=org, user=owner)
    sales.prospect_delete(org=org, user=owner, prospect_id=later.pk)
    TrashBatch.objects.filter(object_id=later.pk).update(
        deleted_at=timezone.now() + dt.timedelta(days=5)
    )

    # when the purge runs 29 days on, nothing goes
    assert trash_purge_due(now=timezone.now() + dt.timedelta(days=29)) == 0
    assert Prospect.objects.with_trashed().count() == 2

    # and 31 days on, the first one goes for good with every row it carried
    assert trash_purge_due(now=timezone.now() + dt.timedelta(days=31)) == 1
    assert list(Prospect.objects.with_trashed().values_list("pk", flat=True)) == [later.pk]
    assert rows(Contact) == rows(Activity) == rows(Note) == rows(Task) == []
    assert not RecordEvent.objects.filter(prospect_id=prospect.pk).exists()
    assert participants([]) == []
    assert list(TrashBatch.objects.values_list("object_id", flat=True)) == [later.pk]
    with pytest.raises(NotFound):
        trash_restore(org=org, user=owner, kind="prospect", record_id=prospect.pk)


def test_purging_a_trashed_offer_leaves_the_pipeline_totals_alone(org, owner):
    account = AccountFactory.create(org=org, user=owner)
    kept = OfferFactory.create(org=org, user=owner, account_id=account.pk)
    sales.offer_line_add(
        org=org, user=owner, offer_id=kept.pk, name="Licență", quantity="1", unit_price="100"
    )
    gone = OfferFactory.create(org=org, user=owner, account_id=account.pk)
    sales.offer_line_add(
        org=org, user=owner, offer_id=gone.pk, name="Licență", quantity="1", unit_price="40"
    )
    sales.offer_delete(org=org, user=owner, offer_id=gone.pk)

    trash_purge_due(now=timezone.now() + dt.timedelta(days=31))

    assert not Offer.objects.with_trashed().filter(pk=gone.pk).exists()
    total = OfferPipelineTotal.objects.get(organization=org, count__gt=0)
    assert (total.count, total.total_net_cents) == (1, 10000)
