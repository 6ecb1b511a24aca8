"""Contacts of prospects and accounts, and the contacts chosen for an offer."""

from __future__ import annotations

import pytest

from smartcrm.contacts.models import Contact, OfferContact
from smartcrm.contacts.services import (
    contact_create,
    contact_delete,
    contact_update,
    offer_contacts_set,
)
from smartcrm.core.errors import Conflict, NotFound, StaleVersion, ValidationFailed
from smartcrm.sales import services as sales
from smartcrm.sales.tests.factories import (
    AccountFactory,
    OfferFactory,
    ProspectFactory,
    qualified_prospect,
)

# --- Creating -------------------------------------------------------------------------


def test_contact_is_created_on_a_prospect(org, owner):
    # given a prospect
    prospect = ProspectFactory.create(org=org, user=owner)

    # when a contact is added to it
    contact = contact_create(
        org=org, user=owner, prospect_id=prospect.pk, first_name="Ioana", last_name="Dobre"
    )

    # then it hangs on the prospect only, and belongs to the organisation
    stored = Contact.objects.get(pk=contact.pk)
    assert (stored.prospect_id, stored.account_id) == (prospect.pk, None)
    assert stored.organization_id == org.pk
    assert stored.created_by_id == owner.pk
    assert (stored.first_name, stored.last_name, stored.version) == ("Ioana", "Dobre", 1)


def test_contact_is_created_on_an_account(org, owner):
    # given an account
    account = AccountFactory.create(org=org, user=owner)

    # when a contact is added to it
    contact = contact_create(org=org, user=owner, account_id=account.pk, last_name="Dobre")

    # then it hangs on the account only
    stored = Contact.objects.get(pk=contact.pk)
    assert (stored.prospect_id, stored.account_id) == (None, account.pk)


def test_contact_with_both_prospect_and_account_is_refused(org, owner):
    # given a prospect and an account
    prospect = ProspectFactory.create(org=org, user=owner)
    account = AccountFactory.create(org=org, user=owner)

    # when a contact is given both parents
    with pytest.raises(ValidationFailed) as raised:
        contact_create(
            org=org, user=owner, prospect_id=prospect.pk, account_id=account.pk, last_name="Dobre"
        )

    # then both fields are named and no contact exists
    assert raised.value.field == "prospect_id"
    assert raised.value.code == "invalid"
    assert [issue.field for issue in raised.value.issues] == ["prospect_id", "account_id"]
    assert Contact.objects.count() == 0


def test_contact_without_parent_is_refused(org, owner):
    # given nothing to hang the contact on
    # when a contact is created without a prospect or an account
    with pytest.raises(ValidationFailed) as raised:
        contact_create(org=org, user=owner, last_name="Dobre")

    # then the parent is required and nothing is stored
    assert raised.value.field == "prospect_id"
    assert raised.value.code == "required"
    assert Contact.objects.count() == 0


def test_contact_on_offer_with_account_is_refused(org, owner):
    # given an offer of an account
    account = AccountFactory.create(org=org, user=owner)
    offer = OfferFactory.create(org=org, user=owner, account_id=account.pk)

    # when a contact is put on the account and the offer at once
    with pytest.raises(ValidationFailed) as raised:
        contact_create(
            org=org, user=owner, account_id=account.pk, offer_id=offer.pk, last_name="Dobre"
        )

    # then the offer is refused by name and nothing is stored
    assert raised.value.field == "offer_id"
    assert raised.value.code == "invalid_parent"
    assert Contact.objects.count() == 0


def test_contact_on_offer_is_refused(org, owner):
    # given an offer
    account = AccountFactory.create(org=org, user=owner)
    offer = OfferFactory.create(org=org, user=owner, account_id=account.pk)

    # when a contact is put on the offer alone
    with pytest.raises(ValidationFailed) as raised:
        contact_create(org=org, user=owner, offer_id=offer.pk, last_name="Dobre")

    # then the error names offer_id (a contact cannot hang on an offer) and nothing is stored
    assert Contact.objects.count() == 0
    assert raised.value.field == "offer_id"


