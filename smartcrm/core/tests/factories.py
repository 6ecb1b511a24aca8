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
