"""Personal API tokens: created once (the plain token is shown only then), stored hashed."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import secrets
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connections, router, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from smartcrm.core.audit import AuditAction, audit, entry, write
from smartcrm.core.choices import TokenScope
from smartcrm.core.errors import NotFound, ValidationFailed
from smartcrm.core.ids import RecordId
from smartcrm.core.models import ApiToken, Membership, Organization, User
from smartcrm.core.permissions import has_role, membership_of
from smartcrm.core.rows import Columns

TOKEN_PREFIX = "scrm_"
# How long the cache remembers a token's last use (seconds).
LAST_USE_REMEMBERED = 90 * 24 * 3600

logger = logging.getLogger(__name__)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def api_token_create(
    *,
    org: Organization,
    user: User,
    name: str,
    expires_at: dt.datetime | None = None,
    never_expires: bool = False,
    scope: str = TokenScope.WRITE,
) -> tuple[ApiToken, str]:
    """A new token for ``user`` in ``org``; returns the row and the plain token (shown once).

    Without ``expires_at`` it expires after SMARTCRM_TOKEN_DAYS; a token that never
    expires is for admins only. ``scope`` "read" makes a token that may only read."""
    acting = membership_of(org, user)
    name = " ".join((name or "").split())
    if not name:
        raise ValidationFailed(_("Give the token a name."), field="name", code="required")
    if scope not in TokenScope.values:
        raise ValidationFailed(
            _("Choose what the token may do: read only, or read and write."),
            field="scope",
            code="invalid_choice",
        )
    if never_expires:
        if not has_role(acting, "admin"):
            raise ValidationFailed(
                _("Only an admin may create a token that never expires."),
                field="expires_at",
                code="never_needs_admin",
            )
        expires_at = None
    elif expires_at is None:
        expires_at = timezone.now() + dt.timedelta(days=settings.SMARTCRM_TOKEN_DAYS)
    elif expires_at <= timezone.now():
        raise ValidationFailed(_("The expiry must be in the future."), field="expires_at")
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    plain = f"{TOKEN_PREFIX}{prefix}_{secret}"
    token = ApiToken.objects.create(
        organization=org, user=user, name=name[:100], prefix=prefix, key_hash=_hash(plain),
        expires_at=expires_at, scope=scope,
    )  # fmt: skip
    audit(
        org=org,
        user=user,
        action=AuditAction.TOKEN_CREATED,
        record=token,
        label=token.name,
        prefix=prefix,
        expires_at=expires_at,
        scope=scope,
    )
    return token, plain


@transaction.atomic
def api_token_revoke(*, org: Organization, user: User, token_id: RecordId) -> ApiToken:
    """Revoke a token: its owner, or an admin of the organisation."""
    acting = membership_of(org, user)
    try:
        token = ApiToken.objects.select_for_update().filter(organization=org, pk=token_id).first()
    except (ValueError, TypeError, ValidationError):  # a malformed id is "not found"
        token = None
    if token is None or (token.user_id != user.pk and not has_role(acting, "admin")):
        raise NotFound(_("API token not found."), code="not_found")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit(
            org=org,
            user=user,
            action=AuditAction.TOKEN_REVOKED,
            record=token,
            label=token.name,
            prefix=token.prefix,
        )
    return token


@transaction.atomic
def api_tokens_revoke_all_of(*, user: User) -> int:
    """Revoke every token ``user`` holds, in every organisation (a password reset, or a
    change the user asks it of): returns how many were still live. One read, one update,
    and the audit log's events in one insert."""
    live = list(
        ApiToken.objects.filter(user=user, revoked_at__isnull=True).only(
            "id", "organization_id", "name", "prefix"
        )
    )
    if not live:
        return 0
    ApiToken.objects.filter(pk__in=[token.pk for token in live]).update(revoked_at=timezone.now())
    write(
        [
            entry(
                org=token.organization_id,
                user=user,
                action=AuditAction.TOKEN_REVOKED,
                record=token,
                label=token.name,
                prefix=token.prefix,
                all_of_user=True,
            )
            for token in live
        ]
    )
    return len(live)