def test_contact_on_converted_prospect_is_refused(org, owner):
    # given a prospect converted into an account
    prospect = qualified_prospect(org, owner)
    sales.prospect_convert(org=org, user=owner, prospect_id=prospect.pk)

    # when a contact is added to the converted prospect
    with pytest.raises(Conflict) as raised:
        contact_create(org=org, user=owner, prospect_id=prospect.pk, last_name="Dobre")

    # then the caller is sent to the account and nothing is stored
    assert raised.value.field == "prospect_id"
    assert raised.value.code == "prospect_converted"
    assert Contact.objects.count() == 0


def test_contact_names_with_cedilla_are_stored_with_comma_below(org, owner):
    # given a prospect
    prospect = ProspectFactory.create(org=org, user=owner)

    # when a contact is typed with the cedilla letters of old keyboards
    contact = contact_create(
        org=org,
        user=owner,
        prospect_id=prospect.pk,
        first_name="Ştefan",
        last_name="Ţurcanu-Popeşti",
        job_title="Şef  de  vânzări",
    )

    # then the stored text has comma-below letters and single blanks
    stored = Contact.objects.get(pk=contact.pk)
    assert stored.first_name == "\u0218tefan"
    assert stored.last_name == "\u021aurcanu-Pope\u0219ti"
    assert stored.job_title == "\u0218ef de vânzări"


def test_contact_email_is_stored_lower_case(org, owner):
    # given a prospect
    prospect = ProspectFactory.create(org=org, user=owner)

    # when a contact's e-mail is typed in capitals with blanks around it
    contact = contact_create(
        org=org,
        user=owner,
        prospect_id=prospect.pk,
        last_name="Dobre",
        email="  Ioana.Dobre@Firma.RO ",
    )

    # then it is stored lower-case and trimmed
    assert Contact.objects.get(pk=contact.pk).email == "ioana.dobre@firma.ro"


def test_contact_with_invalid_email_is_refused_naming_email(org, owner):
    # given a prospect
    prospect = ProspectFactory.create(org=org, user=owner)

    # when a contact's e-mail is not an address
    with pytest.raises(ValidationFailed) as raised:
        contact_create(
            org=org, user=owner, prospect_id=prospect.pk, last_name="Dobre", email="ioana@"
        )

    # then the error names the e-mail field and nothing is stored
    assert raised.value.field == "email"
    assert raised.value.code == "invalid"
    assert Contact.objects.count() == 0


def test_contact_without_last_name_is_refused(org, owner):
    # given a prospect
    prospect = ProspectFactory.create(org=org, user=owner)

    # when a contact has only blanks as its last name
    with pytest.raises(ValidationFailed) as raised:
        contact_create(org=org, user=owner, prospect_id=prospect.pk, last_name="   ")

    # then the last name is required and nothing is stored
    assert raised.value.field == "last_name"
    assert raised.value.code == "blank"
    assert Contact.objects.count() == 0


def test_contact_on_prospect_of_another_organisation_is_not_found(
    org, owner, other_org, other_owner
):
    # given a prospect of another organisation
    foreign = ProspectFactory.create(org=other_org, user=other_owner)

    # when a member of our organisation adds a contact to it
    with pytest.raises(ValidationFailed) as raised:
        contact_create(org=org, user=owner, prospect_id=foreign.pk, last_name="Dobre")

    # then the prospect does not exist for us, and neither organisation has a new contact
    assert raised.value.field == "prospect_id"
    assert raised.value.code == "not_found"
    assert Contact.objects.count() == 0


