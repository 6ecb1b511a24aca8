"""The API of roles, departments and a member's role: /api/v1/roles, /api/v1/departments,
PATCH /api/v1/users/{id}."""

from __future__ import annotations

import pytest

from smartcrm.api.tests.helpers import ApiClient
from smartcrm.audit.models import AuditEvent
from smartcrm.core.models import CustomRole, Membership

pytestmark = pytest.mark.django_db

AGENT = {"prospects": {"view": "own", "edit": "own"}, "offers": {"view": "own"}}


def test_an_admin_defines_a_role_and_gives_it_to_a_member(org, owner, sales_user):
    api = ApiClient(org, owner)
    created = api.post("/api/v1/roles", {"name": "Agent teren", "grants": AGENT})
    assert created.status_code == 201, created.content
    role = created.json()
    assert role["grants"]["prospects"] == {
        "view": "own",
        "create": "none",
        "edit": "own",
        "delete": "none",
        "export": "none",
        "assign": "none",
    }
    assert created["Location"] == f"/api/v1/roles/{role['id']}"

    changed = api.patch(f"/api/v1/users/{sales_user.pk}", {"custom_role_id": role["id"]})
    assert changed.status_code == 200, changed.content
    assert changed.json()["custom_role_id"] == role["id"]
    shown = api.get(f"/api/v1/users/{sales_user.pk}").json()
    assert (shown["role"], shown["custom_role_id"]) == ("sales", role["id"])

    actions = list(AuditEvent.objects.filter(organization=org).values_list("action", "record_kind"))
    assert ("settings_changed", "customrole") in actions
    assert ("membership_changed", "membership") in actions


def test_a_grant_naming_an_unknown_action_is_a_problem_naming_it(org, owner):
    response = ApiClient(org, owner).post(
        "/api/v1/roles", {"name": "Greșit", "grants": {"prospects": {"fly": "all"}}}
    )
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert [e["field"] for e in response.json()["errors"]] == ["grants.prospects.fly"]
    assert not CustomRole.objects.filter(organization=org).exists()


def test_a_sales_user_may_not_define_roles_nor_change_members(org, owner, sales_user):
    api = ApiClient(org, sales_user)
    assert api.post("/api/v1/roles", {"name": "Eu", "grants": {}}).status_code == 403
    assert api.patch(f"/api/v1/users/{owner.pk}", {"role": "sales"}).status_code == 403
    assert api.get("/api/v1/roles").status_code == 200


def test_a_role_in_use_is_not_deleted(org, owner, sales_user):
    api = ApiClient(org, owner)
    role = api.post("/api/v1/roles", {"name": "Agent teren", "grants": AGENT}).json()
    api.patch(f"/api/v1/users/{sales_user.pk}", {"custom_role_id": role["id"]})
    refused = api.delete(f"/api/v1/roles/{role['id']}")
    assert refused.status_code == 409
    assert refused.json()["errors"][0]["field"] == "custom_role_id"
    api.patch(f"/api/v1/users/{sales_user.pk}", {"custom_role_id": None})
    assert api.delete(f"/api/v1/roles/{role['id']}").status_code == 204


def test_another_organisations_role_is_no_role_for_a_member(org, owner, sales_user, other_org):
    theirs = CustomRole.objects.create(organization=other_org, name="Al lor", grants={})
    response = ApiClient(org, owner).patch(
        f"/api/v1/users/{sales_user.pk}", {"custom_role_id": str(theirs.pk)}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "custom_role_id"
    assert Membership.objects.get(organization=org, user=sales_user).custom_role_id is None


def test_departments_nest_and_refuse_a_cycle_naming_the_parent(org, owner, sales_user):
    api = ApiClient(org, owner)
    sales = api.post("/api/v1/departments", {"name": "Vânzări", "head_id": str(owner.pk)})
    assert sales.status_code == 201, sales.content
    cluj = api.post(
        "/api/v1/departments", {"name": "Vânzări Cluj", "parent_id": sales.json()["id"]}
    )
    assert cluj.json()["parent_id"] == sales.json()["id"]
    cycle = api.patch(f"/api/v1/departments/{sales.json()['id']}", {"parent_id": cluj.json()["id"]})
    assert cycle.status_code == 422
    assert cycle.json()["errors"][0] == {
        "field": "parent_id",
        "message": "A department cannot sit under itself or one of its sub-departments.",
        "code": "department_cycle",
    }
    placed = api.patch(f"/api/v1/users/{sales_user.pk}", {"department_id": cluj.json()["id"]})
    assert placed.json()["department_id"] == cluj.json()["id"]
    listed = api.get(f"/api/v1/departments?parent_id={sales.json()['id']}").json()
    assert [d["name"] for d in listed["items"]] == ["Vânzări Cluj"]
