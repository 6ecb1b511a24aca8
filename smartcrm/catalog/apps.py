from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "smartcrm.catalog"
    label = "catalog"
    verbose_name = _("Catalogue")

    def ready(self) -> None:
        from smartcrm.core.mounts import Mount, register_mount

        register_mount(
            Mount(
                app="catalog",
                order=110,
                router="smartcrm.catalog.api",
                urls="smartcrm.catalog.urls",
                record_pages={"product": "catalog:product"},
            )
        )

        from smartcrm.catalog.models import Product
        from smartcrm.catalog.search import product_document
        from smartcrm.core.modules import Module
        from smartcrm.core.search import SearchableKind, register_searchable

        register_searchable(
            SearchableKind(
                key="product",
                model=Product,
                document=product_document,
                module=Module.CATALOG,
                grant="products",
            )
        )
        from smartcrm.catalog.services import code_taken
        from smartcrm.trash.kinds import TrashableKind, register_trashable

        register_trashable(
            TrashableKind(
                key="product",
                model=Product,
                route="products",
                module=Module.CATALOG,
                holder=lambda product: None,
                conflicts=code_taken,
            )
        )