def test_contact_on_account_of_another_organisation_is_not_found(
    org, owner, other_org, other_owner
):
    # given an account of another organisation
    foreign = AccountFactory.create(org=other_org, user=other_owner)

    # when a member of our organisation adds a contact to it
    with pytest.raises(ValidationFailed) as raised:
        contact_create(org=org, user=owner, account_id=foreign.pk, last_name="Dobre")

    # then the account does not exist for us
    assert raised.value.field == "account_id"
    assert raised.value.code == "not_found"
    assert Contact.objects.count() == 0


def test_contact_with_malformed_parent_id_is_not_found(org, owner):
    # given an id that is not a UUID
    # when a contact is added to it
    with pytest.raises(ValidationFailed) as raised:
        contact_create(org=org, user=owner, prospect_id="not-a-uuid", last_name="Dobre")

    # then it is "not found", not a crash
    assert raised.value.field == "prospect_id"
    assert raised.value.code == "not_found"
    assert Contact.objects.count() == 0


def test_contact_create_by_non_member_is_not_found(org, owner, other_owner):
    # given a prospect of our organisation
    prospect = ProspectFactory.create(org=org, user=owner)

    # when a user of another organisation adds a contact to it
    with pytest.raises(NotFound) as raised:
        contact_create(org=org, user=other_owner, prospect_id=prospect.pk, last_name="Dobre")

    # then the organisation does not exist for them
    assert raised.value.code == "not_member"
    assert Contact.objects.count() == 0


# --- Primary contact ------------------------------------------------------------------


def test_new_primary_contact_demotes_the_previous_primary(org, owner):
    # given a prospect with a primary contact
    prospect = ProspectFactory.create(org=org, user=owner)
    first = contact_create(
        org=org, user=owner, prospect_id=prospect.pk, last_name="Dobre", is_primary=True
    )

    # when another contact of the same prospect is made primary
    second = contact_create(
        org=org, user=owner, prospect_id=prospect.pk, last_name="Marin", is_primary=True
    )

    # then only the new one is primary
    primary = Contact.objects.filter(prospect=prospect, is_primary=True)
    assert list(primary.values_list("pk", flat=True)) == [second.pk]
    first.refresh_from_db()
    assert first.is_primary is False


def test_making_a_contact_primary_by_update_demotes_the_previous_primary(org, owner):
    # given an account with a primary contact and another contact
    account = AccountFactory.create(org=org, user=owner)
    first = contact_create(
        org=org, user=owner, account_id=account.pk, last_name="Dobre", is_primary=True
    )
    second = contact_create(org=org, user=owner, account_id=account.pk, last_name="Marin")

    # when the other contact is made primary
    contact_update(org=org, user=owner, contact_id=second.pk, version=1, is_primary=True)

    # then it is the only primary contact of the account
    primary = Contact.objects.filter(account=account, is_primary=True)
    assert list(primary.values_list("pk", flat=True)) == [second.pk]
    first.refresh_from_db()
    assert first.is_primary is False


def test_primary_contact_of_another_record_stays_primary(org, owner):
    # given two prospects, each with a primary contact, and an account with one
    prospect = ProspectFactory.create(org=org, user=owner)
    other_prospect = ProspectFactory.create(org=org, user=owner)
    account = AccountFactory.create(org=org, user=owner)
    other_primary = contact_create(
        org=org, user=owner, prospect_id=other_prospect.pk, last_name="Marin", is_primary=True
    )
    account_primary = contact_create(
        org=org, user=owner, account_id=account.pk, last_name="Stan", is_primary=True
    )

    # when a contact of the first prospect is made primary
    contact_create(org=org, user=owner, prospect_id=prospect.pk, last_name="Dobre", is_primary=True)

    # then the primary contacts of the other records are untouched
    other_primary.refresh_from_db()
    account_primary.refresh_from_db()
    assert other_primary.is_primary is True
    assert account_primary.is_primary is True
    assert Contact.objects.filter(is_primary=True).count() == 3


