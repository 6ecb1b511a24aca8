"""Sales records built through the services."""

from __future__ import annotations

from typing import Any, TypeVar

import factory

from smartcrm.core.choices import PartyKind
from smartcrm.sales import services
from smartcrm.sales.models import Account, Offer, Prospect

T = TypeVar("T")

SERVICE_FOR: dict[type, Any] = {
    Prospect: services.prospect_create,
    Account: services.account_create,
    Offer: services.offer_create,
}


class ServiceFactory(factory.Factory[T]):
    """Build kwargs with factory_boy, then create through a service taking org and user."""

    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class: type, **kwargs: Any) -> Any:
        return SERVICE_FOR[model_class](**kwargs)


class ProspectFactory(ServiceFactory[Prospect]):
    class Meta:
        model = Prospect

    kind = PartyKind.COMPANY
    company_name = factory.Faker("company", locale="ro_RO")
    first_name = factory.Faker("first_name", locale="ro_RO")
    last_name = factory.Faker("last_name", locale="ro_RO")
    locality = "Cluj-Napoca"
    county = "CJ"


class AccountFactory(ServiceFactory[Account]):
    class Meta:
        model = Account

    name = factory.Faker("company", locale="ro_RO")


class OfferFactory(ServiceFactory[Offer]):
    class Meta:
        model = Offer

    title = factory.Sequence(lambda n: f"Ofertă {n}")


def qualified_prospect(org: Any, user: Any, **fields: Any) -> Prospect:
    prospect = ProspectFactory.create(org=org, user=user, **fields)
    return services.prospect_qualify(org=org, user=user, prospect_id=prospect.pk)
