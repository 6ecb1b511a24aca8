"""Converting a qualified prospect: everything moves, all or nothing, exactly once."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.utils import timezone

from smartcrm.activities.models import Activity
from smartcrm.activities.services import activity_create
from smartcrm.contacts.models import Contact
from smartcrm.contacts.services import contact_create
from smartcrm.core.errors import Conflict, ValidationFailed
from smartcrm.core.registry import ChildKind, register_child, unregister_child
from smartcrm.notes.models import Note
from smartcrm.notes.services import note_create
from smartcrm.sales import services
from smartcrm.sales.choices import EventKind, OfferStatus, ProspectStatus
from smartcrm.sales.models import Account, Offer, Prospect, RecordEvent
from smartcrm.sales.tests.factories import AccountFactory, ProspectFactory, qualified_prospect
from smartcrm.tasks.models import Task
from smartcrm.tasks.services import task_create


def _prospect_with_children(org, user):
    prospect = qualified_prospect(
        org, user, company_name="Dacia Construcț SRL", cui="18547290", county="CJ", locality="Turda"
    )
    ana = contact_create(
        org=org,
        user=user,
        prospect_id=prospect.pk,
        first_name="Ana",
        last_name="Mureșan",
        is_primary=True,
    )
    dan = contact_create(
        org=org, user=user, prospect_id=prospect.pk, first_name="Dan", last_name="Șerban"
    )
    activity_create(
        org=org,
        user=user,
        prospect_id=prospect.pk,
        kind="call",
        subject="Primul apel",
        start_at=timezone.now(),
        status="done",
        participant_ids=[ana.pk, dan.pk],
    )
    note_create(org=org, user=user, prospect_id=prospect.pk, body="Buget aprobat în martie.")
    task_create(org=org, user=user, prospect_id=prospect.pk, title="Trimite oferta")
    return prospect


def test_convert_moves_every_child_to_the_new_account(org, owner):
    # given a qualified prospect with two contacts, an activity, a note and a task
    prospect = _prospect_with_children(org, owner)
    # when it is converted
    result = services.prospect_convert(org=org, user=owner, prospect_id=prospect.pk)
    # then a new account carries its identity and remembers it
    account = result.account
    assert result.created_account is True
    assert (account.name, account.cui, account.county, account.locality) == (
        "Dacia Construcț SRL",
        "18547290",
        "CJ",
        "Turda",
    )
    assert account.source_prospect_id == prospect.pk
    # and every child moved, none is left on the prospect
    assert result.moved == {"contacts": 2, "activities": 1, "notes": 1, "tasks": 1}
    for model in (Contact, Activity, Note, Task):
        assert model.objects.filter(prospect=prospect).count() == 0
        assert model.objects.filter(account=account).count() >= 1
    # and the activity's participants are still its record's contacts
    activity = Activity.objects.get(account=account)
    assert {c.account_id for c in activity.participants.all()} == {account.pk}
    # and the prospect is converted and points to the account
    prospect.refresh_from_db()
    assert prospect.status == ProspectStatus.CONVERTED
    assert prospect.converted_account_id == account.pk
    assert prospect.converted_at is not None
    assert RecordEvent.objects.filter(prospect=prospect, kind=EventKind.CONVERTED).count() == 1


def test_convert_with_first_offer_creates_a_numbered_draft(org, owner):
    prospect = qualified_prospect(org, owner)
    result = services.prospect_convert(
        org=org, user=owner, prospect_id=prospect.pk, offer={"title": "Implementare ERP"}
    )
    assert result.offer is not None
    assert result.offer.account_id == result.account.pk
    assert result.offer.status == OfferStatus.DRAFT
    assert result.offer.number == f"OF-{result.offer.issue_date.year}-0001"


def test_convert_merging_into_existing_account_keeps_its_data_and_its_primary(org, owner):
    # given an account with its own primary contact and a qualified prospect with one too
    account = AccountFactory.create(
        org=org, user=owner, name="Carpați Trans SA", phone="", locality="Brașov"
    )
    kept = contact_create(
        org=org, user=owner, account_id=account.pk, last_name="Popa", is_primary=True
    )
    prospect = _prospect_with_children(org, owner)
    # when the prospect is merged into the account
    result = services.prospect_convert(
        org=org, user=owner, prospect_id=prospect.pk, account_id=account.pk
    )
    # then no account is created, and the account keeps its name and locality
    assert result.created_account is False
    assert Account.objects.for_org(org).count() == 1
    account.refresh_from_db()
    assert (account.name, account.locality, account.cui) == (
        "Carpați Trans SA",
        "Brașov",
        "18547290",
    )
    # and the account's primary stays the only primary
    assert list(Contact.objects.filter(account=account, is_primary=True)) == [kept]
    assert Contact.objects.filter(account=account).count() == 3


def test_convert_of_unqualified_prospect_is_refused_and_changes_nothing(org, owner):
    prospect = ProspectFactory.create(org=org, user=owner)
    with pytest.raises(Conflict) as refused:
        services.prospect_convert(org=org, user=owner, prospect_id=prospect.pk)
    assert (refused.value.code, refused.value.field) == ("not_qualified", "status")
    prospect.refresh_from_db()
    assert prospect.status == ProspectStatus.NEW
    assert Account.objects.for_org(org).count() == 0


def test_converting_twice_is_refused_with_one_account(org, owner):
    prospect = qualified_prospect(org, owner)
    services.prospect_convert(org=org, user=owner, prospect_id=prospect.pk)
    with pytest.raises(Conflict) as refused:
        services.prospect_convert(org=org, user=owner, prospect_id=prospect.pk)
    assert refused.value.code == "already_converted"
    assert Account.objects.for_org(org).count() == 1


def test_convert_into_account_of_another_org_is_refused(org, owner, other_org, other_owner):
    foreign = AccountFactory.create(org=other_org, user=other_owner)
    prospect = qualified_prospect(org, owner)
    with pytest.raises(ValidationFailed) as refused:
        services.prospect_convert(
            org=org, user=owner, prospect_id=prospect.pk, account_id=foreign.pk
        )
    assert (refused.value.field, refused.value.code) == ("account_id", "not_found")
    prospect.refresh_from_db()
    assert prospect.status == ProspectStatus.QUALIFIED


class _Explosion(RuntimeError):
    pass


def test_failure_half_way_leaves_nothing_changed(org, owner):
    # given a prospect with children, and a child kind that fails after the others moved
    prospect = _prospect_with_children(org, owner)

    def explode(**_kwargs):
        raise _Explosion("disk full")

    register_child(
        ChildKind(
            key="zz-exploding",
            model=Note,
            parents=("prospect", "account"),
            module="notes",
            before_move=explode,
        )
    )
    try:
        # when the conversion runs into the failure
        with pytest.raises(_Explosion):
            services.prospect_convert(
                org=org, user=owner, prospect_id=prospect.pk, offer={"title": "Ofertă"}
            )
    finally:
        unregister_child("zz-exploding")
    # then nothing changed: no account, no offer, every child still on the prospect
    prospect.refresh_from_db()
    assert prospect.status == ProspectStatus.QUALIFIED
    assert prospect.converted_account_id is None
    assert Account.objects.for_org(org).count() == 0
    assert Offer.objects.for_org(org).count() == 0
    assert Contact.objects.filter(prospect=prospect).count() == 2
    assert Activity.objects.filter(prospect=prospect).count() == 1
    assert Note.objects.filter(prospect=prospect).count() == 1
    assert Task.objects.filter(prospect=prospect).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_conversions_racing_end_with_one_account(org, owner):
    # given a qualified prospect and two connections converting it at the same moment
    prospect = qualified_prospect(org, owner)
    barrier = threading.Barrier(2)
    outcomes: list[object] = []

    def convert() -> None:
        try:
            barrier.wait(timeout=10)
            outcomes.append(services.prospect_convert(org=org, user=owner, prospect_id=prospect.pk))
        except Exception as error:
            outcomes.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=convert) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    # then exactly one won and the other got a clear conflict
    conflicts = [o for o in outcomes if isinstance(o, Conflict)]
    wins = [o for o in outcomes if isinstance(o, services.Conversion)]
    assert (len(wins), len(conflicts)) == (1, 1), outcomes
    assert conflicts[0].code == "already_converted"
    assert Account.objects.for_org(org).count() == 1
    assert Prospect.objects.get(pk=prospect.pk).converted_account_id == wins[0].account.pk
