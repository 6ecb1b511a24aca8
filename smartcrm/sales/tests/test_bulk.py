"""Bulk actions of the list pages: all selected rows change, or none."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from smartcrm.contacts.models import Contact
from smartcrm.contacts.services import contact_create
from smartcrm.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from smartcrm.core.models import SearchEntry
from smartcrm.notes.models import Note
from smartcrm.notes.services import note_create
from smartcrm.sales.choices import EventKind, ProspectStatus
from smartcrm.sales.models import Account, Offer, Prospect, RecordEvent
from smartcrm.sales.services import bulk, offer_delete, prospect_convert
from smartcrm.sales.services.offers_bulk import offers_set_owner
from smartcrm.sales.tests.factories import (
    AccountFactory,
    OfferFactory,
    ProspectFactory,
    qualified_prospect,
)
from smartcrm.tasks.models import Task
from smartcrm.tasks.services import task_create
from smartcrm.trash.models import TrashBatch
from smartcrm.trash.services import trash_restore


def _prospects(org, user, count, **fields):
    return [ProspectFactory.create(org=org, user=user, **fields) for _ in range(count)]


def test_assign_owner_changes_every_selected_prospect_and_records_it(org, owner, sales_user):
    chosen = _prospects(org, owner, 3)
    other = ProspectFactory.create(org=org, user=owner)

    changed = bulk.prospects_assign_owner(
        org=org, user=owner, prospect_ids=[p.pk for p in chosen], owner_id=sales_user.pk
    )

    assert changed == 3
    rows = {p.pk: (p.owner_id, p.version) for p in Prospect.objects.all()}
    assert all(rows[p.pk] == (sales_user.pk, 2) for p in chosen)
    assert rows[other.pk] == (owner.pk, 1)
    events = RecordEvent.objects.filter(kind=EventKind.UPDATED, prospect__in=chosen)
    assert sorted(e.data["fields"] for e in events) == [["owner_id"]] * 3


def test_assign_to_the_current_owner_changes_nothing(org, owner):
    prospect = ProspectFactory.create(org=org, user=owner)
    assert (
        bulk.prospects_assign_owner(
            org=org, user=owner, prospect_ids=[prospect.pk], owner_id=owner.pk
        )
        == 0
    )
    assert Prospect.objects.get(pk=prospect.pk).version == 1


def test_assign_to_a_non_member_is_refused_naming_the_field(org, owner, other_owner):
    prospect = ProspectFactory.create(org=org, user=owner)
    with pytest.raises(ValidationFailed) as error:
        bulk.prospects_assign_owner(
            org=org, user=owner, prospect_ids=[prospect.pk], owner_id=other_owner.pk
        )
    assert error.value.field == "owner_id"
    assert Prospect.objects.get(pk=prospect.pk).owner_id == owner.pk


def test_a_selection_with_another_organisations_row_changes_nothing(
    org, owner, sales_user, other_org, other_owner
):
    mine = ProspectFactory.create(org=org, user=owner)
    theirs = ProspectFactory.create(org=other_org, user=other_owner)
    with pytest.raises(NotFound):
        bulk.prospects_assign_owner(
            org=org, user=owner, prospect_ids=[mine.pk, theirs.pk], owner_id=sales_user.pk
        )
    assert Prospect.objects.get(pk=mine.pk).owner_id == owner.pk
    assert Prospect.objects.get(pk=theirs.pk).owner_id == other_owner.pk


@pytest.mark.parametrize("ids", [[], ["not-a-uuid"]])
def test_an_empty_or_malformed_selection_is_refused(org, owner, ids):
    with pytest.raises(ValidationFailed) as error:
        bulk.prospects_set_status(org=org, user=owner, prospect_ids=ids, status="in_progress")
    assert error.value.field == "ids"


def test_set_status_moves_every_prospect_and_writes_one_event_each(org, owner):
    chosen = _prospects(org, owner, 2)
    moved = bulk.prospects_set_status(
        org=org,
        user=owner,
        prospect_ids=[p.pk for p in chosen],
        status="disqualified",
        reason="  Fără   buget ",
    )
    assert moved == 2
    assert set(Prospect.objects.values_list("status", "disqualify_reason")) == {
        ("disqualified", "Fără buget")
    }
    events = RecordEvent.objects.filter(kind=EventKind.STATUS_CHANGED)
    assert sorted((e.data["old"], e.data["new"]) for e in events) == [
        ("new", "disqualified"),
        ("new", "disqualified"),
    ]


def test_disqualifying_needs_a_reason(org, owner):
    prospect = ProspectFactory.create(org=org, user=owner)
    with pytest.raises(ValidationFailed) as error:
        bulk.prospects_set_status(
            org=org, user=owner, prospect_ids=[prospect.pk], status="disqualified"
        )
    assert error.value.field == "reason"


def test_an_illegal_move_of_one_prospect_refuses_them_all(org, owner):
    fresh = ProspectFactory.create(org=org, user=owner, company_name="Nou SRL")
    qualified = qualified_prospect(org, owner, company_name="Calificat SRL")
    with pytest.raises(Conflict) as error:
        bulk.prospects_set_status(
            org=org, user=owner, prospect_ids=[fresh.pk, qualified.pk], status="new"
        )
    assert "Calificat SRL" in error.value.message
    assert Prospect.objects.get(pk=qualified.pk).status == ProspectStatus.QUALIFIED


def test_converted_prospects_are_refused(org, owner, sales_user):
    prospect = qualified_prospect(org, owner)
    prospect_convert(org=org, user=owner, prospect_id=prospect.pk)
    with pytest.raises(Conflict):
        bulk.prospects_assign_owner(
            org=org, user=owner, prospect_ids=[prospect.pk], owner_id=sales_user.pk
        )
    with pytest.raises(Conflict):
        bulk.prospects_delete(org=org, user=owner, prospect_ids=[prospect.pk])
    assert Prospect.objects.filter(pk=prospect.pk, owner_id=owner.pk).exists()


def test_delete_removes_prospects_their_contacts_and_their_search_entries(org, owner):
    prospect = ProspectFactory.create(org=org, user=owner, company_name="Șterge Mă SRL")
    contact = contact_create(org=org, user=owner, prospect_id=prospect.pk, last_name="Ionescu")
    kept = ProspectFactory.create(org=org, user=owner)

    assert bulk.prospects_delete(org=org, user=owner, prospect_ids=[prospect.pk]) == 1

    assert list(Prospect.objects.values_list("pk", flat=True)) == [kept.pk]
    assert not SearchEntry.objects.filter(object_id__in=[prospect.pk, contact.pk]).exists()
    assert SearchEntry.objects.filter(object_id=kept.pk).exists()


def test_a_sales_user_deletes_only_their_own(org, owner, sales_user):
    theirs = ProspectFactory.create(org=org, user=sales_user)
    not_theirs = ProspectFactory.create(org=org, user=owner)
    with pytest.raises(Forbidden):
        bulk.prospects_delete(org=org, user=sales_user, prospect_ids=[theirs.pk, not_theirs.pk])
    assert Prospect.objects.count() == 2
    assert bulk.prospects_delete(org=org, user=sales_user, prospect_ids=[theirs.pk]) == 1


def test_a_manager_deletes_anyones(org, owner, manager):
    prospect = ProspectFactory.create(org=org, user=owner)
    assert bulk.prospects_delete(org=org, user=manager, prospect_ids=[prospect.pk]) == 1


def test_accounts_with_offers_are_not_deleted(org, owner):
    with_offer = AccountFactory.create(org=org, user=owner, name="Cu Ofertă SRL")
    OfferFactory.create(org=org, user=owner, account_id=with_offer.pk)
    plain = AccountFactory.create(org=org, user=owner)
    with pytest.raises(Conflict) as error:
        bulk.accounts_delete(org=org, user=owner, account_ids=[with_offer.pk, plain.pk])
    assert "Cu Ofertă SRL" in error.value.message
    assert Account.objects.count() == 2


def test_accounts_assign_and_delete(org, owner, sales_user):
    accounts = [AccountFactory.create(org=org, user=owner) for _ in range(2)]
    ids = [a.pk for a in accounts]
    assert (
        bulk.accounts_assign_owner(org=org, user=owner, account_ids=ids, owner_id=sales_user.pk)
        == 2
    )
    assert set(Account.objects.values_list("owner_id", flat=True)) == {sales_user.pk}
    assert bulk.accounts_delete(org=org, user=owner, account_ids=ids) == 2
    assert not Account.objects.exists()
    assert not SearchEntry.objects.filter(object_id__in=ids).exists()


def _assign_queries(org, owner, sales_user, prospects):
    with CaptureQueriesContext(connection) as queries:
        bulk.prospects_assign_owner(
            org=org, user=owner, prospect_ids=[p.pk for p in prospects], owner_id=sales_user.pk
        )
    return len(queries.captured_queries)


def test_bulk_writes_do_not_grow_with_the_selection(org, owner, sales_user):
    few = _assign_queries(org, owner, sales_user, _prospects(org, owner, 2))
    many = _assign_queries(org, owner, sales_user, _prospects(org, owner, 25))
    assert many == few


# --- handing records over: the assign right ---------------------------------------------


def test_a_sales_user_cannot_take_someone_elses_prospects(org, owner, sales_user):
    mine = ProspectFactory.create(org=org, user=sales_user, company_name="Al Lui Ion SRL")
    not_mine = ProspectFactory.create(org=org, user=owner, company_name="Al Anei SRL")

    with pytest.raises(Forbidden) as error:
        bulk.prospects_assign_owner(
            org=org, user=sales_user, prospect_ids=[mine.pk, not_mine.pk], owner_id=sales_user.pk
        )

    assert (error.value.field, error.value.code) == ("owner_id", "forbidden")
    assert "Al Anei SRL" in error.value.message
    assert "Al Lui Ion SRL" not in error.value.message
    assert set(Prospect.objects.values_list("pk", "owner_id", "version")) == {
        (mine.pk, sales_user.pk, 1),
        (not_mine.pk, owner.pk, 1),
    }
    assert not RecordEvent.objects.filter(kind=EventKind.UPDATED).exists()


def test_a_sales_user_cannot_take_prospects_then_delete_them(org, owner, sales_user):
    prospect = ProspectFactory.create(org=org, user=owner)
    with pytest.raises(Forbidden):
        bulk.prospects_assign_owner(
            org=org, user=sales_user, prospect_ids=[prospect.pk], owner_id=sales_user.pk
        )
    with pytest.raises(Forbidden):
        bulk.prospects_delete(org=org, user=sales_user, prospect_ids=[prospect.pk])
    assert Prospect.objects.filter(pk=prospect.pk, owner_id=owner.pk).exists()


def test_a_sales_user_hands_over_their_own_prospects(org, owner, sales_user, manager):
    mine = _prospects(org, sales_user, 2)
    changed = bulk.prospects_assign_owner(
        org=org, user=sales_user, prospect_ids=[p.pk for p in mine], owner_id=manager.pk
    )
    assert changed == 2
    assert set(Prospect.objects.values_list("owner_id", flat=True)) == {manager.pk}


def test_a_selection_the_sales_user_already_owns_wholly_changes_nothing(org, owner, sales_user):
    """Naming the current owner is no hand-over: nothing to refuse, nothing changes."""
    theirs = ProspectFactory.create(org=org, user=owner)
    assert (
        bulk.prospects_assign_owner(
            org=org, user=sales_user, prospect_ids=[theirs.pk], owner_id=owner.pk
        )
        == 0
    )


def test_a_manager_reassigns_anyones_prospects(org, owner, sales_user, manager):
    prospect = ProspectFactory.create(org=org, user=owner)
    assert (
        bulk.prospects_assign_owner(
            org=org, user=manager, prospect_ids=[prospect.pk], owner_id=sales_user.pk
        )
        == 1
    )


def test_a_sales_user_cannot_take_someone_elses_accounts(org, owner, sales_user):
    account = AccountFactory.create(org=org, user=owner, name="Carpați Trans SA")
    with pytest.raises(Forbidden) as error:
        bulk.accounts_assign_owner(
            org=org, user=sales_user, account_ids=[account.pk], owner_id=sales_user.pk
        )
    assert error.value.field == "owner_id"
    with pytest.raises(Forbidden):
        bulk.accounts_delete(org=org, user=sales_user, account_ids=[account.pk])
    assert Account.objects.filter(pk=account.pk, owner_id=owner.pk, version=1).exists()


def test_a_sales_user_cannot_take_someone_elses_offers(org, owner, sales_user):
    account = AccountFactory.create(org=org, user=owner)
    mine = OfferFactory.create(org=org, user=sales_user, account_id=account.pk)
    not_mine = OfferFactory.create(org=org, user=owner, account_id=account.pk)

    with pytest.raises(Forbidden) as error:
        offers_set_owner(
            org=org, user=sales_user, offer_ids=[mine.pk, not_mine.pk], owner_id=sales_user.pk
        )

    assert error.value.field == "owner_id"
    assert not_mine.number in error.value.message
    assert set(Offer.objects.values_list("pk", "owner_id", "version")) == {
        (mine.pk, sales_user.pk, 1),
        (not_mine.pk, owner.pk, 1),
    }
    with pytest.raises(Forbidden):
        offer_delete(org=org, user=sales_user, offer_id=not_mine.pk)


def test_a_sales_user_hands_over_their_own_offers(org, owner, sales_user):
    account = AccountFactory.create(org=org, user=owner)
    mine = OfferFactory.create(org=org, user=sales_user, account_id=account.pk)
    assert offers_set_owner(org=org, user=sales_user, offer_ids=[mine.pk], owner_id=owner.pk) == 1
    assert Offer.objects.get(pk=mine.pk).owner_id == owner.pk


def _prospects_with_children(org, user, count):
    prospects = _prospects(org, user, count)
    for n, prospect in enumerate(prospects):
        contact_create(org=org, user=user, prospect_id=prospect.pk, last_name=f"Ionescu {n}")
        note_create(org=org, user=user, prospect_id=prospect.pk, body=f"Notă {n}")
        task_create(org=org, user=user, prospect_id=prospect.pk, title=f"Sună {n}")
    return prospects


def test_bulk_delete_trashes_each_prospect_with_its_children_in_queries_that_do_not_grow(
    org, owner
):
    # given 2 prospects, then 12, each with a contact, a note and a task
    few = _prospects_with_children(org, owner, 2)
    many = _prospects_with_children(org, owner, 12)

    # when each set is deleted in bulk
    with CaptureQueriesContext(connection) as for_few:
        bulk.prospects_delete(org=org, user=owner, prospect_ids=[p.pk for p in few])
    with CaptureQueriesContext(connection) as for_many:
        bulk.prospects_delete(org=org, user=owner, prospect_ids=[p.pk for p in many])

    # then deleting 12 costs the queries deleting 2 does
    assert len(for_many) == len(for_few), [q["sql"] for q in for_many.captured_queries]
    # and each prospect is a trash entry of its own, carrying its own children
    batches = TrashBatch.objects.filter(kind="prospect")
    assert batches.count() == 14
    assert {tuple(sorted(b.children.items())) for b in batches} == {
        (("contact", 1), ("note", 1), ("task", 1))
    }
    for prospect in few + many:
        batch = batches.get(object_id=prospect.pk)
        assert Contact.objects.with_trashed().get(prospect=prospect).trash_id == batch.pk
        assert Note.objects.with_trashed().get(prospect=prospect).trash_id == batch.pk
        assert Task.objects.with_trashed().get(prospect=prospect).trash_id == batch.pk
    assert not Contact.objects.exists() and not Note.objects.exists()

    # and one restores alone, with its own children only
    trash_restore(org=org, user=owner, kind="prospect", record_id=many[3].pk)
    assert list(Prospect.objects.values_list("pk", flat=True)) == [many[3].pk]
    assert list(Contact.objects.values_list("prospect_id", flat=True)) == [many[3].pk]
    assert Task.objects.get().prospect_id == many[3].pk
