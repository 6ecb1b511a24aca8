"""The audit log through the API: the admins' list, a record's history."""

from __future__ import annotations

import pytest

from smartcrm.api.tests.helpers import ApiClient
from smartcrm.audit.models import AuditEvent
from smartcrm.core.audit import AuditAction
from smartcrm.notes import services as notes
from smartcrm.sales import services as sales

pytestmark = pytest.mark.django_db


def test_a_change_through_the_api_records_its_token_address_and_agent(org, owner):
    api = ApiClient(org, owner)

    response = api.call(
        "POST", "/api/v1/accounts", {"name": "Omega Trans SRL"}, user_agent="erp-sync/2"
    )

    assert response.status_code == 201
    event = AuditEvent.objects.get(organization=org, action=AuditAction.CREATED)
    assert (event.via, event.ip, event.user_agent) == ("api", "127.0.0.1", "erp-sync/2")
    assert event.token_id == api.token_id
    assert event.actor_id == owner.pk


def test_admins_list_the_audit_log_newest_first_in_keyset_pages(org, owner):
    for name in ("Alfa SRL", "Beta SRL", "Gama SRL"):
        sales.account_create(org=org, user=owner, name=name)
    api = ApiClient(org, owner)  # its token's creation is an event too

    first = api.get("/api/v1/audit-events?limit=2&action=created")
    second = api.get(
        f"/api/v1/audit-events?limit=2&action=created&cursor={first.json()['next_cursor']}"
    )

    assert first.status_code == 200
    assert [e["record_label"] for e in first.json()["items"]] == ["Gama SRL", "Beta SRL"]
    assert [e["record_label"] for e in second.json()["items"]] == ["Alfa SRL"]
    assert second.json()["next_cursor"] is None


def test_audit_log_filters_by_record_kind_and_user(org, owner, sales_user):
    sales.account_create(org=org, user=owner, name="Alfa SRL")
    sales.prospect_create(org=org, user=sales_user, company_name="Beta SRL")
    api = ApiClient(org, owner)

    response = api.get(f"/api/v1/audit-events?record_kind=prospect&actor_id={sales_user.pk}")

    assert [e["record_label"] for e in response.json()["items"]] == ["Beta SRL"]


def test_audit_log_refuses_an_unknown_filter(org, owner):
    response = ApiClient(org, owner).get("/api/v1/audit-events?who=ana")

    assert response.status_code == 400


def test_a_sales_user_may_not_read_the_audit_log(org, sales_user):
    response = ApiClient(org, sales_user).get("/api/v1/audit-events")

    assert response.status_code == 403


def test_one_organisation_never_sees_anothers_events(org, owner, other_org, other_owner):
    sales.account_create(org=other_org, user=other_owner, name="Beta Client SRL")

    response = ApiClient(org, owner).get("/api/v1/audit-events?record_kind=account")

    assert response.json()["items"] == []


def test_record_history_shows_changes_before_and_after(org, owner, sales_user):
    prospect = sales.prospect_create(org=org, user=owner, company_name="Carpați Tur SRL")
    sales.prospect_update(org=org, user=owner, prospect_id=prospect.pk, locality="Sibiu")

    response = ApiClient(org, sales_user).get(f"/api/v1/prospects/{prospect.pk}/history")

    assert response.status_code == 200
    items = response.json()["items"]
    assert [e["action"] for e in items] == ["updated", "created"]
    assert items[0]["changes"] == {"locality": ["", "Sibiu"]}


def test_history_of_a_deleted_record_is_for_admins_only(org, owner, sales_user):
    prospect = sales.prospect_create(org=org, user=owner, company_name="Carpați Tur SRL")
    sales.prospect_delete(org=org, user=owner, prospect_id=prospect.pk)

    as_admin = ApiClient(org, owner).get(f"/api/v1/prospects/{prospect.pk}/history")
    as_member = ApiClient(org, sales_user).get(f"/api/v1/prospects/{prospect.pk}/history")

    assert [e["action"] for e in as_admin.json()["items"]] == ["deleted", "created"]
    assert as_member.status_code == 404


def test_history_of_another_organisations_record_is_not_found(org, owner, other_org, other_owner):
    account = sales.account_create(org=other_org, user=other_owner, name="Beta Client SRL")
    note = notes.note_create(org=other_org, user=other_owner, account_id=account.pk, body="B")

    for path in (f"/api/v1/accounts/{account.pk}/history", f"/api/v1/notes/{note.pk}/history"):
        assert ApiClient(org, owner).get(path).status_code == 404


def test_audit_log_list_runs_a_constant_number_of_queries(
    org, owner, django_assert_max_num_queries
):
    api = ApiClient(org, owner)
    for n in range(30):
        sales.account_create(org=org, user=owner, name=f"Firma {n} SRL")

    with django_assert_max_num_queries(6):
        response = api.get("/api/v1/audit-events?limit=50")

    assert len(response.json()["items"]) == 31
