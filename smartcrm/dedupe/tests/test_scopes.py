"""Duplicates within the member's view scope: a look-alike they cannot see is told only by
whose it is; groups are of records they see; a merge needs every record in view, the edit
grant on them all and the delete grant on those merged away."""

from __future__ import annotations

import pytest
from django.urls import reverse

from smartcrm.api.tests.helpers import ApiClient
from smartcrm.contacts import services as contacts
from smartcrm.contacts.models import Contact
from smartcrm.core import services as core
from smartcrm.core.choices import Role
from smartcrm.core.errors import Forbidden
from smartcrm.core.scopes import ACTIONS
from smartcrm.core.tests.factories import UserFactory, add_member, give_role, place
from smartcrm.dedupe.selectors import PossibleDuplicate
from smartcrm.dedupe.services import records_merge
from smartcrm.sales import services as sales
from smartcrm.sales.models import Prospect

pytestmark = pytest.mark.django_db

RECORDS = ("prospects", "accounts", "contacts")


def _team(org, owner, role=Role.SALES):
    """Me (Ioana Marin) and a colleague (Radu Stan) in "Vânzări"; an outsider (Mihai
    Dumitrescu) in "Suport". ``role``: my built-in role, under the custom one."""
    sales_department = core.department_create(org=org, user=owner, name="Vânzări")
    support = core.department_create(org=org, user=owner, name="Suport")
    people = {}
    for name, first, last, department in (
        ("me", "Ioana", "Marin", sales_department),
        ("colleague", "Radu", "Stan", sales_department),
        ("outsider", "Mihai", "Dumitrescu", support),
    ):
        person = UserFactory.create(first_name=first, last_name=last)
        add_member(org, owner, person, role if name == "me" else Role.SALES)
        place(org, owner, person, department.pk)
        people[name] = person
    return people


def _own_role(org, owner, person, **overrides):
    """A role acting on its holder's own prospects, accounts and contacts only."""
    grants = {module: dict.fromkeys(ACTIONS, "own") for module in RECORDS}
    for module, actions in overrides.items():
        grants[module].update(actions)
    give_role(org, owner, person, grants, "Agent")


def _create(org, owner, module, holder, **fields):
    if module == "prospects":
        return sales.prospect_create(org=org, user=owner, owner_id=holder.pk, **fields)
    return sales.account_create(org=org, user=owner, owner_id=holder.pk, **fields)


NAMES = {"prospects": "company_name", "accounts": "name"}


@pytest.mark.parametrize("module", ["prospects", "accounts"])
def test_create_tells_a_look_alike_i_cannot_see_only_by_its_owner(org, owner, module):
    # given the outsider's record with an e-mail, and me seeing my own records only
    people = _team(org, owner)
    theirs = _create(
        org, owner, module, people["outsider"], **{NAMES[module]: "Carpați Transport SRL"},
        email="office@carpati-transport.ro",
    )  # fmt: skip
    _own_role(org, owner, people["me"])
    # when I create one with the same e-mail
    response = ApiClient(org, people["me"]).post(
        f"/api/v1/{module}",
        {NAMES[module]: "Transport Montan SRL", "email": "office@carpati-transport.ro"},
    )
    # then I am warned that a similar record exists and whose it is, and nothing more
    body = response.json()
    assert response.status_code == 409
    assert body["duplicates"] == []
    assert body["owned_by_others"] == ["Mihai Dumitrescu"]
    assert body["detail"] == (
        "A similar record exists, owned by Mihai Dumitrescu. Ask them, or confirm that you "
        "want a new one."
    )
    assert body["errors"] == [
        {
            "field": "email",
            "message": "Possible duplicate (same e-mail): a similar record owned by "
            "Mihai Dumitrescu.",
            "code": "possible_duplicate",
        }
    ]
    assert "Carpați" not in response.content.decode()
    assert str(theirs.pk) not in response.content.decode()


def test_create_names_the_look_alikes_i_see_and_only_the_owner_of_the_others(org, owner):
    # given a prospect of mine and one of the outsider's with the same phone
    people = _team(org, owner)
    _create(
        org, owner, "prospects", people["me"], company_name="Carpați Eu SRL", phone="0722123456"
    )
    _create(
        org, owner, "prospects", people["outsider"], company_name="Carpați Altul SRL",
        phone="0722123456",
    )  # fmt: skip
    _own_role(org, owner, people["me"])
    # when I create one more with that phone
    with pytest.raises(PossibleDuplicate) as refused:
        sales.prospect_create(
            org=org,
            user=people["me"],
            company_name="Munte SRL",
            phone="0722 123 456",
            allow_duplicate=False,
        )
    # then mine is named, the outsider's only by whose it is
    assert [c.name for c in refused.value.candidates] == ["Carpați Eu SRL"]
    assert refused.value.owners_of_others == ["Mihai Dumitrescu"]
    assert "Carpați Altul" not in refused.value.message
    assert "Carpați Eu SRL, a similar record owned by Mihai Dumitrescu" in refused.value.message


