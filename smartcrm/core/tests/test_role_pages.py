"""Settings → Roles (a grid of scopes per module and action), Settings → Departments with
parent and head, and the custom role in the member dialog."""

from __future__ import annotations

import pytest
from django.urls import reverse

from smartcrm.core import services
from smartcrm.core.forms import grant_field_name
from smartcrm.core.models import CustomRole, Department, Membership
from smartcrm.core.scopes import ACTIONS, MODULES

pytestmark = pytest.mark.django_db


def _grid(**overrides: str) -> dict[str, str]:
    """Every select of the grid at none, but the ``module__action`` given."""
    data = {grant_field_name(m, a): "none" for m in MODULES for a in ACTIONS}
    for key, scope in overrides.items():
        module, action = key.split("__")
        data[grant_field_name(module, action)] = scope
    return data


def test_an_admin_defines_a_role_on_the_grid(client, org, owner):
    client.force_login(owner)
    page = client.get(reverse("core:role-new")).content.decode()
    assert 'data-testid="grant-grid"' in page
    assert page.count("<select") == len(MODULES) * len(ACTIONS)

    response = client.post(
        reverse("core:role-new"),
        {"name": "Agent teren", "description": "", **_grid(prospects__view="own")},
    )
    assert response.status_code == 302
    role = CustomRole.objects.get(organization=org)
    assert role.grants["prospects"]["view"] == "own"
    assert role.grants["prospects"]["edit"] == "none"
    listed = client.get(reverse("core:roles")).content.decode()
    assert "Agent teren" in listed and 'data-testid="role-delete"' in listed


def test_editing_a_role_changes_its_grants(client, org, owner):
    role = services.custom_role_create(org=org, user=owner, name="Agent", grants={})
    client.force_login(owner)
    form = client.get(reverse("core:role-edit", args=[role.pk])).content.decode()
    assert 'value="Agent"' in form
    response = client.post(
        reverse("core:role-edit", args=[role.pk]),
        {"name": "Agent teren", "version": role.version, **_grid(offers__delete="department")},
    )
    assert response.status_code == 302
    role.refresh_from_db()
    assert (role.name, role.grants["offers"]["delete"]) == ("Agent teren", "department")


def test_a_role_in_use_offers_no_delete_and_refuses_one(client, org, owner, sales_user):
    role = services.custom_role_create(org=org, user=owner, name="Agent", grants={})
    membership = Membership.objects.get(organization=org, user=sales_user)
    services.membership_update(
        org=org, user=owner, membership_id=membership.pk, custom_role_id=role.pk
    )
    client.force_login(owner)
    assert 'data-testid="role-delete"' not in client.get(reverse("core:roles")).content.decode()
    client.post(reverse("core:role-delete", args=[role.pk]), {"version": role.version})
    assert CustomRole.objects.filter(pk=role.pk).exists()


def test_a_sales_user_sees_the_roles_but_may_not_define_one(client, org, sales_user):
    client.force_login(sales_user)
    assert client.get(reverse("core:roles")).status_code == 200
    assert client.get(reverse("core:role-new")).status_code == 403


def test_the_member_dialog_gives_a_custom_role(client, org, owner, sales_user):
    role = services.custom_role_create(org=org, user=owner, name="Agent teren", grants={})
    membership = Membership.objects.get(organization=org, user=sales_user)
    client.force_login(owner)
    dialog = client.get(reverse("core:user-edit", args=[membership.pk])).content.decode()
    assert 'name="custom_role"' in dialog
    response = client.post(
        reverse("core:user-edit", args=[membership.pk]),
        {"role": "sales", "custom_role": str(role.pk), "version": membership.version},
    )
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.custom_role_id == role.pk


def test_a_department_gets_a_parent_and_a_head_and_refuses_a_cycle(client, org, owner):
    parent = services.department_create(org=org, user=owner, name="Vânzări")
    client.force_login(owner)
    response = client.post(
        reverse("core:department-new"),
        {"name": "Vânzări Cluj", "parent": str(parent.pk), "head": str(owner.pk), "active": "on"},
    )
    assert response.status_code == 302
    cluj = Department.objects.get(organization=org, name="Vânzări Cluj")
    assert (cluj.parent_id, cluj.head_id) == (parent.pk, owner.pk)
    assert "Vânzări Cluj" in client.get(reverse("core:departments")).content.decode()

    cycle = client.post(
        reverse("core:department-edit", args=[parent.pk]),
        {"name": "Vânzări", "parent": str(cluj.pk), "active": "on", "version": parent.version},
    )
    assert cycle.status_code == 422
    assert "A department cannot sit under itself" in cycle.content.decode()
    parent.refresh_from_db()
    assert parent.parent_id is None