def api_token_authenticate(
    plain: str, *, record_use: bool = True, address: str = ""
) -> tuple[ApiToken, Membership] | None:
    """The token and the membership it acts through, or None (unknown, expired, revoked,
    or its user no longer an active member). One statement.

    The time of use and the ``address`` it came from go to the cache on every call, and
    to the database (at most once a minute, or when the address changed) only when
    ``record_use``: the API asks for it on writes, so a read writes nothing to the
    database."""
    if not plain.startswith(TOKEN_PREFIX):
        return None
    prefix, _sep, _secret = plain[len(TOKEN_PREFIX) :].partition("_")
    found = _token_membership(prefix)
    if found is None:
        return None
    token, membership = found
    if not hmac.compare_digest(token.key_hash, _hash(plain)):
        return None
    now = timezone.now()
    if token.revoked_at is not None or (token.expires_at is not None and token.expires_at <= now):
        return None
    used_from = address or None  # an unknown address is stored as NULL
    _note_use(token, now, used_from)
    if record_use and (
        token.last_used_at is None
        or now - token.last_used_at > dt.timedelta(minutes=1)
        or token.last_used_address != used_from
    ):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now, last_used_address=used_from)
    return token, membership


_TOKEN = Columns(ApiToken, "t")
_MEMBERSHIP = Columns(Membership, "m")
_ORGANIZATION = Columns(Organization, "o")
_USER = Columns(User, "u")


def _token_membership(prefix: str) -> tuple[ApiToken, Membership] | None:
    """The token with this prefix and its user's active membership in the token's
    organisation, the organisation and the user read with it: one statement, written
    once (see ``core.rows``)."""
    using = router.db_for_read(Membership)
    connection = connections[using]
    quote = connection.ops.quote_name
    parts = (_TOKEN, _MEMBERSHIP, _ORGANIZATION, _USER)
    sql = (
        f"SELECT {', '.join(part.select(connection) for part in parts)} "
        f"FROM {quote(_TOKEN.table)} t "
        f"JOIN {quote(_MEMBERSHIP.table)} m "
        "ON m.user_id = t.user_id AND m.organization_id = t.organization_id "
        f"JOIN {quote(_ORGANIZATION.table)} o ON o.id = m.organization_id "
        f"JOIN {quote(_USER.table)} u ON u.id = m.user_id "
        "WHERE t.prefix = %s AND m.is_active = %s AND u.is_active = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [prefix, True, True])
        row = cursor.fetchone()
    if row is None:
        return None
    start = 0
    built: list[Any] = []
    for part in parts:
        built.append(part.build(row, start, using=using))
        start += len(part)
    token, membership, organization, user = built
    membership.organization = organization
    membership.user = user
    token.organization = organization
    token.user = user
    return token, membership


def _last_use_key(token_id: object) -> str:
    return f"api-token-used:{token_id}"


def _note_use(token: ApiToken, now: dt.datetime, address: str | None) -> None:
    try:
        cache.set(_last_use_key(token.pk), (now, address), timeout=LAST_USE_REMEMBERED)
    except Exception:  # the cache is down: the database's time of use still holds
        logger.warning("Token use not noted: the cache is unreachable.", exc_info=True)


def api_tokens_with_recent_use(tokens: Iterable[ApiToken]) -> list[ApiToken]:
    """The tokens, each with ``last_used_at`` (and ``last_used_address``) the latest of
    its stored and cached uses (reads are noted in the cache only)."""
    tokens = list(tokens)
    try:
        cached = cache.get_many([_last_use_key(token.pk) for token in tokens])
    except Exception:  # the cache is down: show the stored times
        return tokens
    for token in tokens:
        noted = cached.get(_last_use_key(token.pk))
        if not isinstance(noted, tuple):
            continue
        used, address = noted
        if token.last_used_at is None or used > token.last_used_at:
            token.last_used_at, token.last_used_address = used, address
    return tokens
