from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SalesConfig(AppConfig):
    name = "smartcrm.sales"
    label = "sales"
    verbose_name = _("Sales")

    def ready(self) -> None:
        from smartcrm.core.modules import Module
        from smartcrm.core.search import SearchableKind, register_searchable
        from smartcrm.sales.models import Account, Offer, Prospect
        from smartcrm.sales.search import account_document, offer_document, prospect_document

        register_searchable(
            SearchableKind(
                key="prospect", model=Prospect, document=prospect_document, module=Module.SALES
            )
        )
        register_searchable(
            SearchableKind(
                key="account", model=Account, document=account_document, module=Module.SALES
            )
        )
        register_searchable(
            SearchableKind(
                key="offer",
                model=Offer,
                document=offer_document,
                module=Module.SALES,
                related=("account",),
                parents=(("account", "account"),),
            )
        )
