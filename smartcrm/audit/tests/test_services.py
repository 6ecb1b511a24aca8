"""The audit log: what the services record, the hash chain, and its verification."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from smartcrm.audit.models import AuditChain, AuditEvent
from smartcrm.audit.services import audit_seal, audit_seal_all, audit_verify, event_hash
from smartcrm.contacts import services as contacts
from smartcrm.core import services as core_services
from smartcrm.core.audit import AuditAction, Via, audit_restored, origin
from smartcrm.core.tokens import api_token_create, api_token_revoke
from smartcrm.sales import services as sales
from smartcrm.sales.services.bulk import prospects_delete
from smartcrm.sales.tests.factories import qualified_prospect

pytestmark = pytest.mark.django_db


def events_of(org, **filters):
    return list(AuditEvent.objects.filter(organization=org, **filters).order_by("id"))


# --- what is recorded ----------------------------------------------------------------------


def test_create_records_who_what_and_the_record_by_value(org, owner):
    prospect = sales.prospect_create(org=org, user=owner, company_name="Carpați Tur SRL")

    (event,) = events_of(org, record_id=prospect.pk)
    assert event.action == AuditAction.CREATED
    assert event.record_kind == "prospect"
    assert event.record_label == "Carpați Tur SRL"
    assert event.actor_id == owner.pk
    assert event.actor_email == "ana.popescu@example.ro"
    assert event.via == Via.SYSTEM
    assert event.seq is None  # waiting to be sealed


def test_update_records_each_changed_field_before_and_after(org, owner):
    prospect = sales.prospect_create(
        org=org, user=owner, company_name="Carpați Tur SRL", phone="0722000111"
    )

    sales.prospect_update(
        org=org, user=owner, prospect_id=prospect.pk, phone="0722000222", locality="Brașov"
    )

    event = events_of(org, action=AuditAction.UPDATED)[0]
    assert event.changes == {"phone": ["0722000111", "0722000222"], "locality": ["", "Brașov"]}


def test_an_update_that_changes_nothing_records_nothing(org, owner):
    prospect = sales.prospect_create(org=org, user=owner, company_name="Carpați Tur SRL")

    sales.prospect_update(
        org=org, user=owner, prospect_id=prospect.pk, company_name="Carpați Tur SRL"
    )

    assert [e.action for e in events_of(org)] == [AuditAction.CREATED]


def test_status_change_and_conversion_are_recorded(org, owner):
    prospect = qualified_prospect(org, owner, company_name="Delta Impex SRL")

    conversion = sales.prospect_convert(org=org, user=owner, prospect_id=prospect.pk)

    prospect_events = events_of(org, record_id=prospect.pk)
    assert [e.action for e in prospect_events] == [
        AuditAction.CREATED,
        AuditAction.STATUS_CHANGED,
        AuditAction.CONVERTED,
    ]
    assert prospect_events[1].changes == {"status": ["new", "qualified"]}
    assert prospect_events[2].data["account_id"] == str(conversion.account.pk)
    (account_created,) = events_of(org, record_id=conversion.account.pk)
    assert account_created.action == AuditAction.CREATED


def test_history_outlives_a_hard_delete(org, owner):
    account = sales.account_create(org=org, user=owner, name="Omega Trans SRL")
    contact = contacts.contact_create(org=org, user=owner, account_id=account.pk, last_name="Pop")

    sales.account_delete(org=org, user=owner, account_id=account.pk)

    assert [e.action for e in events_of(org, record_id=account.pk)] == [
        AuditAction.CREATED,
        AuditAction.DELETED,
    ]
    assert events_of(org, record_id=contact.pk)[0].record_label == "Pop"


def test_bulk_delete_writes_one_event_per_record_in_one_insert(
    org, owner, django_assert_max_num_queries
):
    ids = [
        sales.prospect_create(org=org, user=owner, company_name=f"Firma {n} SRL").pk
        for n in range(3)
    ]

    # each prospect moves to the trash as its own batch (restored one by one)
    with django_assert_max_num_queries(45) as captured:
        prospects_delete(org=org, user=owner, prospect_ids=ids)

    inserts = [q for q in captured.captured_queries if "INSERT INTO" in q["sql"]]
    audit_inserts = [q for q in inserts if "audit_auditevent" in q["sql"]]
    assert len(audit_inserts) == 1
    assert all("trash_trashbatch" in q["sql"] for q in inserts if q not in audit_inserts)

    deleted = events_of(org, action=AuditAction.DELETED)
    assert sorted(e.record_id for e in deleted) == sorted(ids)


def test_membership_token_and_settings_changes_are_recorded(org, owner, sales_user):
    membership = sales_user.memberships.get(organization=org)
    core_services.membership_update(
        org=org, user=owner, membership_id=membership.pk, role="manager"
    )
    token, plain = api_token_create(org=org, user=owner, name="ERP")
    api_token_revoke(org=org, user=owner, token_id=token.pk)
    core_services.organization_update(org=org, user=owner, offer_terms="Plata în 30 de zile")

    role_change = events_of(org, action=AuditAction.MEMBERSHIP_CHANGED)[-1]
    assert role_change.changes == {"role": ["sales", "manager"]}
    assert role_change.record_label == "ion.ionescu@example.ro"
    created = events_of(org, action=AuditAction.TOKEN_CREATED)[0]
    assert created.record_label == "ERP"
    assert plain not in str(created.data) and "key_hash" not in created.data
    assert events_of(org, action=AuditAction.TOKEN_REVOKED)[0].record_id == token.pk
    settings_change = events_of(org, action=AuditAction.SETTINGS_CHANGED)[0]
    assert settings_change.changes == {"offer_terms": ["", "Plata în 30 de zile"]}


def test_origin_is_recorded(org, owner):
    with origin(via=Via.API, ip="10.0.0.7", user_agent="curl/8"):
        sales.account_create(org=org, user=owner, name="Omega Trans SRL")

    event = events_of(org)[0]
    assert (event.via, event.ip, event.user_agent) == (Via.API, "10.0.0.7", "curl/8")


def test_restore_can_be_recorded_by_the_trash(org, owner):
    account = sales.account_create(org=org, user=owner, name="Omega Trans SRL")

    audit_restored(org=org, user=owner, record=account, batch="b-1")

    assert events_of(org)[-1].action == AuditAction.RESTORED
    assert events_of(org)[-1].data == {"batch": "b-1"}


def test_a_rolled_back_change_leaves_no_event(org, owner):
    from smartcrm.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        sales.prospect_create(org=org, user=owner, company_name="")

    assert events_of(org) == []


# --- the chain ---------------------------------------------------------------------------------


def test_sealing_chains_events_per_organisation(org, owner, other_org, other_owner):
    sales.account_create(org=org, user=owner, name="Alfa Client SRL")
    sales.account_create(org=org, user=owner, name="Beta Client SRL")
    sales.account_create(org=other_org, user=other_owner, name="Gama Client SRL")

    assert audit_seal_all() == 3

    first, second = events_of(org)
    assert (first.seq, second.seq) == (1, 2)
    assert first.prev_hash == "" and second.prev_hash == first.hash
    assert second.hash == event_hash(second)
    assert events_of(other_org)[0].seq == 1
    head = AuditChain.objects.get(organization=org)
    assert (head.seq, head.hash) == (2, second.hash)
    report = audit_verify(org=org)
    assert report.intact and report.checked == 2 and report.waiting == 0


def test_sealing_again_goes_on_from_the_head(org, owner):
    sales.account_create(org=org, user=owner, name="Alfa Client SRL")
    audit_seal(org_id=org.pk)
    sales.account_create(org=org, user=owner, name="Beta Client SRL")

    assert audit_seal(org_id=org.pk) == 1
    assert audit_seal(org_id=org.pk) == 0

    assert [e.seq for e in events_of(org)] == [1, 2]
    assert audit_verify(org=org).intact


def _three_sealed_events(org, owner):
    for name in ("Alfa Client SRL", "Beta Client SRL", "Gama Client SRL"):
        sales.account_create(org=org, user=owner, name=name)
    audit_seal(org_id=org.pk)
    return events_of(org)


def test_verify_names_a_changed_event(org, owner):
    _first, second, _third = _three_sealed_events(org, owner)
    AuditEvent.objects.filter(pk=second.pk).update(record_label="Altcineva SRL")

    report = audit_verify(org=org)

    assert [(p.seq, p.event_id) for p in report.problems] == [(2, second.pk)]
    assert "changed" in report.problems[0].message


def test_verify_names_a_changed_event_whose_hash_was_recomputed(org, owner):
    _first, second, third = _three_sealed_events(org, owner)
    second.record_label = "Altcineva SRL"
    second.hash = event_hash(second)
    second.save()

    report = audit_verify(org=org)

    assert [(p.seq, p.event_id) for p in report.problems] == [(3, third.pk)]
    assert "does not follow" in report.problems[0].message


def test_verify_names_a_removed_event(org, owner):
    first, second, _third = _three_sealed_events(org, owner)
    AuditEvent.objects.filter(pk=second.pk).delete()

    report = audit_verify(org=org)

    assert [(p.seq, p.event_id) for p in report.problems] == [(2, None)]
    assert str(first.pk) in report.problems[0].message


def test_verify_notices_the_last_event_removed(org, owner):
    _first, second, third = _three_sealed_events(org, owner)
    AuditEvent.objects.filter(pk=third.pk).delete()

    report = audit_verify(org=org)

    assert [(p.seq, p.event_id) for p in report.problems] == [(3, None)]
    assert str(second.pk) in report.problems[0].message


def test_verify_notices_the_chain_head_removed(org, owner):
    _three_sealed_events(org, owner)
    AuditChain.objects.filter(organization=org).delete()

    report = audit_verify(org=org)

    assert [(p.seq, p.event_id) for p in report.problems] == [(0, None)]


def test_a_command_records_its_origin_as_the_command_line(org, owner, monkeypatch):
    monkeypatch.setenv("SMARTCRM_AUDIT_ORIGIN", "cli")

    sales.account_create(org=org, user=owner, name="Omega Trans SRL")

    assert events_of(org)[0].via == Via.CLI


def test_audit_verify_command_passes_on_an_intact_chain(org, owner, capsys):
    _three_sealed_events(org, owner)

    call_command("audit", "verify")

    out = capsys.readouterr().out
    assert "alfa-solutii-srl: 3 events verified, intact" in out


def test_audit_verify_command_fails_naming_the_tampered_and_removed_events(org, owner, capsys):
    first, second, third = _three_sealed_events(org, owner)
    AuditEvent.objects.filter(pk=first.pk).update(data={"forged": True})
    AuditEvent.objects.filter(pk=third.pk).delete()

    with pytest.raises(CommandError) as failure:
        call_command("audit", "verify", "--org", org.slug)

    out = capsys.readouterr().out
    assert f"Event #1 ({first.pk}) was changed after it was sealed." in out
    assert f"Events #3 to #3 are missing (after event {second.pk})." in out
    assert "alfa-solutii-srl" in str(failure.value)


def test_audit_seal_command_seals_what_waits(org, owner, capsys):
    sales.account_create(org=org, user=owner, name="Alfa Client SRL")

    call_command("audit", "seal")

    assert "1 event(s) sealed" in capsys.readouterr().out
    assert events_of(org)[0].seq == 1