def test_new_contact_tells_a_look_alike_at_someone_elses_record_only_by_its_owner(org, owner):
    # given a contact at the outsider's account, and my own account
    people = _team(org, owner)
    theirs = _create(org, owner, "accounts", people["outsider"], name="Carpați SRL")
    mine = _create(org, owner, "accounts", people["me"], name="Munte SRL")
    contacts.contact_create(
        org=org, user=owner, account_id=theirs.pk, first_name="Elena", last_name="Georgescu",
        email="elena.georgescu@example.ro",
    )  # fmt: skip
    _own_role(org, owner, people["me"])
    # when I add a contact with the same e-mail to my account
    with pytest.raises(PossibleDuplicate) as refused:
        contacts.contact_create(
            org=org,
            user=people["me"],
            account_id=mine.pk,
            first_name="Elena",
            last_name="Ionescu",
            email="elena.georgescu@example.ro",
            allow_duplicate=False,
        )
    # then only whose it is (the account's owner) is told
    assert refused.value.candidates == []
    assert refused.value.owners_of_others == ["Mihai Dumitrescu"]
    assert "Georgescu" not in refused.value.message
    assert "Carpați" not in refused.value.message


def test_new_prospect_page_tells_a_hidden_look_alike_by_its_owner_without_a_link(
    client, org, owner
):
    # given the outsider's prospect, and me seeing my own
    people = _team(org, owner)
    theirs = _create(
        org, owner, "prospects", people["outsider"], company_name="Carpați Transport SRL",
        email="office@carpati-transport.ro",
    )  # fmt: skip
    _own_role(org, owner, people["me"])
    client.force_login(people["me"])
    # when I create one with the same e-mail on the page
    response = client.post(
        reverse("sales:prospect-new"),
        {
            "kind": "company",
            "status": "new",
            "country": "RO",
            "company_name": "Transport Montan SRL",
            "email": "office@carpati-transport.ro",
            "source": "other",
            "priority": "medium",
            "owner_id": str(people["me"].pk),
        },
    )
    # then the page warns me whose the look-alike is, without naming or linking it
    html = response.content.decode()
    assert response.status_code == 422
    assert "A similar record exists, owned by Mihai Dumitrescu." in html
    assert "Carpați" not in html
    assert str(theirs.pk) not in html
    assert not Prospect.objects.filter(company_name="Transport Montan SRL").exists()


def test_duplicate_groups_are_only_of_records_i_see(org, owner):
    # given two prospects of mine sharing a phone, and one of mine sharing an e-mail with
    # the outsider's
    people = _team(org, owner)
    first = _create(
        org, owner, "prospects", people["me"], company_name="Alfa SRL", phone="0722123456"
    )
    second = _create(
        org, owner, "prospects", people["me"], company_name="Alfa Prod SRL", phone="0722123456"
    )
    _create(org, owner, "prospects", people["me"], company_name="Beta SRL", email="ion@beta.ro")
    theirs = _create(
        org, owner, "prospects", people["outsider"], company_name="Beta Trade SRL",
        email="ion@beta.ro",
    )  # fmt: skip
    _own_role(org, owner, people["me"])
    # when I list the duplicate prospects
    response = ApiClient(org, people["me"]).get("/api/v1/prospects/duplicates")
    # then the one group is my two prospects; the pair with the outsider's is not listed
    groups = response.json()["items"]
    assert response.status_code == 200
    assert [{r["id"] for r in group["records"]} for group in groups] == [
        {str(first.pk), str(second.pk)}
    ]
    assert str(theirs.pk) not in response.content.decode()


def test_duplicates_page_lists_only_pairs_i_see(client, org, owner):
    # given my account and the outsider's sharing a CUI-less e-mail
    people = _team(org, owner)
    _create(org, owner, "accounts", people["me"], name="Beta SRL", email="ion@beta.ro")
    _create(org, owner, "accounts", people["outsider"], name="Beta Trade SRL", email="ion@beta.ro")
    _own_role(org, owner, people["me"])
    client.force_login(people["me"])
    # when I open the duplicate accounts
    html = client.get(reverse("dedupe:groups", args=["accounts"])).content.decode()
    # then the pair is not there
    assert "No likely duplicates here." in html
    assert "Beta Trade SRL" not in html


