"""The client link's token: random, hashed at rest, signed together with the offer's id.

A link reads ``/o/<offer id hex>.<token>.<signature>/``. The token is 32 random bytes
(``secrets.token_urlsafe``); only its SHA-256 is stored. The signature (Django's signing,
keyed by SECRET_KEY, salted for this use) covers the offer id and the token, so a link
with a character changed, or with another offer's id put in, is refused before any
database lookup; and the lookup itself must match both the token's hash and the offer.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.translation import gettext as _

from smartcrm.core.errors import NotFound

SALT = "smartcrm.outreach.offer-link"
_SIGNER = signing.Signer(salt=SALT, sep=".")


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def sign(offer_id: uuid.UUID, token: str) -> str:
    """What goes in the URL: the offer id and the token, signed."""
    return _SIGNER.sign(f"{offer_id.hex}.{token}")


def link_not_found() -> NotFound:
    return NotFound(
        _("This link is not valid. Check that it was copied whole, or ask for a new one."),
        code="link_invalid",
    )


def unsign(signed: str) -> tuple[uuid.UUID, str]:
    """The offer id and token of a link we gave out; anything else is "not found"."""
    try:
        value = _SIGNER.unsign(signed)
        offer_hex, token = value.split(".", 1)
        return uuid.UUID(hex=offer_hex), token
    except (signing.BadSignature, ValueError):
        raise link_not_found() from None


def client_url(signed: str) -> str:
    """The full address the client opens (SMARTCRM_PUBLIC_URL + the public page's path)."""
    return settings.SMARTCRM_PUBLIC_URL + reverse("web:outreach:offer", kwargs={"token": signed})
