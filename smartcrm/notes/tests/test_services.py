"""Notes on prospects, accounts and offers: who may write, edit and delete them."""

from __future__ import annotations

import pytest

from smartcrm.core.errors import Conflict, Forbidden, NotFound, StaleVersion, ValidationFailed
from smartcrm.core.modules import Module
from smartcrm.core.services import organization_set_modules
from smartcrm.notes.models import Note
from smartcrm.notes.services import note_create, note_delete, note_update
from smartcrm.sales import services as sales
from smartcrm.sales.tests.factories import (
    AccountFactory,
    OfferFactory,
    ProspectFactory,
    qualified_prospect,
)

WITHOUT_NOTES = [Module.CATALOG, Module.ACTIVITIES, Module.TASKS]

# --- Creating -------------------------------------------------------------------------


def test_note_is_written_on_a_prospect(org, owner):
    # given a prospect
    prospect = ProspectFactory.create(org=org, user=owner)

    # when a note is written on it
    note = note_create(org=org, user=owner, prospect_id=prospect.pk, body="Sună după ora 14.")

    # then it hangs on the prospect only, with its author
    stored = Note.objects.get(pk=note.pk)
    assert (stored.prospect_id, stored.account_id, stored.offer_id) == (prospect.pk, None, None)
    assert (stored.body, stored.created_by_id, stored.organization_id) == (
        "Sună după ora 14.",
        owner.pk,
        org.pk,
    )


def test_note_is_written_on_an_account(org, owner):
    # given an account
    account = AccountFactory.create(org=org, user=owner)

    # when a pinned note is written on it
    note = note_create(
        org=org, user=owner, account_id=account.pk, body="Plătesc la 60 de zile.", pinned=True
    )

    # then it hangs on the account only, pinned
    stored = Note.objects.get(pk=note.pk)
    assert (stored.prospect_id, stored.account_id, stored.offer_id) == (None, account.pk, None)
    assert stored.pinned is True


def test_note_is_written_on_an_offer(org, owner):
    # given an offer
    account = AccountFactory.create(org=org, user=owner)
    offer = OfferFactory.create(org=org, user=owner, account_id=account.pk)

    # when a note is written on it
    note = note_create(org=org, user=owner, offer_id=offer.pk, body="Discount maxim 10%.")

    # then it hangs on the offer only
    stored = Note.objects.get(pk=note.pk)
    assert (stored.prospect_id, stored.account_id, stored.offer_id) == (None, None, offer.pk)


def test_note_text_with_cedilla_is_stored_with_comma_below(org, owner):
    # given a prospect
    prospect = ProspectFactory.create(org=org, user=owner)

    # when a note pasted from an old file carries cedilla letters and blanks around it
    note = note_create(
        org=org, user=owner, prospect_id=prospect.pk, body="  Şedinţă la Timişoara.\n"
    )

    # then it is stored with comma-below letters, trimmed
    assert Note.objects.get(pk=note.pk).body == "\u0218edin\u021b\u0103 la Timi\u0219oara."


def test_note_with_two_parents_is_refused(org, owner):
    # given an account and its offer
    account = AccountFactory.create(org=org, user=owner)
    offer = OfferFactory.create(org=org, user=owner, account_id=account.pk)

    # when a note is put on both
    with pytest.raises(ValidationFailed) as raised:
        note_create(org=org, user=owner, account_id=account.pk, offer_id=offer.pk, body="Notă")

    # then both are named and nothing is stored
    assert [issue.field for issue in raised.value.issues] == ["account_id", "offer_id"]
    assert Note.objects.count() == 0


def test_note_without_parent_is_refused(org, owner):
    # given nothing to hang the note on
    # when a note is written without a record
    with pytest.raises(ValidationFailed) as raised:
        note_create(org=org, user=owner, body="Notă")

    # then a record is required and nothing is stored
    assert raised.value.field == "prospect_id"
    assert raised.value.code == "required"
    assert Note.objects.count() == 0


def test_empty_note_is_refused(org, owner):
    # given a prospect
    prospect = ProspectFactory.create(org=org, user=owner)

    # when a note has only blanks
    with pytest.raises(ValidationFailed) as raised:
        note_create(org=org, user=owner, prospect_id=prospect.pk, body="  \n ")

    # then the text is required and nothing is stored
    assert raised.value.field == "body"
    assert raised.value.code == "blank"
    assert Note.objects.count() == 0


