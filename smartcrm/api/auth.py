"""Who is calling: a bearer token, or the web session (with CSRF) for the UI."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from django.http import HttpRequest
from ninja.errors import Throttled
from ninja.security import APIKeyCookie, HttpBearer

from smartcrm.api.problems import ApiProblem
from smartcrm.core.audit import current_origin, set_origin
from smartcrm.core.choices import TokenScope
from smartcrm.core.login_guard import Refusal, login_failed, login_refusal
from smartcrm.core.models import ApiToken, Membership, Organization, User
from smartcrm.core.tokens import api_token_authenticate
from smartcrm.core.two_factor import two_factor_setup_needed
from smartcrm.web.client import client_address

ACTOR_ATTRIBUTE = "_smartcrm_actor"
REFUSAL_ATTRIBUTE = "_smartcrm_token_refusal"
SCOPE_ATTRIBUTE = "_smartcrm_token_read_only"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Actor:
    """The organisation and user a request acts as."""

    org: Organization
    user: User
    membership: Membership
    token: ApiToken | None = None

    @property
    def rate_bucket(self) -> str:
        return f"token:{self.token.pk}" if self.token else f"session:{self.user.pk}"


def bearer_actor(request: HttpRequest) -> Actor | None:
    """Resolve the bearer token once per request (the idempotency middleware asks too)."""
    if hasattr(request, ACTOR_ATTRIBUTE):
        cached: Actor | None = getattr(request, ACTOR_ATTRIBUTE)
        return cached
    actor = None
    header = request.headers.get("Authorization", "")
    scheme, _sep, credentials = header.partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        # Wrong tokens from one address slow down, then lock that address (not the
        # token: a stranger sending its prefix must not lock out its holder).
        address = client_address(request)
        refusal = login_refusal(account="", address=address)
        if refusal is not None:
            setattr(request, REFUSAL_ATTRIBUTE, refusal)
            setattr(request, ACTOR_ATTRIBUTE, None)
            return None
        # A read writes nothing to the database: its use is noted in the cache only.
        found = api_token_authenticate(
            credentials.strip(), record_use=request.method not in SAFE_METHODS, address=address
        )
        if found is None:
            login_failed(account="", address=address, channel="api token")
        elif found[0].scope == TokenScope.READ and request.method not in SAFE_METHODS:
            setattr(request, SCOPE_ATTRIBUTE, found[0])
        else:
            token, membership = found
            set_origin(replace(current_origin(), token_id=token.pk))
            actor = Actor(
                org=membership.organization,
                user=membership.user,
                membership=membership,
                token=token,
            )
    setattr(request, ACTOR_ATTRIBUTE, actor)
    return actor


class BearerTokenAuth(HttpBearer):
    """`Authorization: Bearer scrm_…` — a personal API token."""

    def authenticate(self, request: HttpRequest, token: str) -> Actor | None:
        actor = bearer_actor(request)
        refusal: Refusal | None = getattr(request, REFUSAL_ATTRIBUTE, None)
        if refusal is not None:
            raise Throttled(wait=refusal.seconds)
        if getattr(request, SCOPE_ATTRIBUTE, None) is not None:
            raise ApiProblem(
                403,
                "This token may only read: create a read-and-write token to change data.",
                code="read_only_token",
            )
        return actor


class SessionActorAuth(APIKeyCookie):
    """The web UI's session; unsafe methods need the CSRF token (X-CSRFToken)."""

    param_name = "sessionid"

    def __init__(self) -> None:
        super().__init__(csrf=True)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        from smartcrm.web.context import current_membership

        if not request.user.is_authenticated:
            return None
        membership = current_membership(request)
        if membership is None:
            return None
        # The pages send such a member to set it up; the API the pages call refuses them
        # (a token is a factor of its own and is not asked).
        if two_factor_setup_needed(membership=membership):
            raise ApiProblem(
                403,
                "Your organisation requires two-factor authentication: set it up first.",
                code="two_factor_required",
            )
        return Actor(org=membership.organization, user=membership.user, membership=membership)


def actor_of(request: HttpRequest) -> Actor:
    actor = request.auth  # type: ignore[attr-defined]  # set by ninja after authentication
    assert isinstance(actor, Actor)
    return actor
