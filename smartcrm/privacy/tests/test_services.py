"""Privacy: a person's data exported, and the person erased everywhere but the business
records."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.core.management import call_command

from smartcrm.activities.choices import ActivityKind
from smartcrm.activities.models import Activity
from smartcrm.activities.services import activity_create
from smartcrm.audit.models import AuditEvent
from smartcrm.audit.services import audit_seal, audit_verify
from smartcrm.contacts import services as contacts
from smartcrm.contacts.models import Contact
from smartcrm.core.audit import AuditAction
from smartcrm.core.errors import Forbidden, NotFound, ValidationFailed
from smartcrm.core.models import SearchEntry
from smartcrm.core.search import normalize_search_text, search
from smartcrm.notes.models import Note
from smartcrm.notes.services import note_create, note_delete
from smartcrm.privacy.services import person_erase, person_export
from smartcrm.sales import services as sales
from smartcrm.sales.models import Account, Offer, Prospect, RecordEvent
from smartcrm.tasks.models import Task
from smartcrm.tasks.services import task_create

pytestmark = pytest.mark.django_db

MONDAY_9 = dt.datetime(2026, 3, 9, 9, 0, tzinfo=dt.UTC)
OLD_STRINGS = ("Ștefănescu", "Mirela", "mirela.stefanescu@example.ro", "0722 123 456")


def a_contact_on_an_offer(org, user):
    """Mirela Ștefănescu, a contact of an account, chosen for an offer of 2 hours at 250 RON,
    with a meeting, a renamed phone and a note naming her."""
    account = sales.account_create(org=org, user=user, name="Carpați Tur SRL")
    contact = contacts.contact_create(
        org=org,
        user=user,
        account_id=account.pk,
        first_name="Mirela",
        last_name="Ștefănescu",
        email="mirela.stefanescu@example.ro",
        phone="0722 000 000",
        job_title="Director achiziții",
    )
    contacts.contact_update(org=org, user=user, contact_id=contact.pk, phone="0722 123 456")
    offer = sales.offer_create(
        org=org,
        user=user,
        account_id=account.pk,
        title="Circuit Transilvania",
        issue_date=dt.date(2026, 3, 2),
        lines=[
            {
                "name": "Consultanță",
                "unit": "oră",
                "quantity": Decimal("2"),
                "unit_price": Decimal("250"),
                "vat_rate": Decimal("21"),
            }
        ],
    )
    contacts.offer_contacts_set(org=org, user=user, offer_id=offer.pk, contact_ids=[contact.pk])
    activity_create(
        org=org,
        user=user,
        account_id=account.pk,
        kind=ActivityKind.MEETING,
        subject="Întâlnire cu Mirela Ștefănescu",
        start_at=MONDAY_9,
        participant_ids=[contact.pk],
    )
    note_create(
        org=org,
        user=user,
        account_id=account.pk,
        body="Sunați-o pe Mirela Ștefănescu la 0722 123 456 după ora 10.",
    )
    return contact, offer


def a_person_prospect(org, user, **fields):
    values = {
        "kind": "person",
        "first_name": "Mirela",
        "last_name": "Ștefănescu",
        "email": "mirela.stefanescu@example.ro",
        "phone": "0722 123 456",
        "address": "Str. Lungă 12",
        "locality": "Brașov",
        **fields,
    }
    return sales.prospect_create(org=org, user=user, **values)


def rows_holding(text: str) -> list[str]:
    """Every table of the domain and the log that still holds ``text`` (as stored: JSON
    columns as their text, which SQLite keeps with non-ASCII letters escaped), trashed rows
    included."""
    forms = {text, json.dumps(text)[1:-1]}
    found = []
    tables = {
        "contact": (Contact, ["first_name", "last_name", "email", "phone", "job_title"]),
        "prospect": (Prospect, ["first_name", "last_name", "email", "phone", "address"]),
        "account": (Account, ["name", "email", "phone", "address"]),
        "timeline": (RecordEvent, ["data"]),
        "activity": (Activity, ["subject", "description"]),
        "note": (Note, ["body"]),
        "task": (Task, ["title", "description"]),
        "audit": (AuditEvent, ["record_label", "changes", "data"]),
    }
    for name, (model, fields) in tables.items():
        for field in fields:
            for form in forms:
                if model._base_manager.filter(**{f"{field}__icontains": form}).exists():
                    found.append(f"{name}.{field}")
    folded = normalize_search_text(text)
    for entry in SearchEntry.objects.all():
        if text in entry.title or text in entry.subtitle or folded in entry.text:
            found.append("search")
    return sorted(set(found))


# --- export ----------------------------------------------------------------------------------


def test_export_holds_the_contact_its_activities_offers_timeline_and_audit_events(org, owner):
    contact, offer = a_contact_on_an_offer(org, owner)

    export = person_export(org=org, user=owner, kind="contact", record_id=contact.pk)

    assert export["format"] == "smartcrm-personal-data/1"
    assert export["kind"] == "contact"
    assert export["record"]["email"] == "mirela.stefanescu@example.ro"
    assert export["record"]["last_name"] == "Ștefănescu"
    assert [a["subject"] for a in export["activities"]] == ["Întâlnire cu Mirela Ștefănescu"]
    assert export["offers"] == [{"id": str(offer.pk), "number": offer.number, "title": offer.title}]
    assert [event["kind"] for event in export["timeline"]] == ["contacts_changed"]
    assert [event["action"] for event in export["audit_events"]] == ["created", "updated"]
    assert export["audit_events"][1]["changes"] == {"phone": ["0722 000 000", "0722 123 456"]}
    json.dumps(export)  # JSON as it is


def test_export_holds_nothing_of_another_person_or_organisation(org, owner, other_org, other_owner):
    contact, _ = a_contact_on_an_offer(org, owner)
    contacts.contact_create(
        org=org, user=owner, account_id=contact.account_id, last_name="Vlad", email="v@x.ro"
    )
    a_contact_on_an_offer(other_org, other_owner)

    text = json.dumps(person_export(org=org, user=owner, kind="contact", record_id=contact.pk))

    assert "v@x.ro" not in text and "Vlad" not in text
    assert str(other_org.pk) not in text


def test_export_of_a_person_prospect_holds_its_notes_and_tasks(org, owner):
    prospect = a_person_prospect(org, owner)
    note_create(org=org, user=owner, prospect_id=prospect.pk, body="Preferă e-mail.")
    task_create(org=org, user=owner, prospect_id=prospect.pk, title="Trimite broșura")

    export = person_export(org=org, user=owner, kind="prospect", record_id=prospect.pk)

    assert export["record"]["address"] == "Str. Lungă 12"
    assert [note["body"] for note in export["notes"]] == ["Preferă e-mail."]
    assert [task["title"] for task in export["tasks"]] == ["Trimite broșura"]
    assert [event["kind"] for event in export["timeline"]] == ["created"]


def test_export_is_recorded_in_the_audit_log(org, sales_user):
    contact, _ = a_contact_on_an_offer(org, sales_user)

    person_export(org=org, user=sales_user, kind="contact", record_id=contact.pk)

    event = AuditEvent.objects.filter(action=AuditAction.PERSONAL_DATA_EXPORTED).get()
    assert (event.record_kind, event.record_id, event.actor_id) == (
        "contact",
        contact.pk,
        sales_user.pk,
    )


def test_a_company_prospect_is_not_a_person(org, owner):
    prospect = sales.prospect_create(org=org, user=owner, company_name="Carpați Tur SRL")

    with pytest.raises(ValidationFailed) as error:
        person_export(org=org, user=owner, kind="prospect", record_id=prospect.pk)

    assert error.value.field == "kind"


# --- erasure ---------------------------------------------------------------------------------


def test_erase_leaves_no_trace_of_the_contact_and_keeps_the_offer(org, owner):
    contact, offer = a_contact_on_an_offer(org, owner)
    audit_seal(org_id=org.pk)
    assert rows_holding("Ștefănescu") != []

    person_erase(org=org, user=owner, kind="contact", record_id=contact.pk)
    erased = Contact.objects.get(pk=contact.pk)

    assert (erased.first_name, erased.last_name) == ("Anonim", "#" + contact.pk.hex[-8:])
    assert (erased.email, erased.phone, erased.job_title) == ("", "", "")
    for old in OLD_STRINGS:
        assert rows_holding(old) == [], old
    assert search(org=org, q="Ștefănescu")[0] == []
    offer.refresh_from_db()
    assert offer.total_gross == Decimal("605.00")
    assert list(offer.offer_contacts.values_list("contact_id", flat=True)) == [contact.pk]
    assert Note.objects.get().body == f"Sunați-o pe {erased.full_name} la *** după ora 10."


def test_erase_scrubs_a_note_in_the_trash_too(org, owner):
    contact, _ = a_contact_on_an_offer(org, owner)
    note = Note.objects.get()
    note_delete(org=org, user=owner, note_id=note.pk)
    assert not Note.objects.filter(pk=note.pk).exists()  # in the trash

    person_erase(org=org, user=owner, kind="contact", record_id=contact.pk)

    assert rows_holding("Ștefănescu") == []
    assert "Anonim #" in Note._base_manager.get(pk=note.pk).body


def test_erase_of_a_person_prospect_scrubs_its_notes_tasks_and_search(org, owner):
    prospect = a_person_prospect(org, owner)
    note_create(org=org, user=owner, prospect_id=prospect.pk, body="Mirela vine luni.")
    task_create(org=org, user=owner, prospect_id=prospect.pk, title="Sună pe Ștefănescu")
    contacts.contact_create(org=org, user=owner, prospect_id=prospect.pk, last_name="Soț")

    person_erase(org=org, user=owner, kind="prospect", record_id=prospect.pk)

    prospect.refresh_from_db()
    assert (prospect.first_name, prospect.email, prospect.address, prospect.locality) == (
        "Anonim",
        "",
        "",
        "",
    )
    for old in (*OLD_STRINGS, "Str. Lungă 12"):
        assert rows_holding(old) == [], old
    assert Note.objects.get().body == f"{prospect.person_name} vine luni."
    assert search(org=org, q="Anonim")[0][0].object_id == prospect.pk


def test_erase_of_a_converted_person_prospect_anonymises_its_account_and_keeps_its_offer(
    org, owner
):
    prospect = a_person_prospect(org, owner)
    note_create(org=org, user=owner, prospect_id=prospect.pk, body="Mirela vine luni.")
    sales.prospect_qualify(org=org, user=owner, prospect_id=prospect.pk)
    conversion = sales.prospect_convert(
        org=org,
        user=owner,
        prospect_id=prospect.pk,
        offer={"title": "Sejur Sibiu", "issue_date": dt.date(2026, 3, 2)},
    )
    assert conversion.account.name == "Mirela Ștefănescu"
    audit_seal(org_id=org.pk)

    export = person_export(org=org, user=owner, kind="prospect", record_id=prospect.pk)
    person_erase(org=org, user=owner, kind="prospect", record_id=prospect.pk)

    assert [note["body"] for note in export["notes"]] == ["Mirela vine luni."]
    assert conversion.offer is not None
    assert export["offers"] == [
        {"id": str(conversion.offer.pk), "number": conversion.offer.number, "title": "Sejur Sibiu"}
    ]
    account = Account.objects.get(pk=conversion.account.pk)
    assert account.name == "Anonim #" + prospect.pk.hex[-8:]
    assert Offer.objects.filter(account=account).count() == 1
    for old in (*OLD_STRINGS, "Str. Lungă 12"):
        assert rows_holding(old) == [], old
    audit_seal(org_id=org.pk)
    assert audit_verify(org=org).intact


def test_audit_verify_accepts_the_recorded_redaction(org, owner, capsys):
    contact, _ = a_contact_on_an_offer(org, owner)
    audit_seal(org_id=org.pk)

    person_erase(org=org, user=owner, kind="contact", record_id=contact.pk)
    waiting = audit_verify(org=org)
    audit_seal(org_id=org.pk)
    report = audit_verify(org=org)

    assert not waiting.intact
    assert "waits to be sealed" in waiting.problems[0].message
    assert report.intact, [problem.message for problem in report.problems]
    assert report.redacted >= 2
    erasure = AuditEvent.objects.get(action=AuditAction.ERASED)
    assert len(erasure.data["redacted"]) == report.redacted
    call_command("audit", "verify")
    assert "redacted by recorded erasures" in capsys.readouterr().out


def test_audit_verify_still_names_a_redacted_event_changed_afterwards(org, owner):
    contact, _ = a_contact_on_an_offer(org, owner)
    audit_seal(org_id=org.pk)
    person_erase(org=org, user=owner, kind="contact", record_id=contact.pk)
    audit_seal(org_id=org.pk)
    event = AuditEvent.objects.get(record_id=contact.pk, action=AuditAction.CREATED)

    AuditEvent.objects.filter(pk=event.pk).update(record_label="Altcineva")

    problems = audit_verify(org=org).problems
    assert [problem.event_id for problem in problems] == [event.pk]
    assert "was changed after it was sealed" in problems[0].message


def test_a_sales_user_cannot_erase(org, owner, sales_user):
    contact, _ = a_contact_on_an_offer(org, owner)

    with pytest.raises(Forbidden):
        person_erase(org=org, user=sales_user, kind="contact", record_id=contact.pk)

    contact.refresh_from_db()
    assert contact.last_name == "Ștefănescu"


def test_another_organisation_does_not_find_the_person(org, owner, other_org, other_owner):
    contact, _ = a_contact_on_an_offer(org, owner)

    with pytest.raises(NotFound):
        person_erase(org=other_org, user=other_owner, kind="contact", record_id=contact.pk)
    with pytest.raises(NotFound):
        person_export(org=other_org, user=other_owner, kind="contact", record_id=contact.pk)


def test_erase_is_recorded_and_offers_stay(org, owner):
    contact, offer = a_contact_on_an_offer(org, owner)

    person_erase(org=org, user=owner, kind="contact", record_id=contact.pk)

    event = AuditEvent.objects.get(action=AuditAction.ERASED)
    assert (event.record_id, event.actor_id) == (contact.pk, owner.pk)
    assert event.record_label.startswith("Anonim #")
    assert Offer.objects.filter(pk=offer.pk).exists()