def test_note_on_converted_prospect_is_refused(org, owner):
    # given a converted prospect
    prospect = qualified_prospect(org, owner)
    sales.prospect_convert(org=org, user=owner, prospect_id=prospect.pk)

    # when a note is written on it
    with pytest.raises(Conflict) as raised:
        note_create(org=org, user=owner, prospect_id=prospect.pk, body="Notă")

    # then the caller is sent to the account
    assert raised.value.code == "prospect_converted"
    assert Note.objects.count() == 0


def test_note_on_record_of_another_organisation_is_not_found(org, owner, other_org, other_owner):
    # given an account of another organisation
    foreign = AccountFactory.create(org=other_org, user=other_owner)

    # when we write a note on it
    with pytest.raises(ValidationFailed) as raised:
        note_create(org=org, user=owner, account_id=foreign.pk, body="Notă")

    # then it does not exist for us
    assert raised.value.field == "account_id"
    assert raised.value.code == "not_found"
    assert Note.objects.count() == 0


# --- Editing and deleting: the author or a manager ------------------------------------


def test_author_edits_own_note(org, owner, sales_user):
    # given a note by a sales user
    prospect = ProspectFactory.create(org=org, user=owner)
    note = note_create(org=org, user=sales_user, prospect_id=prospect.pk, body="Prima variantă")

    # when its author edits it
    note_update(org=org, user=sales_user, note_id=note.pk, version=1, body="A doua variantă")

    # then the text changes and the version moves on
    note.refresh_from_db()
    assert (note.body, note.version) == ("A doua variantă", 2)


def test_sales_user_cannot_edit_another_users_note(org, owner, sales_user):
    # given a note by the owner
    prospect = ProspectFactory.create(org=org, user=owner)
    note = note_create(org=org, user=owner, prospect_id=prospect.pk, body="Nota proprietarului")

    # when a sales user edits it
    with pytest.raises(Forbidden) as raised:
        note_update(org=org, user=sales_user, note_id=note.pk, body="Schimbat", pinned=True)

    # then it is forbidden and the note is unchanged
    assert raised.value.code == "forbidden"
    note.refresh_from_db()
    assert (note.body, note.pinned, note.version) == ("Nota proprietarului", False, 1)


def test_manager_edits_another_users_note(org, owner, sales_user, manager):
    # given a note by a sales user
    prospect = ProspectFactory.create(org=org, user=owner)
    note = note_create(org=org, user=sales_user, prospect_id=prospect.pk, body="Nota")

    # when a manager pins it
    note_update(org=org, user=manager, note_id=note.pk, pinned=True)

    # then it is pinned; its author stays the sales user
    note.refresh_from_db()
    assert (note.pinned, note.created_by_id, note.version) == (True, sales_user.pk, 2)


def test_sales_user_cannot_delete_another_users_note(org, owner, sales_user):
    # given a note by the owner
    prospect = ProspectFactory.create(org=org, user=owner)
    note = note_create(org=org, user=owner, prospect_id=prospect.pk, body="Nota")

    # when a sales user deletes it
    with pytest.raises(Forbidden) as raised:
        note_delete(org=org, user=sales_user, note_id=note.pk)

    # then it is forbidden and the note is still there
    assert raised.value.code == "forbidden"
    assert Note.objects.filter(pk=note.pk).exists()


def test_author_deletes_own_note(org, owner, sales_user):
    # given two notes by a sales user
    prospect = ProspectFactory.create(org=org, user=owner)
    note = note_create(org=org, user=sales_user, prospect_id=prospect.pk, body="De șters")
    kept = note_create(org=org, user=sales_user, prospect_id=prospect.pk, body="De păstrat")

    # when the author deletes one
    note_delete(org=org, user=sales_user, note_id=note.pk, version=1)

    # then only that one is gone
    assert list(Note.objects.values_list("pk", flat=True)) == [kept.pk]


def test_manager_deletes_another_users_note(org, owner, sales_user, manager):
    # given a note by a sales user
    prospect = ProspectFactory.create(org=org, user=owner)
    note = note_create(org=org, user=sales_user, prospect_id=prospect.pk, body="Nota")

    # when a manager deletes it
    note_delete(org=org, user=manager, note_id=note.pk)

    # then it is gone
    assert Note.objects.count() == 0


