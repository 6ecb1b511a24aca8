"""Fixtures for outreach: an offer ready to send, and real SMTP servers on loopback."""

from __future__ import annotations

from typing import Any

import pytest

from smartcrm.contacts.services import contact_create
from smartcrm.outreach import services
from smartcrm.sales import services as sales
from smartcrm.sales.tests.factories import AccountFactory, OfferFactory

LINE = {
    "name": "Licență SmartCRM (12 luni)",
    "quantity": "2",
    "unit_price": "1500",
    "vat_rate": "21",
}


# --- an offer and its people ------------------------------------------------------------


@pytest.fixture
def account(org, owner):
    return AccountFactory.create(org=org, user=owner, name="Carpați Logistic SRL")


@pytest.fixture
def buyer(org, owner, account):
    return contact_create(
        org=org,
        user=owner,
        account_id=account.pk,
        first_name="Ștefan",
        last_name="Mureșan",
        email="stefan.muresan@carpati.ro",
    )


@pytest.fixture
def accountant(org, owner, account):
    return contact_create(
        org=org,
        user=owner,
        account_id=account.pk,
        first_name="Ioana",
        last_name="Dobre",
        email="contabilitate@carpati.ro",
    )


@pytest.fixture
def offer(org, owner, account):
    """A draft offer of 2 × 1 500 lei + 21 % VAT = 3 630,00 lei, in Romanian."""
    return OfferFactory.create(
        org=org, user=owner, account_id=account.pk, title="Implementare CRM", lines=[LINE]
    )


def sent_offer_link(org: Any, user: Any, offer: Any) -> str:
    """Mark the offer sent (by hand, as if e-mailed elsewhere) and give it a client link;
    returns the signed token as it appears in the URL."""
    sales.offer_change_status(org=org, user=user, offer_id=offer.pk, status="sent")
    created = services.offer_link_create(org=org, user=user, offer_id=offer.pk)
    return token_of(created.url)


def token_of(url: str) -> str:
    """The signed token in a client URL (…/o/<token>/)."""
    return url.rstrip("/").rsplit("/", 1)[1]


@pytest.fixture
def token(org, owner, offer) -> str:
    return sent_offer_link(org, owner, offer)


# --- SMTP on loopback --------------------------------------------------------------------


@pytest.fixture
def smtp_from() -> str:
    """Offers go out from the sales address."""
    return "SmartCRM <oferte@alfa.ro>"
