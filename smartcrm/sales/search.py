"""How records of this module are found by the global search."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from smartcrm.core.search import SearchDocument
    from smartcrm.sales.models import Account, Offer, Prospect


def _joined(*parts: str) -> str:
    return " · ".join(part for part in parts if part)


def _tax_id_terms(cui: str) -> list[str]:
    """A CUI is found as stored (digits) and as written on invoices ("RO12345678")."""
    return [cui, f"RO{cui}"] if cui else []


def prospect_document(prospect: Prospect) -> SearchDocument:
    """A prospect is found by its names, e-mail, phone, CUI, trade register no., website."""
    from smartcrm.core.search import SearchDocument

    title = prospect.display_name
    other_name = prospect.person_name if title == prospect.company_name else prospect.company_name
    return SearchDocument(
        title=title,
        subtitle=_joined(other_name, prospect.locality),
        terms=[
            prospect.company_name,
            prospect.person_name,
            f"{prospect.last_name} {prospect.first_name}",
            prospect.email,
            prospect.phone,
            *_tax_id_terms(prospect.cui),
            prospect.trade_register,
            prospect.website,
        ],
    )


def account_document(account: Account) -> SearchDocument:
    """An account is found by its name, e-mail, phone, CUI, trade register no., website."""
    from smartcrm.core.search import SearchDocument

    return SearchDocument(
        title=account.name,
        subtitle=_joined(account.locality, account.industry),
        terms=[
            account.email,
            account.phone,
            *_tax_id_terms(account.cui),
            account.trade_register,
            account.website,
        ],
    )


def offer_document(offer: Offer) -> SearchDocument:
    """An offer shows its number and title, under its account's name."""
    from smartcrm.core.search import SearchDocument

    return SearchDocument(
        title=f"{offer.number} {offer.title}",
        subtitle=offer.account.name,
        terms=[offer.number, offer.title],
    )