def test_a_records_duplicates_are_404_outside_my_view_and_leave_out_what_i_do_not_see(org, owner):
    # given my prospect and the outsider's with the same e-mail
    people = _team(org, owner)
    mine = _create(
        org, owner, "prospects", people["me"], company_name="Beta SRL", email="ion@beta.ro"
    )
    theirs = _create(
        org, owner, "prospects", people["outsider"], company_name="Beta Trade SRL",
        email="ion@beta.ro",
    )  # fmt: skip
    _own_role(org, owner, people["me"])
    api = ApiClient(org, people["me"])
    # when I ask for each one's likely duplicates
    of_mine = api.get(f"/api/v1/prospects/{mine.pk}/duplicates")
    of_theirs = api.get(f"/api/v1/prospects/{theirs.pk}/duplicates")
    # then mine has none I can see, and theirs is not found
    assert (of_mine.status_code, of_mine.json()["items"]) == (200, [])
    assert of_theirs.status_code == 404


def test_merging_a_record_outside_my_view_is_404_and_changes_nothing(org, owner):
    # given my prospect and the outsider's look-alike
    people = _team(org, owner)
    mine = _create(org, owner, "prospects", people["me"], company_name="Beta SRL")
    theirs = _create(org, owner, "prospects", people["outsider"], company_name="Beta")
    _own_role(org, owner, people["me"])
    api = ApiClient(org, people["me"])
    # when I merge either into the other
    answers = [
        api.post(
            "/api/v1/prospects/merge",
            {"survivor_id": str(survivor.pk), "merged_ids": [str(merged.pk)]},
        ).status_code
        for survivor, merged in ((mine, theirs), (theirs, mine))
    ]
    # then it is not found, and both are still there
    assert answers == [404, 404]
    assert Prospect.objects.filter(pk__in=[mine.pk, theirs.pk]).count() == 2


def test_merge_page_with_a_record_outside_my_view_is_404(client, org, owner):
    people = _team(org, owner)
    mine = _create(org, owner, "accounts", people["me"], name="Beta SRL")
    theirs = _create(org, owner, "accounts", people["outsider"], name="Beta")
    _own_role(org, owner, people["me"])
    client.force_login(people["me"])
    url = reverse("dedupe:merge", args=["accounts"])
    response = client.get(f"{url}?ids={mine.pk}&ids={theirs.pk}")
    assert response.status_code == 404


def test_merging_needs_the_delete_grant_on_the_merged_records(org, owner):
    # given a manager whose custom role sees every account but edits and deletes its own
    people = _team(org, owner, role=Role.MANAGER)
    mine = _create(org, owner, "accounts", people["me"], name="Beta SRL")
    theirs = _create(org, owner, "accounts", people["outsider"], name="Beta")
    _own_role(org, owner, people["me"], accounts={"view": "all"})
    # when I merge the outsider's into mine
    with pytest.raises(Forbidden):
        records_merge(
            org=org, user=people["me"], kind="account", survivor_id=mine.pk, merged_ids=[theirs.pk]
        )
    # then nothing changed
    assert {mine.pk, theirs.pk} <= set(
        type(mine).objects.filter(organization=org).values_list("pk", flat=True)
    )


def test_merging_needs_the_edit_grant_on_the_survivor(org, owner):
    # given a role seeing and deleting every prospect, editing its own only
    people = _team(org, owner)
    mine = _create(org, owner, "prospects", people["me"], company_name="Beta SRL")
    theirs = _create(org, owner, "prospects", people["outsider"], company_name="Beta")
    _own_role(org, owner, people["me"], prospects={"view": "all", "delete": "all"})
    # when I merge mine into the outsider's
    with pytest.raises(Forbidden):
        records_merge(
            org=org, user=people["me"], kind="prospect", survivor_id=theirs.pk, merged_ids=[mine.pk]
        )
    # then both are still there
    assert Prospect.objects.filter(pk__in=[mine.pk, theirs.pk]).count() == 2


def test_a_department_scope_merges_contacts_of_a_colleagues_account(org, owner):
    # given two look-alike contacts at my department colleague's account
    people = _team(org, owner)
    account = _create(org, owner, "accounts", people["colleague"], name="Beta SRL")
    one = contacts.contact_create(org=org, user=owner, account_id=account.pk, last_name="Pop")
    two = contacts.contact_create(org=org, user=owner, account_id=account.pk, last_name="Pop")
    _own_role(org, owner, people["me"], contacts=dict.fromkeys(ACTIONS, "department"))
    # when I merge them
    records_merge(
        org=org, user=people["me"], kind="contact", survivor_id=one.pk, merged_ids=[two.pk]
    )
    # then one is left
    assert list(Contact.objects.filter(account=account).values_list("pk", flat=True)) == [one.pk]
