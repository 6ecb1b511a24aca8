"""Merging duplicates: the survivor keeps the chosen values and everything that hung on the
others; the others are gone; the merge is on the survivor's timeline. One transaction."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from smartcrm.activities import services as activities
from smartcrm.activities.models import Activity
from smartcrm.api.tests.helpers import ApiClient
from smartcrm.contacts import services as contacts
from smartcrm.contacts.models import Contact, OfferContact
from smartcrm.core.errors import Conflict, NotFound, StaleVersion, ValidationFailed
from smartcrm.core.models import SearchEntry
from smartcrm.dedupe.services import records_merge
from smartcrm.notes import services as notes
from smartcrm.notes.models import Note
from smartcrm.sales import services as sales
from smartcrm.sales.choices import EventKind
from smartcrm.sales.models import Account, Offer, Prospect, RecordEvent
from smartcrm.sales.tests.factories import qualified_prospect
from smartcrm.tasks import services as tasks
from smartcrm.tasks.models import Task


@pytest.fixture
def api(org, owner):
    return ApiClient(org, owner)


def _prospect_with_children(org, user, name, **fields):
    prospect = sales.prospect_create(org=org, user=user, company_name=name, **fields)
    contact = contacts.contact_create(
        org=org, user=user, prospect_id=prospect.pk, last_name=f"Contact {name}", is_primary=True
    )
    activities.activity_create(
        org=org,
        user=user,
        prospect_id=prospect.pk,
        kind="call",
        subject=f"Apel {name}",
        start_at=timezone.now(),
        participant_ids=[contact.pk],
    )
    notes.note_create(org=org, user=user, prospect_id=prospect.pk, body=f"Notă {name}")
    tasks.task_create(org=org, user=user, prospect_id=prospect.pk, title=f"Sarcină {name}")
    return prospect


def test_merge_prospects_moves_every_child_and_keeps_the_chosen_values(api, org, owner):
    # given two duplicates, each with a contact, an activity, a note and a task
    survivor = _prospect_with_children(org, owner, "Alfa SRL", email="office@alfa.ro")
    merged = _prospect_with_children(
        org, owner, "ALFA S.R.L.", phone="0722 123 456", email="vechi@alfa.ro"
    )
    # when merged, keeping the survivor's name and the other's phone
    response = api.post(
        "/api/v1/prospects/merge",
        {
            "survivor_id": str(survivor.pk),
            "merged_ids": [str(merged.pk)],
            "keep": {"phone": str(merged.pk), "company_name": str(survivor.pk)},
        },
        if_match=f'"{survivor.version}"',
    )
    # then
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["survivor"]["phone"] == "0722 123 456"
    assert body["survivor"]["email"] == "office@alfa.ro"
    assert body["survivor"]["company_name"] == "Alfa SRL"
    assert body["moved"] == {"contacts": 1, "activities": 1, "notes": 1, "tasks": 1, "events": 1}
    assert response["ETag"] == f'"{body["survivor"]["version"]}"'
    assert not Prospect.objects.filter(pk=merged.pk).exists()
    assert Contact.objects.filter(prospect=survivor).count() == 2
    assert Contact.objects.filter(prospect=survivor, is_primary=True).count() == 1
    assert Activity.objects.filter(prospect=survivor).count() == 2
    assert Note.objects.filter(prospect=survivor).count() == 2
    assert Task.objects.filter(prospect=survivor).count() == 2
    event = RecordEvent.objects.get(prospect=survivor, kind=EventKind.MERGED)
    assert event.data["merged"] == [{"id": str(merged.pk), "name": "ALFA S.R.L."}]
    assert event.data["kept"] == {"phone": str(merged.pk), "company_name": str(survivor.pk)}
    assert Prospect.objects.get(pk=survivor.pk).phone_e164 == "+40722123456"
    assert not SearchEntry.objects.filter(object_id=merged.pk).exists()
    timeline = api.get(f"/api/v1/prospects/{survivor.pk}/timeline").json()["items"]
    assert "merged" in [entry["status"] for entry in timeline]


def test_merge_refuses_a_record_changed_since_the_values_were_chosen(api, org, owner):
    survivor = sales.prospect_create(org=org, user=owner, company_name="Alfa SRL")
    merged = sales.prospect_create(org=org, user=owner, company_name="ALFA S.R.L.")
    versions = {str(survivor.pk): survivor.version, str(merged.pk): merged.version}
    body = {"survivor_id": str(survivor.pk), "merged_ids": [str(merged.pk)], "versions": versions}
    sales.prospect_update(org=org, user=owner, prospect_id=merged.pk, phone="0722123456")
    response = api.post("/api/v1/prospects/merge", body)
    assert response.status_code == 412, response.content
    assert response.json()["errors"][0]["field"] == "version"
    assert Prospect.objects.count() == 2
    versions[str(merged.pk)] += 1
    assert api.post("/api/v1/prospects/merge", body).status_code == 200
    assert Prospect.objects.get().phone == ""  # the survivor's value, as chosen


def test_merge_accounts_moves_offers_offer_contacts_and_converted_prospects(org, owner):
    survivor = sales.account_create(org=org, user=owner, name="Beta SRL")
    prospect = qualified_prospect(org, owner, company_name="Beta")
    merged = sales.prospect_convert(org=org, user=owner, prospect_id=prospect.pk).account
    person = contacts.contact_create(org=org, user=owner, account_id=merged.pk, last_name="Ionescu")
    offer = sales.offer_create(org=org, user=owner, account_id=merged.pk, title="Ofertă")
    contacts.offer_contacts_set(org=org, user=owner, offer_id=offer.pk, contact_ids=[person.pk])

    merge = records_merge(
        org=org, user=owner, kind="account", survivor_id=survivor.pk, merged_ids=[merged.pk]
    )

    assert merge.moved["offers"] == 1
    assert Offer.objects.get(pk=offer.pk).account_id == survivor.pk
    assert Contact.objects.get(pk=person.pk).account_id == survivor.pk
    assert OfferContact.objects.get(offer=offer).contact_id == person.pk
    assert Prospect.objects.get(pk=prospect.pk).converted_account_id == survivor.pk
    assert not Account.objects.filter(pk=merged.pk).exists()
    assert Account.objects.get(pk=survivor.pk).version == survivor.version + 1


def test_merge_contacts_moves_offer_links_and_participations_without_doubles(org, owner):
    account = sales.account_create(org=org, user=owner, name="Gama SRL")
    keep = contacts.contact_create(org=org, user=owner, account_id=account.pk, last_name="Pop")
    dup = contacts.contact_create(
        org=org, user=owner, account_id=account.pk, last_name="POP", email="pop@gama.ro"
    )
    both = sales.offer_create(org=org, user=owner, account_id=account.pk, title="Amândoi")
    only_dup = sales.offer_create(org=org, user=owner, account_id=account.pk, title="Doar dup")
    contacts.offer_contacts_set(
        org=org, user=owner, offer_id=both.pk, contact_ids=[keep.pk, dup.pk]
    )
    contacts.offer_contacts_set(org=org, user=owner, offer_id=only_dup.pk, contact_ids=[dup.pk])
    meeting = activities.activity_create(
        org=org,
        user=owner,
        account_id=account.pk,
        kind="meeting",
        subject="Întâlnire",
        start_at=timezone.now(),
        participant_ids=[keep.pk, dup.pk],
    )

    merge = records_merge(
        org=org,
        user=owner,
        kind="contact",
        survivor_id=keep.pk,
        merged_ids=[dup.pk],
        keep={"email": dup.pk},
    )

    assert merge.survivor.email == "pop@gama.ro"
    assert list(OfferContact.objects.filter(offer=both).values_list("contact_id", flat=True)) == [
        keep.pk
    ]
    assert list(
        OfferContact.objects.filter(offer=only_dup).values_list("contact_id", flat=True)
    ) == [keep.pk]
    assert list(meeting.participants.values_list("pk", flat=True)) == [keep.pk]
    assert not Contact.objects.filter(pk=dup.pk).exists()
    assert RecordEvent.objects.filter(account=account, kind=EventKind.CONTACTS_MERGED).count() == 1


def test_merging_another_organisations_records_is_404_and_changes_nothing(
    api, org, owner, other_org, other_owner
):
    mine = sales.prospect_create(org=org, user=owner, company_name="Alfa SRL")
    theirs = _prospect_with_children(other_org, other_owner, "Alfa SRL")
    for survivor, merged in ((mine, theirs), (theirs, mine)):
        response = api.post(
            "/api/v1/prospects/merge",
            {"survivor_id": str(survivor.pk), "merged_ids": [str(merged.pk)]},
        )
        assert (response.status_code, response["Content-Type"]) == (404, "application/problem+json")
    assert Prospect.objects.filter(pk__in=[mine.pk, theirs.pk]).count() == 2
    assert Contact.objects.filter(prospect=theirs).count() == 1
    with pytest.raises(NotFound):
        records_merge(
            org=org, user=owner, kind="account", survivor_id=mine.pk, merged_ids=[theirs.pk]
        )


def test_stale_version_is_412_and_nothing_moves(api, org, owner):
    survivor = sales.prospect_create(org=org, user=owner, company_name="Alfa SRL")
    merged = _prospect_with_children(org, owner, "Alfa")
    response = api.post(
        "/api/v1/prospects/merge",
        {"survivor_id": str(survivor.pk), "merged_ids": [str(merged.pk)]},
        if_match='"99"',
    )
    assert response.status_code == 412
    assert Prospect.objects.filter(pk=merged.pk).exists()
    assert Contact.objects.filter(prospect=merged).count() == 1
    with pytest.raises(StaleVersion):
        records_merge(
            org=org,
            user=owner,
            kind="prospect",
            survivor_id=survivor.pk,
            merged_ids=[merged.pk],
            version=7,
        )


def test_a_bad_choice_names_the_field_and_changes_nothing(org, owner):
    survivor = sales.prospect_create(org=org, user=owner, company_name="Alfa SRL")
    merged = _prospect_with_children(org, owner, "Alfa")
    other = sales.prospect_create(org=org, user=owner, company_name="Beta")
    cases: list[tuple[dict[str, Any], str]] = [
        ({"merged_ids": []}, "merged_ids"),
        ({"merged_ids": [survivor.pk]}, "merged_ids"),
        ({"merged_ids": [merged.pk], "keep": {"status": merged.pk}}, "keep.status"),
        ({"merged_ids": [merged.pk], "keep": {"phone": other.pk}}, "keep.phone"),
    ]
    for arguments, field in cases:
        with pytest.raises(ValidationFailed) as raised:
            records_merge(
                org=org, user=owner, kind="prospect", survivor_id=survivor.pk, **arguments
            )
        assert raised.value.issues[0].field == field
    assert Contact.objects.filter(prospect=merged).count() == 1


def test_converted_prospects_are_not_merged(org, owner):
    survivor = sales.prospect_create(org=org, user=owner, company_name="Alfa SRL")
    converted = qualified_prospect(org, owner, company_name="Alfa")
    sales.prospect_convert(org=org, user=owner, prospect_id=converted.pk)
    with pytest.raises(Conflict) as raised:
        records_merge(
            org=org, user=owner, kind="prospect", survivor_id=survivor.pk, merged_ids=[converted.pk]
        )
    assert raised.value.code == "prospect_converted"


def test_contacts_of_different_records_are_not_merged(org, owner):
    alfa = sales.account_create(org=org, user=owner, name="Alfa SRL")
    beta = sales.account_create(org=org, user=owner, name="Beta SRL")
    one = contacts.contact_create(org=org, user=owner, account_id=alfa.pk, last_name="Pop")
    two = contacts.contact_create(org=org, user=owner, account_id=beta.pk, last_name="Pop")
    with pytest.raises(ValidationFailed) as raised:
        records_merge(org=org, user=owner, kind="contact", survivor_id=one.pk, merged_ids=[two.pk])
    assert raised.value.code == "different_parent"


def test_a_sales_user_cannot_merge_away_someone_elses_record(org, owner, sales_user):
    mine = sales.prospect_create(org=org, user=sales_user, company_name="Alfa SRL")
    theirs = sales.prospect_create(org=org, user=owner, company_name="Alfa")
    from smartcrm.core.errors import Forbidden

    with pytest.raises(Forbidden):
        records_merge(
            org=org, user=sales_user, kind="prospect", survivor_id=mine.pk, merged_ids=[theirs.pk]
        )
    assert Prospect.objects.filter(pk=theirs.pk).exists()


def test_a_sales_user_cannot_merge_away_contacts_of_someone_elses_record(org, owner, sales_user):
    """Merging deletes the merged contacts: the same right as deleting them."""
    theirs = sales.account_create(org=org, user=owner, name="Alfa SRL")
    one = contacts.contact_create(org=org, user=owner, account_id=theirs.pk, last_name="Pop")
    two = contacts.contact_create(org=org, user=owner, account_id=theirs.pk, last_name="Pop")
    from smartcrm.core.errors import Forbidden

    with pytest.raises(Forbidden):
        records_merge(
            org=org, user=sales_user, kind="contact", survivor_id=one.pk, merged_ids=[two.pk]
        )
    assert Contact.objects.filter(pk__in=[one.pk, two.pk]).count() == 2


def test_a_sales_user_merges_contacts_of_their_own_record(org, owner, sales_user):
    mine = sales.account_create(org=org, user=sales_user, name="Alfa SRL")
    one = contacts.contact_create(org=org, user=owner, account_id=mine.pk, last_name="Pop")
    two = contacts.contact_create(org=org, user=owner, account_id=mine.pk, last_name="Pop")
    records_merge(org=org, user=sales_user, kind="contact", survivor_id=one.pk, merged_ids=[two.pk])
    assert list(Contact.objects.values_list("pk", flat=True)) == [one.pk]