def test_demoted_primary_contact_gets_a_new_version(org, owner):
    # given a prospect with a primary contact at version 1
    prospect = ProspectFactory.create(org=org, user=owner)
    first = contact_create(
        org=org, user=owner, prospect_id=prospect.pk, last_name="Dobre", is_primary=True
    )

    # when another contact is made primary (which changes the first one)
    contact_create(org=org, user=owner, prospect_id=prospect.pk, last_name="Marin", is_primary=True)

    # then the first contact changed, so its version moved on: a client holding version 1
    # can no longer write its old "primary" state back
    first.refresh_from_db()
    assert first.is_primary is False
    assert first.version == 2


# --- Updating and deleting ------------------------------------------------------------


def test_contact_update_changes_details_and_version(org, owner):
    # given a contact
    prospect = ProspectFactory.create(org=org, user=owner)
    contact = contact_create(org=org, user=owner, prospect_id=prospect.pk, last_name="Dobre")

    # when its phone and e-mail change
    contact_update(
        org=org,
        user=owner,
        contact_id=contact.pk,
        version=1,
        phone="0722 123 456",
        email="IOANA@FIRMA.RO",
    )

    # then they are stored (e-mail lower-case) and the version moves on
    contact.refresh_from_db()
    assert (contact.phone, contact.email, contact.version) == (
        "0722 123 456",
        "ioana@firma.ro",
        2,
    )


def test_contact_update_with_stale_version_changes_nothing(org, owner):
    # given a contact edited once (now at version 2)
    prospect = ProspectFactory.create(org=org, user=owner)
    contact = contact_create(org=org, user=owner, prospect_id=prospect.pk, last_name="Dobre")
    contact_update(org=org, user=owner, contact_id=contact.pk, version=1, job_title="Director")

    # when someone still holding version 1 edits it
    with pytest.raises(StaleVersion) as raised:
        contact_update(org=org, user=owner, contact_id=contact.pk, version=1, job_title="Contabil")

    # then the edit is refused and the contact is as the first edit left it
    assert raised.value.field == "version"
    assert raised.value.code == "stale_version"
    contact.refresh_from_db()
    assert (contact.job_title, contact.version) == ("Director", 2)


def test_contact_update_with_invalid_email_changes_nothing(org, owner):
    # given a contact with an e-mail
    prospect = ProspectFactory.create(org=org, user=owner)
    contact = contact_create(
        org=org, user=owner, prospect_id=prospect.pk, last_name="Dobre", email="ioana@firma.ro"
    )

    # when its e-mail is changed to something that is not an address
    with pytest.raises(ValidationFailed) as raised:
        contact_update(org=org, user=owner, contact_id=contact.pk, email="nu e adresa")

    # then the error names the e-mail and the stored contact is unchanged
    assert raised.value.field == "email"
    contact.refresh_from_db()
    assert (contact.email, contact.version) == ("ioana@firma.ro", 1)


def test_contact_cannot_move_to_another_record_by_update(org, owner):
    # given a contact of a prospect, and an account
    prospect = ProspectFactory.create(org=org, user=owner)
    account = AccountFactory.create(org=org, user=owner)
    contact = contact_create(org=org, user=owner, prospect_id=prospect.pk, last_name="Dobre")

    # when an update tries to hang it on the account
    with pytest.raises(ValidationFailed) as raised:
        contact_update(org=org, user=owner, contact_id=contact.pk, account_id=account.pk)

    # then the field is read-only and the contact stays where it was
    assert raised.value.field == "account_id"
    assert raised.value.code == "read_only"
    contact.refresh_from_db()
    assert (contact.prospect_id, contact.account_id, contact.version) == (prospect.pk, None, 1)


def test_contact_of_another_organisation_cannot_be_updated(org, owner, other_org, other_owner):
    # given a contact of another organisation
    foreign_prospect = ProspectFactory.create(org=other_org, user=other_owner)
    foreign = contact_create(
        org=other_org, user=other_owner, prospect_id=foreign_prospect.pk, last_name="Marin"
    )

    # when a member of our organisation edits it by id
    with pytest.raises(NotFound) as raised:
        contact_update(org=org, user=owner, contact_id=foreign.pk, last_name="Schimbat")

    # then it does not exist for us, and it is unchanged
    assert raised.value.code == "not_found"
    foreign.refresh_from_db()
    assert (foreign.last_name, foreign.version) == ("Marin", 1)


