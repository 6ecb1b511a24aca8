"""Organisations, users, memberships, departments and the module switch."""

from __future__ import annotations

import pytest

from smartcrm.core import services
from smartcrm.core.choices import Role
from smartcrm.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from smartcrm.core.models import Department, Membership, Organization, User
from smartcrm.core.modules import Module, enabled_modules, module_enabled
from smartcrm.core.tests.factories import TEST_PASSWORD, UserFactory


def test_organization_create_makes_the_creator_its_owner(owner):
    org = services.organization_create(name="Gamma Consultanță SRL", owner=owner, cui="RO18547290")
    assert (org.slug, org.cui, org.vat_payer, org.base_currency, org.language) == (
        "gamma-consultanta-srl",
        "18547290",
        True,
        "RON",
        "ro",
    )
    assert Membership.objects.get(organization=org).role == Role.OWNER


def test_slug_stays_unique(owner):
    first = services.organization_create(name="Delta SRL", owner=owner)
    second = services.organization_create(name="Delta SRL", owner=owner)
    assert (first.slug, second.slug) == ("delta-srl", "delta-srl-2")


def test_organization_with_bad_cui_is_refused(owner):
    with pytest.raises(ValidationFailed) as refused:
        services.organization_create(name="Epsilon SRL", owner=owner, cui="12345678")
    assert refused.value.field == "cui"
    assert Organization.objects.count() == 0


def test_user_email_is_unique_whatever_the_case(db):
    UserFactory.create(email="Ana@Example.ro")
    with pytest.raises(ValidationFailed) as refused:
        services.user_create(email="ana@EXAMPLE.ro", password=TEST_PASSWORD)
    assert (refused.value.field, refused.value.code) == ("email", "duplicate")
    assert User.objects.get().email == "ana@example.ro"


def test_weak_password_is_refused_naming_the_field(db):
    with pytest.raises(ValidationFailed) as refused:
        services.user_create(email="x@example.ro", password="123")
    assert refused.value.field == "password"
    assert User.objects.count() == 0


def test_switched_off_module_keeps_its_data(org, owner):
    services.organization_set_modules(org=org, user=owner, enabled=["activities"])
    org.refresh_from_db()
    assert enabled_modules(org) == ["sales", "activities"]
    assert module_enabled(org, Module.SALES) is True
    assert module_enabled(org, Module.TASKS) is False


def test_unknown_module_is_refused(org, owner):
    with pytest.raises(ValidationFailed) as refused:
        services.organization_set_modules(org=org, user=owner, enabled=["crm-ai"])
    assert refused.value.field == "modules"


def test_sales_user_cannot_change_organisation_settings(org, sales_user):
    with pytest.raises(Forbidden):
        services.organization_update(org=org, user=sales_user, name="Altceva")
    with pytest.raises(Forbidden):
        services.organization_set_modules(org=org, user=sales_user, enabled=[])
    org.refresh_from_db()
    assert (org.name, org.disabled_modules) == ("Alfa Soluții SRL", [])


def test_member_cannot_be_added_twice(org, owner, sales_user):
    with pytest.raises(Conflict):
        services.membership_add(org=org, user=owner, member=sales_user)


def test_only_an_owner_makes_owners(org, owner, manager):
    services.membership_update(
        org=org, user=owner, membership_id=Membership.objects.get(user=manager).pk, role="admin"
    )
    newcomer = UserFactory.create()
    with pytest.raises(ValidationFailed) as refused:
        services.membership_add(org=org, user=manager, member=newcomer, role=Role.OWNER)
    assert refused.value.field == "role"


def test_last_owner_stays_owner(org, owner):
    membership = Membership.objects.get(organization=org, user=owner)
    with pytest.raises(Conflict) as refused:
        services.membership_update(org=org, user=owner, membership_id=membership.pk, role="admin")
    assert refused.value.field == "role"
    assert Membership.objects.get(pk=membership.pk).role == Role.OWNER


def test_department_names_are_unique_per_org_case_insensitively(org, owner, other_org, other_owner):
    services.department_create(org=org, user=owner, name="Vânzări")
    services.department_create(org=other_org, user=other_owner, name="Vânzări")
    with pytest.raises(ValidationFailed):
        services.department_create(org=org, user=owner, name="VÂNZĂRI")
    assert Department.objects.for_org(org).count() == 1


def test_membership_department_must_be_of_the_org(org, owner, other_org, other_owner):
    foreign = services.department_create(org=other_org, user=other_owner, name="Suport")
    with pytest.raises(ValidationFailed) as refused:
        services.membership_add(
            org=org, user=owner, member=UserFactory.create(), department=foreign
        )
    assert refused.value.field == "department"


def test_inactive_member_cannot_act(org, owner, sales_user):
    from smartcrm.sales.services import prospect_create

    membership = Membership.objects.get(organization=org, user=sales_user)
    services.membership_update(org=org, user=owner, membership_id=membership.pk, is_active=False)
    with pytest.raises(NotFound):
        prospect_create(org=org, user=sales_user, company_name="Zeta SRL")
