"""Prospects and accounts: validation, status flow, stale versions, deletes."""

from __future__ import annotations

import pytest

from smartcrm.core.errors import Conflict, Forbidden, StaleVersion, ValidationFailed
from smartcrm.sales import services
from smartcrm.sales.choices import EventKind, ProspectStatus
from smartcrm.sales.models import Account, Prospect, RecordEvent
from smartcrm.sales.tests.factories import AccountFactory, OfferFactory, ProspectFactory


def test_create_normalises_romanian_identity(org, owner):
    prospect = services.prospect_create(
        org=org,
        user=owner,
        kind="company",
        company_name="  Fabrica de Ciocolată  Braşov SRL ",
        cui="RO 18547290",
        trade_register="j08/123/2010",
        county="BV",
    )
    assert prospect.company_name == "Fabrica de Ciocolată Brașov SRL"  # cedilla -> comma-below
    assert (prospect.cui, prospect.vat_payer) == ("18547290", True)
    assert prospect.trade_register == "J08/123/2010"
    assert (prospect.status, prospect.owner_id) == (ProspectStatus.NEW, owner.pk)
    assert RecordEvent.objects.filter(prospect=prospect, kind=EventKind.CREATED).count() == 1


@pytest.mark.parametrize(
    ("fields", "error_field"),
    [
        ({"cui": "18547291"}, "cui"),
        ({"trade_register": "40/1234"}, "trade_register"),
        ({"email": "not-an-email"}, "email"),
        ({"county": "XX"}, "county"),
        ({"country": "Romania"}, "country"),
        ({"priority": "urgent"}, "priority"),
        ({"company_name": ""}, "company_name"),
        ({"website": "nope"}, "website"),
        ({"owner_id": "00000000-0000-0000-0000-000000000000"}, "owner_id"),
        ({"converted_account_id": None}, "converted_account_id"),
    ],
)
def test_bad_prospect_input_names_the_field_and_writes_nothing(org, owner, fields, error_field):
    values = {"kind": "company", "company_name": "Alfa SRL", **fields}
    with pytest.raises(ValidationFailed) as refused:
        services.prospect_create(org=org, user=owner, **values)
    assert error_field in {issue.field for issue in refused.value.issues}
    assert Prospect.objects.count() == 0


def test_foreign_cui_is_not_checked_against_the_romanian_digit(org, owner):
    prospect = services.prospect_create(
        org=org, user=owner, company_name="Müller GmbH", country="DE", cui="123456789"
    )
    assert prospect.cui == "123456789"


def test_person_prospect_needs_a_name(org, owner):
    with pytest.raises(ValidationFailed) as refused:
        services.prospect_create(org=org, user=owner, kind="person")
    assert refused.value.field == "last_name"


def test_disqualify_needs_a_reason_and_records_it(org, owner):
    prospect = ProspectFactory.create(org=org, user=owner)
    with pytest.raises(ValidationFailed) as refused:
        services.prospect_disqualify(org=org, user=owner, prospect_id=prospect.pk, reason=" ")
    assert refused.value.field == "reason"
    done = services.prospect_disqualify(
        org=org, user=owner, prospect_id=prospect.pk, reason="Fără buget"
    )
    assert (done.status, done.disqualify_reason) == ("disqualified", "Fără buget")
    reopened = services.prospect_set_status(
        org=org, user=owner, prospect_id=prospect.pk, status="in_progress"
    )
    assert (reopened.status, reopened.disqualify_reason) == ("in_progress", "")


@pytest.mark.parametrize("target", ["converted", "disqualified", "new", "qualified"])
def test_converted_prospect_cannot_change_status(org, owner, target):
    prospect = ProspectFactory.create(org=org, user=owner, status="qualified")
    services.prospect_convert(org=org, user=owner, prospect_id=prospect.pk)
    before = Prospect.objects.get(pk=prospect.pk)
    with pytest.raises(Conflict) as refused:
        services.prospect_set_status(
            org=org, user=owner, prospect_id=prospect.pk, status=target, reason="x"
        )
    assert refused.value.code == "illegal_transition"
    after = Prospect.objects.get(pk=prospect.pk)
    assert (after.status, after.version) == (before.status, before.version)


def test_converted_prospect_cannot_be_edited_or_deleted(org, owner):
    prospect = ProspectFactory.create(org=org, user=owner, status="qualified")
    services.prospect_convert(org=org, user=owner, prospect_id=prospect.pk)
    with pytest.raises(Conflict):
        services.prospect_update(org=org, user=owner, prospect_id=prospect.pk, phone="0722")
    with pytest.raises(Conflict):
        services.prospect_delete(org=org, user=owner, prospect_id=prospect.pk)
    assert Prospect.objects.filter(pk=prospect.pk).exists()


def test_stale_prospect_update_is_refused(org, owner):
    prospect = ProspectFactory.create(org=org, user=owner)
    services.prospect_update(org=org, user=owner, prospect_id=prospect.pk, version=1, phone="1")
    with pytest.raises(StaleVersion):
        services.prospect_update(org=org, user=owner, prospect_id=prospect.pk, version=1, phone="2")
    assert Prospect.objects.get(pk=prospect.pk).phone == "1"


def test_sales_user_deletes_only_own_prospects(org, owner, sales_user):
    theirs = ProspectFactory.create(org=org, user=owner)
    mine = ProspectFactory.create(org=org, user=sales_user)
    with pytest.raises(Forbidden):
        services.prospect_delete(org=org, user=sales_user, prospect_id=theirs.pk)
    services.prospect_delete(org=org, user=sales_user, prospect_id=mine.pk)
    assert list(Prospect.objects.values_list("pk", flat=True)) == [theirs.pk]


def test_account_with_offers_cannot_be_deleted(org, owner):
    account = AccountFactory.create(org=org, user=owner)
    OfferFactory.create(org=org, user=owner, account_id=account.pk)
    with pytest.raises(Conflict) as refused:
        services.account_delete(org=org, user=owner, account_id=account.pk)
    assert refused.value.code == "has_offers"
    assert Account.objects.filter(pk=account.pk).exists()


def test_account_without_offers_is_deleted_with_its_contacts(org, owner):
    from smartcrm.contacts.models import Contact
    from smartcrm.contacts.services import contact_create

    account = AccountFactory.create(org=org, user=owner)
    contact_create(org=org, user=owner, account_id=account.pk, last_name="Radu")
    services.account_delete(org=org, user=owner, account_id=account.pk)
    assert (Account.objects.count(), Contact.objects.count()) == (0, 0)


def test_non_member_is_told_the_org_does_not_exist(org, other_owner):
    from smartcrm.core.errors import NotFound

    with pytest.raises(NotFound) as refused:
        services.prospect_create(org=org, user=other_owner, company_name="Intrus SRL")
    assert refused.value.code == "not_member"
    assert Prospect.objects.count() == 0