def test_contact_delete_removes_the_contact(org, owner):
    # given two contacts of a prospect
    prospect = ProspectFactory.create(org=org, user=owner)
    contact = contact_create(org=org, user=owner, prospect_id=prospect.pk, last_name="Dobre")
    kept = contact_create(org=org, user=owner, prospect_id=prospect.pk, last_name="Marin")

    # when one is deleted
    contact_delete(org=org, user=owner, contact_id=contact.pk, version=1)

    # then only that one is gone
    assert list(Contact.objects.values_list("pk", flat=True)) == [kept.pk]


def test_contact_delete_with_stale_version_keeps_the_contact(org, owner):
    # given a contact edited once
    prospect = ProspectFactory.create(org=org, user=owner)
    contact = contact_create(org=org, user=owner, prospect_id=prospect.pk, last_name="Dobre")
    contact_update(org=org, user=owner, contact_id=contact.pk, version=1, phone="0722000000")

    # when someone holding version 1 deletes it
    with pytest.raises(StaleVersion):
        contact_delete(org=org, user=owner, contact_id=contact.pk, version=1)

    # then it is still there
    assert Contact.objects.filter(pk=contact.pk).exists()


def test_contact_of_another_organisation_cannot_be_deleted(org, owner, other_org, other_owner):
    # given a contact of another organisation
    foreign_prospect = ProspectFactory.create(org=other_org, user=other_owner)
    foreign = contact_create(
        org=other_org, user=other_owner, prospect_id=foreign_prospect.pk, last_name="Marin"
    )

    # when a member of our organisation deletes it by id
    with pytest.raises(NotFound) as raised:
        contact_delete(org=org, user=owner, contact_id=foreign.pk)

    # then it does not exist for us and it is still there
    assert raised.value.code == "not_found"
    assert Contact.objects.filter(pk=foreign.pk).exists()


# --- Offer contacts -------------------------------------------------------------------


def test_offer_contacts_are_chosen_among_the_account_contacts(org, owner):
    # given an offer of an account with two contacts
    account = AccountFactory.create(org=org, user=owner)
    offer = OfferFactory.create(org=org, user=owner, account_id=account.pk)
    dobre = contact_create(org=org, user=owner, account_id=account.pk, last_name="Dobre")
    marin = contact_create(org=org, user=owner, account_id=account.pk, last_name="Marin")

    # when both are chosen for the offer
    chosen = offer_contacts_set(
        org=org, user=owner, offer_id=offer.pk, contact_ids=[marin.pk, dobre.pk]
    )

    # then they are linked to the offer (returned sorted by name) and the offer's version moves
    assert [contact.pk for contact in chosen] == [dobre.pk, marin.pk]
    links = OfferContact.objects.filter(offer=offer)
    assert set(links.values_list("contact_id", flat=True)) == {dobre.pk, marin.pk}
    assert set(links.values_list("organization_id", flat=True)) == {org.pk}
    offer.refresh_from_db()
    assert offer.version == 2


def test_offer_contacts_set_replaces_the_previous_set(org, owner):
    # given an offer whose contacts are Dobre and Marin
    account = AccountFactory.create(org=org, user=owner)
    offer = OfferFactory.create(org=org, user=owner, account_id=account.pk)
    dobre = contact_create(org=org, user=owner, account_id=account.pk, last_name="Dobre")
    marin = contact_create(org=org, user=owner, account_id=account.pk, last_name="Marin")
    stan = contact_create(org=org, user=owner, account_id=account.pk, last_name="Stan")
    offer_contacts_set(org=org, user=owner, offer_id=offer.pk, contact_ids=[dobre.pk, marin.pk])

    # when the set becomes Marin and Stan
    offer_contacts_set(org=org, user=owner, offer_id=offer.pk, contact_ids=[marin.pk, stan.pk])

    # then Dobre is no longer on the offer, and the contacts themselves all remain
    linked = OfferContact.objects.filter(offer=offer).values_list("contact_id", flat=True)
    assert set(linked) == {marin.pk, stan.pk}
    assert Contact.objects.filter(account=account).count() == 3


