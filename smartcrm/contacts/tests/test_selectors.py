"""Reads of contacts: what a member's view scope shows, by the selectors the pages and the
API share."""

from __future__ import annotations

import pytest

from smartcrm.contacts import selectors
from smartcrm.contacts.services import contact_create, offer_contacts_set
from smartcrm.core.errors import NotFound
from smartcrm.core.models import Membership
from smartcrm.core.scopes import ACTIONS
from smartcrm.core.tests.factories import give_role
from smartcrm.sales.tests.factories import AccountFactory, OfferFactory, ProspectFactory

pytestmark = pytest.mark.django_db


def _own_contacts(org, owner, user) -> Membership:
    grants = {module: dict.fromkeys(ACTIONS, "own") for module in ("prospects", "contacts")}
    return give_role(org, owner, user, grants, "Agent teren")


def test_contact_get_finds_a_contact_the_member_sees_with_its_account(
    org, owner, django_assert_num_queries
):
    # given a contact at an account
    account = AccountFactory.create(org=org, user=owner, name="Carpați Trans SA")
    ana = contact_create(org=org, user=owner, account_id=account.pk, last_name="Mureșan")
    member = Membership.objects.get(organization=org, user=owner)

    # when the owner reads it with its parents
    found = selectors.contact_get(member=member, contact_id=ana.pk, with_parents=True)

    # then it is that contact, its account already joined (naming it reads nothing more)
    assert found == ana
    with django_assert_num_queries(0):
        assert found.account is not None
        assert found.account.name == "Carpați Trans SA"


def test_contact_get_refuses_a_contact_outside_the_view_scope(org, owner, sales_user):
    # given an agent who sees only the contacts of their own prospects
    member = _own_contacts(org, owner, sales_user)
    theirs = ProspectFactory.create(org=org, user=owner, company_name="Brașov Lemn SRL")
    stan = contact_create(org=org, user=owner, prospect_id=theirs.pk, last_name="Stan")

    # when the agent asks for a contact of the owner's prospect
    # then it is not found, as another organisation's would be
    with pytest.raises(NotFound):
        selectors.contact_get(member=member, contact_id=stan.pk)


def test_contact_get_refuses_another_organisations_contact(org, owner, other_org, other_owner):
    # given a contact of another organisation
    foreign = AccountFactory.create(org=other_org, user=other_owner)
    stranger = contact_create(
        org=other_org, user=other_owner, account_id=foreign.pk, last_name="Străinul"
    )
    member = Membership.objects.get(organization=org, user=owner)

    # when a member of this organisation asks for it
    # then it is not found
    with pytest.raises(NotFound):
        selectors.contact_get(member=member, contact_id=stranger.pk)


def test_contact_list_holds_only_what_the_scope_shows(org, owner, sales_user):
    # given an agent with a prospect of their own, and one of the owner's
    member = _own_contacts(org, owner, sales_user)
    mine = ProspectFactory.create(org=org, user=sales_user)
    theirs = ProspectFactory.create(org=org, user=owner)
    pop = contact_create(org=org, user=owner, prospect_id=mine.pk, last_name="Pop")
    contact_create(org=org, user=owner, prospect_id=theirs.pk, last_name="Stan")

    # when the agent's list is read
    listed = list(selectors.contact_list(member=member))

    # then it holds the contact of their prospect only
    assert listed == [pop]


def test_record_contacts_put_the_primary_contact_first(org, owner):
    # given an account with two contacts, the second one primary
    account = AccountFactory.create(org=org, user=owner)
    contact_create(org=org, user=owner, account_id=account.pk, last_name="Albu")
    ionescu = contact_create(
        org=org, user=owner, account_id=account.pk, last_name="Ionescu", is_primary=True
    )
    member = Membership.objects.get(organization=org, user=owner)

    # when the account's contacts are read
    names = [
        contact.last_name
        for contact in selectors.record_contacts(
            member=member, parent_kind="account", parent=account
        )
    ]

    # then the primary one comes first, the others by name
    assert names == [ionescu.last_name, "Albu"]


def test_an_offers_candidates_leave_out_its_chosen_contacts(org, owner):
    # given an offer whose account has two contacts, one of them on the offer
    account = AccountFactory.create(org=org, user=owner)
    ana = contact_create(org=org, user=owner, account_id=account.pk, last_name="Mureșan")
    ion = contact_create(org=org, user=owner, account_id=account.pk, last_name="Ionescu")
    offer = OfferFactory.create(org=org, user=owner, account_id=account.pk)
    offer_contacts_set(org=org, user=owner, offer_id=offer.pk, contact_ids={ana.pk})
    member = Membership.objects.get(organization=org, user=owner)

    # when the offer's contacts and candidates are read
    chosen = list(selectors.offer_contacts(member=member, offer=offer))
    candidates = list(selectors.offer_contact_candidates(member=member, offer=offer, chosen=chosen))

    # then the chosen one is on the offer, the other is the only candidate
    assert chosen == [ana]
    assert candidates == [ion]
    assert selectors.offer_contact_ids(org=org, offer=offer) == {ana.pk}
