"""Fixtures for outreach: an offer ready to send, and real SMTP servers on loopback."""

from __future__ import annotations

import email
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage as ParsedMessage
from email.policy import default as default_policy
from typing import Any

import pytest
from aiosmtpd.controller import Controller

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


@dataclass
class Inbox:
    """What a loopback SMTP server received; ``reply`` is its answer to DATA."""

    reply: str = "250 Message accepted for delivery"
    envelopes: list[Any] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.reply.startswith("250"):
            self.envelopes.append(envelope)
        return self.reply

    def messages(self) -> list[ParsedMessage]:
        return [
            email.message_from_bytes(envelope.content, policy=default_policy)
            for envelope in self.envelopes
        ]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _use_smtp(settings: Any, port: int) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    settings.DEFAULT_FROM_EMAIL = "SmartCRM <oferte@alfa.ro>"


def _serve(settings: Any, inbox: Inbox) -> Iterator[Inbox]:
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        _use_smtp(settings, controller.port)
        yield inbox
    finally:
        controller.stop()


@pytest.fixture
def smtp_inbox(settings) -> Iterator[Inbox]:
    """A real SMTP server on 127.0.0.1 that accepts every message."""
    yield from _serve(settings, Inbox())


@pytest.fixture
def smtp_refusing(settings) -> Iterator[Inbox]:
    """A real SMTP server on 127.0.0.1 that refuses every message with 554."""
    yield from _serve(settings, Inbox(reply="554 5.7.1 Message rejected by policy"))


@pytest.fixture
def smtp_closed_port(settings) -> int:
    """SMTP settings pointing at a loopback port nobody listens on."""
    port = free_port()
    _use_smtp(settings, port)
    return port