def test_offer_contacts_set_to_empty_removes_all(org, owner):
    # given an offer with a contact
    account = AccountFactory.create(org=org, user=owner)
    offer = OfferFactory.create(org=org, user=owner, account_id=account.pk)
    dobre = contact_create(org=org, user=owner, account_id=account.pk, last_name="Dobre")
    offer_contacts_set(org=org, user=owner, offer_id=offer.pk, contact_ids=[dobre.pk])

    # when the set is emptied
    chosen = offer_contacts_set(org=org, user=owner, offer_id=offer.pk, contact_ids=[])

    # then the offer has no contacts
    assert chosen == []
    assert OfferContact.objects.filter(offer=offer).count() == 0


def test_offer_contact_of_another_account_is_refused(org, owner):
    # given an offer with one chosen contact, and a contact of another account
    account = AccountFactory.create(org=org, user=owner)
    other_account = AccountFactory.create(org=org, user=owner)
    offer = OfferFactory.create(org=org, user=owner, account_id=account.pk)
    dobre = contact_create(org=org, user=owner, account_id=account.pk, last_name="Dobre")
    outsider = contact_create(org=org, user=owner, account_id=other_account.pk, last_name="Marin")
    offer_contacts_set(org=org, user=owner, offer_id=offer.pk, contact_ids=[dobre.pk])
    offer.refresh_from_db()
    version_before = offer.version

    # when the other account's contact is chosen for the offer
    with pytest.raises(ValidationFailed) as raised:
        offer_contacts_set(
            org=org, user=owner, offer_id=offer.pk, contact_ids=[dobre.pk, outsider.pk]
        )

    # then it is refused by field, names the outsider, and the offer keeps its one contact
    assert raised.value.field == "contact_ids"
    assert raised.value.code == "not_account_contact"
    assert str(outsider.pk) in raised.value.message
    assert str(dobre.pk) not in raised.value.message
    linked = OfferContact.objects.filter(offer=offer).values_list("contact_id", flat=True)
    assert list(linked) == [dobre.pk]
    offer.refresh_from_db()
    assert offer.version == version_before


def test_offer_contact_of_a_prospect_is_refused(org, owner):
    # given an offer and a contact of a prospect
    account = AccountFactory.create(org=org, user=owner)
    offer = OfferFactory.create(org=org, user=owner, account_id=account.pk)
    prospect = ProspectFactory.create(org=org, user=owner)
    prospect_contact = contact_create(
        org=org, user=owner, prospect_id=prospect.pk, last_name="Dobre"
    )

    # when the prospect's contact is chosen for the offer
    with pytest.raises(ValidationFailed) as raised:
        offer_contacts_set(
            org=org, user=owner, offer_id=offer.pk, contact_ids=[prospect_contact.pk]
        )

    # then it is refused and nothing is linked
    assert raised.value.field == "contact_ids"
    assert raised.value.code == "not_account_contact"
    assert OfferContact.objects.count() == 0
    offer.refresh_from_db()
    assert offer.version == 1


