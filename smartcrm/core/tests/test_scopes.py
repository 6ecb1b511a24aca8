"""Grants (core.scopes): the built-in roles as grant tables, custom roles, departments that
nest, and the members a "department" scope covers."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from smartcrm.core import services
from smartcrm.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from smartcrm.core.models import Membership, department_user_ids
from smartcrm.core.permissions import (
    may_act_on,
    membership_of,
    require_assign_right,
    require_owner_or_role,
)
from smartcrm.core.scopes import ACTIONS, MODULES, RECORD_MODULES, Scope, scope_for
from smartcrm.core.tests.factories import UserFactory, add_member

pytestmark = pytest.mark.django_db


def _member(org, owner, role="sales"):
    user = UserFactory.create()
    add_member(org, owner, user, role)
    return user


@pytest.mark.parametrize("role", ["owner", "admin", "manager", "sales"])
def test_the_built_in_grants_are_the_rank_rules_they_replace(org, owner, role):
    """For every record module: deleting and reassigning with the grants answers exactly
    what the rank rule answers, on one's own record and on a colleague's."""
    acting = owner if role == "owner" else _member(org, owner, role)
    membership = membership_of(org, acting)
    colleague = _member(org, owner)
    for module in RECORD_MODULES:
        for holders in [(acting.pk,), (colleague.pk,), (None,), (colleague.pk, acting.pk)]:
            assert may_act_on(membership, holders, module=module, action="delete") == (
                may_act_on(membership, holders)
            ), (module, holders)
            # a note is its author's to change; everything else, everyone's
            assert may_act_on(membership, holders, module=module, action="edit") == (
                module != "notes" or may_act_on(membership, holders)
            ), (module, holders)
            assert may_act_on(membership, holders, module=module, action="view")


def test_sales_reads_the_catalogue_and_managers_keep_it(org, owner, sales_user, manager):
    sales = membership_of(org, sales_user)
    assert scope_for(sales, "products", "view") == Scope.ALL
    assert scope_for(sales, "products", "edit") == Scope.NONE
    assert scope_for(membership_of(org, manager), "products", "edit") == Scope.ALL


def test_an_unknown_module_or_action_is_a_programming_error(org, owner):
    with pytest.raises(ValueError):
        scope_for(membership_of(org, owner), "invoices", "view")


def _own_role(org, owner, name="Agent teren"):
    grants = {module: dict.fromkeys(ACTIONS, "own") for module in RECORD_MODULES}
    return services.custom_role_create(org=org, user=owner, name=name, grants=grants)


def test_a_custom_role_replaces_the_built_in_grants(org, owner, manager):
    role = _own_role(org, owner)
    membership = Membership.objects.get(organization=org, user=manager)
    services.membership_update(
        org=org, user=owner, membership_id=membership.pk, custom_role_id=role.pk
    )
    acting = membership_of(org, manager)
    assert scope_for(acting, "prospects", "view") == Scope.OWN
    assert scope_for(acting, "products", "view") == Scope.NONE  # not granted: none
    assert role.grants["prospects"]["assign"] == "own"
    assert set(role.grants) == set(MODULES)  # stored whole


def test_grants_naming_an_unknown_module_action_or_scope_are_refused_naming_them(org, owner):
    with pytest.raises(ValidationFailed) as error:
        services.custom_role_create(
            org=org,
            user=owner,
            name="Greșit",
            grants={"invoices": {"view": "all"}, "prospects": {"fly": "all", "view": "some"}},
        )
    fields = {issue.field for issue in error.value.issues}
    assert fields == {"grants.invoices", "grants.prospects.fly", "grants.prospects.view"}


def test_a_role_in_use_cannot_be_deleted(org, owner, sales_user):
    role = _own_role(org, owner)
    membership = Membership.objects.get(organization=org, user=sales_user)
    services.membership_update(
        org=org, user=owner, membership_id=membership.pk, custom_role_id=role.pk
    )
    with pytest.raises(Conflict) as error:
        services.custom_role_delete(org=org, user=owner, role_id=role.pk)
    assert (error.value.field, error.value.code) == ("custom_role_id", "role_in_use")
    services.membership_update(
        org=org, user=owner, membership_id=membership.pk, custom_role_id=None
    )
    services.custom_role_delete(org=org, user=owner, role_id=role.pk)


def _tree(org, owner):
    """Vânzări ← Vânzări Brașov, Vânzări Cluj; Suport apart."""
    sales = services.department_create(org=org, user=owner, name="Vânzări")
    brasov = services.department_create(
        org=org, user=owner, name="Vânzări Brașov", parent_id=sales.pk
    )
    cluj = services.department_create(org=org, user=owner, name="Vânzări Cluj", parent_id=sales.pk)
    support = services.department_create(org=org, user=owner, name="Suport")
    return sales, brasov, cluj, support


def _place(org, owner, user, department):
    membership = Membership.objects.get(organization=org, user=user)
    services.membership_update(
        org=org, user=owner, membership_id=membership.pk, department_id=department.pk
    )


def test_a_department_scope_covers_the_department_and_its_sub_departments(org, owner):
    sales, brasov, cluj, support = _tree(org, owner)
    head, in_brasov, in_cluj, in_support = (_member(org, owner) for _ in range(4))
    _place(org, owner, head, sales)
    _place(org, owner, in_brasov, brasov)
    _place(org, owner, in_cluj, cluj)
    _place(org, owner, in_support, support)

    assert department_user_ids(membership_of(org, head)) == {
        head.pk,
        in_brasov.pk,
        in_cluj.pk,
    }
    assert department_user_ids(membership_of(org, in_brasov)) == {in_brasov.pk}
    assert department_user_ids(membership_of(org, owner)) == {owner.pk}  # no department


def test_the_department_members_are_read_once_per_membership(org, owner):
    sales, _brasov, _cluj, _support = _tree(org, owner)
    head = _member(org, owner)
    _place(org, owner, head, sales)
    membership = membership_of(org, head)
    with CaptureQueriesContext(connection) as first:
        department_user_ids(membership)
    with CaptureQueriesContext(connection) as again:
        for _ in range(50):
            department_user_ids(membership)
    assert len(first) == 2  # the departments, their members
    assert len(again) == 0


def test_a_department_under_itself_is_refused_naming_the_parent(org, owner):
    sales, brasov, _cluj, _support = _tree(org, owner)
    with pytest.raises(ValidationFailed) as error:
        services.department_update(org=org, user=owner, department_id=sales.pk, parent_id=brasov.pk)
    assert (error.value.field, error.value.code) == ("parent_id", "department_cycle")
    with pytest.raises(ValidationFailed) as error:
        services.department_update(org=org, user=owner, department_id=sales.pk, parent_id=sales.pk)
    assert error.value.field == "parent_id"
    sales.refresh_from_db()
    assert sales.parent_id is None


def test_another_organisations_department_is_no_parent(org, owner, other_org, other_owner):
    theirs = services.department_create(org=other_org, user=other_owner, name="Vânzări")
    with pytest.raises(ValidationFailed) as error:
        services.department_create(org=org, user=owner, name="Vânzări", parent_id=theirs.pk)
    assert error.value.field == "parent_id"


def test_a_department_head_must_be_a_member(org, owner, other_owner):
    with pytest.raises(ValidationFailed) as error:
        services.department_create(org=org, user=owner, name="Vânzări", head_id=other_owner.pk)
    assert error.value.field == "head_id"


def test_deleting_a_department_moves_its_sub_departments_up(org, owner):
    sales, brasov, _cluj, _support = _tree(org, owner)
    services.department_delete(org=org, user=owner, department_id=sales.pk)
    brasov.refresh_from_db()
    assert brasov.parent_id is None


def test_department_scope_on_writes(org, owner):
    """A role with department scope deletes what its department tree holds, is refused on
    what others hold, and does not see what is outside its view scope."""
    sales, brasov, _cluj, support = _tree(org, owner)
    grants = {"prospects": dict.fromkeys(ACTIONS, "department")}
    role = services.custom_role_create(org=org, user=owner, name="Șef echipă", grants=grants)
    head, in_brasov, in_support = (_member(org, owner) for _ in range(3))
    _place(org, owner, head, sales)
    _place(org, owner, in_brasov, brasov)
    _place(org, owner, in_support, support)
    membership = Membership.objects.get(organization=org, user=head)
    services.membership_update(
        org=org, user=owner, membership_id=membership.pk, custom_role_id=role.pk
    )

    require_owner_or_role(org, head, owner_id=in_brasov.pk, module="prospects")
    with pytest.raises(NotFound):
        require_owner_or_role(org, head, owner_id=in_support.pk, module="prospects")
    with pytest.raises(Forbidden) as error:
        require_assign_right(
            org,
            head,
            records=[_Record(owner_id=in_support.pk)],
            new_holder=head.pk,
            module="prospects",
        )
    assert error.value.field == "owner_id"
    require_assign_right(
        org, head, records=[_Record(owner_id=in_brasov.pk)], new_holder=head.pk, module="prospects"
    )


class _Record:
    def __init__(self, **fields):
        self.__dict__.update(fields)

    def __str__(self) -> str:
        return "Prospect"