def test_note_edit_to_empty_text_changes_nothing(org, owner):
    # given a note
    prospect = ProspectFactory.create(org=org, user=owner)
    note = note_create(org=org, user=owner, prospect_id=prospect.pk, body="Nota")

    # when its text is emptied
    with pytest.raises(ValidationFailed) as raised:
        note_update(org=org, user=owner, note_id=note.pk, body="   ")

    # then the text is required and the stored note is unchanged
    assert raised.value.field == "body"
    note.refresh_from_db()
    assert (note.body, note.version) == ("Nota", 1)


def test_note_edit_with_stale_version_changes_nothing(org, owner):
    # given a note edited once (version 2)
    prospect = ProspectFactory.create(org=org, user=owner)
    note = note_create(org=org, user=owner, prospect_id=prospect.pk, body="Prima")
    note_update(org=org, user=owner, note_id=note.pk, version=1, body="A doua")

    # when someone holding version 1 edits it
    with pytest.raises(StaleVersion) as raised:
        note_update(org=org, user=owner, note_id=note.pk, version=1, body="A treia")

    # then it is refused and the first edit stands
    assert raised.value.code == "stale_version"
    note.refresh_from_db()
    assert (note.body, note.version) == ("A doua", 2)


def test_note_of_another_organisation_is_not_found(org, owner, other_org, other_owner):
    # given a note of another organisation
    foreign_prospect = ProspectFactory.create(org=other_org, user=other_owner)
    foreign = note_create(
        org=other_org, user=other_owner, prospect_id=foreign_prospect.pk, body="Secret"
    )

    # when our owner edits it, and deletes it
    with pytest.raises(NotFound) as editing:
        note_update(org=org, user=owner, note_id=foreign.pk, body="Schimbat")
    with pytest.raises(NotFound) as deleting:
        note_delete(org=org, user=owner, note_id=foreign.pk)

    # then it does not exist for us, and is unchanged
    assert (editing.value.code, deleting.value.code) == ("not_found", "not_found")
    foreign.refresh_from_db()
    assert (foreign.body, foreign.version) == ("Secret", 1)


# --- Module switch --------------------------------------------------------------------


def test_notes_module_switched_off_refuses_new_notes(org, owner):
    # given an organisation that switched notes off
    prospect = ProspectFactory.create(org=org, user=owner)
    organization_set_modules(org=org, user=owner, enabled=WITHOUT_NOTES)

    # when a note is written
    with pytest.raises(NotFound) as raised:
        note_create(org=org, user=owner, prospect_id=prospect.pk, body="Notă")

    # then the module answers as if it did not exist, and nothing is stored
    assert raised.value.code == "module_disabled"
    assert Note.objects.count() == 0


def test_notes_module_switched_off_keeps_existing_notes(org, owner):
    # given a note, then notes switched off
    prospect = ProspectFactory.create(org=org, user=owner)
    note = note_create(org=org, user=owner, prospect_id=prospect.pk, body="Nota")
    organization_set_modules(org=org, user=owner, enabled=WITHOUT_NOTES)

    # when the note is edited or deleted
    with pytest.raises(NotFound) as editing:
        note_update(org=org, user=owner, note_id=note.pk, body="Schimbat")
    with pytest.raises(NotFound) as deleting:
        note_delete(org=org, user=owner, note_id=note.pk)

    # then both are refused as switched off and the note is stored as it was
    assert (editing.value.code, deleting.value.code) == ("module_disabled", "module_disabled")
    note.refresh_from_db()
    assert (note.body, note.version) == ("Nota", 1)


def test_notes_work_again_when_the_module_is_switched_back_on(org, owner):
    # given notes switched off and on again
    prospect = ProspectFactory.create(org=org, user=owner)
    organization_set_modules(org=org, user=owner, enabled=WITHOUT_NOTES)
    organization_set_modules(org=org, user=owner, enabled=[*WITHOUT_NOTES, Module.NOTES])

    # when a note is written
    note = note_create(org=org, user=owner, prospect_id=prospect.pk, body="Din nou")

    # then it is stored
    assert Note.objects.get(pk=note.pk).body == "Din nou"