def test_offer_contact_of_another_organisation_is_refused(org, owner, other_org, other_owner):
    # given our offer, and a contact of an account of another organisation
    account = AccountFactory.create(org=org, user=owner)
    offer = OfferFactory.create(org=org, user=owner, account_id=account.pk)
    foreign_account = AccountFactory.create(org=other_org, user=other_owner)
    foreign = contact_create(
        org=other_org, user=other_owner, account_id=foreign_account.pk, last_name="Marin"
    )

    # when the foreign contact is chosen for our offer
    with pytest.raises(ValidationFailed) as raised:
        offer_contacts_set(org=org, user=owner, offer_id=offer.pk, contact_ids=[foreign.pk])

    # then it is refused and nothing is linked
    assert raised.value.field == "contact_ids"
    assert OfferContact.objects.count() == 0


def test_offer_contacts_with_malformed_id_are_refused(org, owner):
    # given an offer
    account = AccountFactory.create(org=org, user=owner)
    offer = OfferFactory.create(org=org, user=owner, account_id=account.pk)

    # when a contact id is not a UUID
    with pytest.raises(ValidationFailed) as raised:
        offer_contacts_set(org=org, user=owner, offer_id=offer.pk, contact_ids=["zzz"])

    # then it is a field error, not a crash
    assert raised.value.field == "contact_ids"
    assert OfferContact.objects.count() == 0


def test_offer_contacts_of_another_organisation_offer_is_not_found(
    org, owner, other_org, other_owner
):
    # given an offer of another organisation with a chosen contact
    foreign_account = AccountFactory.create(org=other_org, user=other_owner)
    foreign_offer = OfferFactory.create(
        org=other_org, user=other_owner, account_id=foreign_account.pk
    )
    foreign_contact = contact_create(
        org=other_org, user=other_owner, account_id=foreign_account.pk, last_name="Marin"
    )
    offer_contacts_set(
        org=other_org, user=other_owner, offer_id=foreign_offer.pk, contact_ids=[foreign_contact.pk]
    )

    # when a member of our organisation empties its contacts
    with pytest.raises(NotFound) as raised:
        offer_contacts_set(org=org, user=owner, offer_id=foreign_offer.pk, contact_ids=[])

    # then the offer does not exist for us and its contact stays
    assert raised.value.code == "not_found"
    linked = OfferContact.objects.filter(offer=foreign_offer).values_list("contact_id", flat=True)
    assert list(linked) == [foreign_contact.pk]


def test_offer_contacts_set_with_stale_offer_version_changes_nothing(org, owner):
    # given an offer whose contacts were set once (offer now at version 2)
    account = AccountFactory.create(org=org, user=owner)
    offer = OfferFactory.create(org=org, user=owner, account_id=account.pk)
    dobre = contact_create(org=org, user=owner, account_id=account.pk, last_name="Dobre")
    marin = contact_create(org=org, user=owner, account_id=account.pk, last_name="Marin")
    offer_contacts_set(
        org=org, user=owner, offer_id=offer.pk, contact_ids=[dobre.pk], offer_version=1
    )

    # when someone holding version 1 sets them again
    with pytest.raises(StaleVersion):
        offer_contacts_set(
            org=org, user=owner, offer_id=offer.pk, contact_ids=[marin.pk], offer_version=1
        )

    # then the first choice stands
    linked = OfferContact.objects.filter(offer=offer).values_list("contact_id", flat=True)
    assert list(linked) == [dobre.pk]


def test_deleting_a_contact_removes_it_from_the_offer(org, owner):
    # given an offer with two contacts
    account = AccountFactory.create(org=org, user=owner)
    offer = OfferFactory.create(org=org, user=owner, account_id=account.pk)
    dobre = contact_create(org=org, user=owner, account_id=account.pk, last_name="Dobre")
    marin = contact_create(org=org, user=owner, account_id=account.pk, last_name="Marin")
    offer_contacts_set(org=org, user=owner, offer_id=offer.pk, contact_ids=[dobre.pk, marin.pk])

    # when one contact is deleted
    contact_delete(org=org, user=owner, contact_id=dobre.pk)

    # then the offer keeps only the other
    linked = OfferContact.objects.filter(offer=offer).values_list("contact_id", flat=True)
    assert list(linked) == [marin.pk]
