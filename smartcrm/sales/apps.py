from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SalesConfig(AppConfig):
    name = "smartcrm.sales"
    label = "sales"
    verbose_name = _("Sales")

    def ready(self) -> None:
        from smartcrm.core.mounts import Mount, register_mount

        register_mount(
            Mount(
                app="sales",
                order=40,
                router="smartcrm.sales.api",
                urls="smartcrm.sales.urls",
                record_pages={
                    "prospect": "sales:prospect",
                    "account": "sales:account",
                    "offer": "sales:offer",
                },
            )
        )

        from smartcrm.core.modules import Module
        from smartcrm.core.search import SearchableKind, register_searchable
        from smartcrm.sales.models import Account, Offer, Prospect
        from smartcrm.sales.search import account_document, offer_document, prospect_document

        # What the records showing these read of them: their name (contacts, offers).
        register_searchable(
            SearchableKind(
                key="prospect",
                grant="prospects",
                model=Prospect,
                document=prospect_document,
                module=Module.SALES,
                shown_fields=("kind", "company_name", "first_name", "last_name"),
            )
        )
        register_searchable(
            SearchableKind(
                key="account",
                grant="accounts",
                model=Account,
                document=account_document,
                module=Module.SALES,
                shown_fields=("name",),
            )
        )
        register_searchable(
            SearchableKind(
                key="offer",
                grant="offers",
                model=Offer,
                document=offer_document,
                module=Module.SALES,
                related=("account",),
                parents=(("account", "account"),),
                shown_fields=("number", "title"),
            )
        )
        from smartcrm.trash.kinds import TrashableKind, register_trashable

        for key, model, route, parents in (
            ("prospect", Prospect, "prospects", ()),
            ("account", Account, "accounts", ()),
            ("offer", Offer, "offers", ("account",)),
        ):
            register_trashable(
                TrashableKind(
                    key=key,
                    model=model,
                    route=route,
                    module=Module.SALES,
                    holder=lambda record: record.owner_id,
                    parents=parents,
                    child_field=key,
                )
            )
