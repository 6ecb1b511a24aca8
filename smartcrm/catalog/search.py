"""How records of this module are found by the global search."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from smartcrm.catalog.models import Product
    from smartcrm.core.search import SearchDocument


def product_document(product: Product) -> SearchDocument:
    """A product is found by its code and name; it shows its price per unit."""
    from smartcrm.core.search import SearchDocument

    return SearchDocument(
        title=f"{product.code} — {product.name}",
        subtitle=f"{product.price:.2f} {product.currency} / {product.unit}",
        terms=[product.code, product.name],
    )
