"""Converting asks the member's grants: the prospect in their view scope and their edit grant
on it, the create grant on accounts for a new account, view and edit on the account merged
into. A member whose role sees only their own records converts only those."""

from __future__ import annotations

import pytest

from smartcrm.core.errors import Forbidden, NotFound, ValidationFailed
from smartcrm.core.scopes import ACTIONS, RECORD_MODULES
from smartcrm.core.tests.factories import UserFactory, add_member, give_role
from smartcrm.sales.choices import ProspectStatus
from smartcrm.sales.models import Account, Prospect
from smartcrm.sales.services import prospect_convert
from smartcrm.sales.tests.factories import AccountFactory, qualified_prospect

pytestmark = pytest.mark.django_db


def _member_with_grants(org, owner, grants, name):
    user = UserFactory.create()
    add_member(org, owner, user, "sales")
    give_role(org, owner, user, grants, name)
    return user


def _own_everywhere(org, owner):
    grants = {module: dict.fromkeys(ACTIONS, "own") for module in RECORD_MODULES}
    return _member_with_grants(org, owner, grants, "Agent teren")


def test_a_member_who_sees_only_their_own_cannot_convert_a_colleagues_prospect(org, owner):
    # given an agent who sees only their own records, and the owner's qualified prospect
    agent = _own_everywhere(org, owner)
    theirs = qualified_prospect(org, owner, company_name="Carpați Trans SRL")

    # when the agent converts it, then it is not found, and nothing changed
    with pytest.raises(NotFound):
        prospect_convert(org=org, user=agent, prospect_id=theirs.pk)
    assert Prospect.objects.get(pk=theirs.pk).status == ProspectStatus.QUALIFIED
    assert not Account.objects.exists()

    # while their own converts
    mine = qualified_prospect(org, owner, company_name="Brașov Lemn SRL", owner_id=agent.pk)
    conversion = prospect_convert(org=org, user=agent, prospect_id=mine.pk)
    assert conversion.account.owner_id == agent.pk


def test_merging_into_an_account_outside_the_view_scope_is_as_if_it_did_not_exist(org, owner):
    # given an agent's own qualified prospect and the owner's account
    agent = _own_everywhere(org, owner)
    mine = qualified_prospect(org, owner, company_name="Brașov Lemn SRL", owner_id=agent.pk)
    theirs = AccountFactory.create(org=org, user=owner, name="Brașov Lemn")

    # when the agent merges the prospect into it
    with pytest.raises(ValidationFailed) as refused:
        prospect_convert(org=org, user=agent, prospect_id=mine.pk, account_id=theirs.pk)

    # then it is "no account with this id", as for an account of another organisation
    assert refused.value.field == "account_id" and refused.value.code == "not_found"
    assert Prospect.objects.get(pk=mine.pk).status == ProspectStatus.QUALIFIED


def test_a_role_that_sees_accounts_but_may_not_change_them_cannot_merge_into_one(org, owner):
    grants = {module: dict.fromkeys(ACTIONS, "own") for module in RECORD_MODULES}
    grants["accounts"] = {"view": "all", "create": "all"}
    agent = _member_with_grants(org, owner, grants, "Agent fără editare")
    mine = qualified_prospect(org, owner, company_name="Brașov Lemn SRL", owner_id=agent.pk)
    theirs = AccountFactory.create(org=org, user=owner, name="Brașov Lemn")

    with pytest.raises(Forbidden) as refused:
        prospect_convert(org=org, user=agent, prospect_id=mine.pk, account_id=theirs.pk)

    assert refused.value.field == "account_id"
    assert Prospect.objects.get(pk=mine.pk).status == ProspectStatus.QUALIFIED


def test_a_role_that_may_not_create_accounts_cannot_convert_into_a_new_one(org, owner):
    grants = {module: dict.fromkeys(ACTIONS, "own") for module in RECORD_MODULES}
    grants["accounts"] = {"view": "own"}
    agent = _member_with_grants(org, owner, grants, "Agent fără conturi noi")
    mine = qualified_prospect(org, owner, company_name="Brașov Lemn SRL", owner_id=agent.pk)

    with pytest.raises(Forbidden):
        prospect_convert(org=org, user=agent, prospect_id=mine.pk)

    assert not Account.objects.exists()
    assert Prospect.objects.get(pk=mine.pk).status == ProspectStatus.QUALIFIED
