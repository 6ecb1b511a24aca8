"""Factories that build state through the services, as the application does."""

from __future__ import annotations

from typing import Any

import factory

from smartcrm.core import services
from smartcrm.core.choices import Role
from smartcrm.core.models import Membership, Organization, User

TEST_PASSWORD = "parola-Sigura-2026"


class UserFactory(factory.Factory[User]):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@example.ro")
    first_name = factory.Faker("first_name", locale="ro_RO")
    last_name = factory.Faker("last_name", locale="ro_RO")
    password = TEST_PASSWORD
    # Test users read SmartCRM in English, so tests compare with the msgids; a test of the
    # Romanian text (the browser workflow) gives its user "" to follow the organisation.
    language = "en"

    @classmethod
    def _create(cls, model_class: type[User], **kwargs: Any) -> User:
        return services.user_create(**kwargs)


class OrganizationFactory(factory.Factory[Organization]):
    class Meta:
        model = Organization

    name = factory.Faker("company", locale="ro_RO")
    owner = factory.SubFactory(UserFactory)

    @classmethod
    def _create(cls, model_class: type[Organization], **kwargs: Any) -> Organization:
        return services.organization_create(**kwargs)


def add_member(org: Organization, acting: User, member: User, role: str = Role.SALES) -> Membership:
    return services.membership_add(org=org, user=acting, member=member, role=role)


def give_role(
    org: Organization, acting: User, member: User, grants: dict[str, dict[str, str]], name: str
) -> Membership:
    """Define a custom role with these grants and give it to ``member``."""
    role = services.custom_role_create(org=org, user=acting, name=name, grants=grants)
    membership = Membership.objects.get(organization=org, user=member)
    return services.membership_update(
        org=org, user=acting, membership_id=membership.pk, custom_role_id=role.pk
    )


def place(org: Organization, acting: User, member: User, department_id: Any) -> Membership:
    """Put ``member`` in a department."""
    membership = Membership.objects.get(organization=org, user=member)
    return services.membership_update(
        org=org, user=acting, membership_id=membership.pk, department_id=department_id
    )
