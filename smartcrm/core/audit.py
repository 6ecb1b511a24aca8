"""The audit log's port: what services call to record what they did, and where from.

Every service (in ``core`` and in the domain apps) records its change here, inside its own
transaction; the ``audit`` app registers the writer that stores the events (one insert, or
one bulk insert for a bulk change) and seals them into each organisation's hash chain
later. Keeping the port in ``core`` lets ``core``'s own services (members, tokens,
settings) record without importing an app above them.

Who and from where: the acting user is passed by the service (as for every write); the
origin (web, API, command line, worker; IP address, user agent, API token) is set once per
request by the edges (``set_origin``) and read here, so services never see a request.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar, Token
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from smartcrm.core.models import Membership, Organization, User, normalize_email
from smartcrm.core.writes import before_values


class AuditAction(models.TextChoices):
    CREATED = "created", pgettext_lazy("audit action", "created")
    UPDATED = "updated", pgettext_lazy("audit action", "changed")
    STATUS_CHANGED = "status_changed", pgettext_lazy("audit action", "status changed")
    CONVERTED = "converted", pgettext_lazy("audit action", "converted")
    MERGED = "merged", pgettext_lazy("audit action", "merged")
    IMPORTED = "imported", pgettext_lazy("audit action", "imported")
    IMPORT_UNDONE = "import_undone", pgettext_lazy("audit action", "import undone")
    EXPORTED = "exported", pgettext_lazy("audit action", "exported")
    DELETED = "deleted", pgettext_lazy("audit action", "deleted")
    RESTORED = "restored", pgettext_lazy("audit action", "restored")
    LOGIN = "login", pgettext_lazy("audit action", "logged in")
    LOGIN_FAILED = "login_failed", pgettext_lazy("audit action", "login failed")
    MEMBERSHIP_CHANGED = "membership_changed", pgettext_lazy("audit action", "membership changed")
    TOKEN_CREATED = "token_created", pgettext_lazy("audit action", "API token created")
    TOKEN_REVOKED = "token_revoked", pgettext_lazy("audit action", "API token revoked")
    SETTINGS_CHANGED = "settings_changed", pgettext_lazy("audit action", "settings changed")
    PERSONAL_DATA_EXPORTED = (
        "personal_data_exported",
        pgettext_lazy("audit action", "personal data exported"),
    )
    ERASED = "erased", pgettext_lazy("audit action", "personal data erased")


class Via(models.TextChoices):
    WEB = "web", _("web")
    API = "api", _("API")
    CLI = "cli", _("command line")
    WORKER = "worker", _("background job")
    SYSTEM = "system", _("system")


# Never written to the log, whatever a service passes: secrets and their hashes.
SECRET_FIELDS = frozenset({"password", "key_hash", "token_hash", "secret", "key", "token"})


@dataclass(frozen=True)
class Origin:
    """Where a change came from: set by the edge that received it."""

    via: str = Via.SYSTEM
    ip: str | None = None
    user_agent: str = ""
    token_id: uuid.UUID | None = None


# Outside a request: "system", or what the process says it is (``smartcrm`` commands set
# SMARTCRM_AUDIT_ORIGIN=cli).
_origin: ContextVar[Origin | None] = ContextVar("smartcrm_audit_origin", default=None)


def current_origin() -> Origin:
    return _origin.get() or Origin(via=os.environ.get("SMARTCRM_AUDIT_ORIGIN", "") or Via.SYSTEM)


def set_origin(origin: Origin) -> Token[Origin | None]:
    """Set the origin of what follows (reset it with ``reset_origin`` and the token)."""
    return _origin.set(origin)


def reset_origin(token: Token[Origin | None]) -> None:
    _origin.reset(token)


@contextmanager
def origin(**fields: Any) -> Iterator[Origin]:
    """``with origin(via=Via.CLI): ...`` — the origin of the changes made inside."""
    current = Origin(**{**current_origin().__dict__, **fields})
    token = set_origin(current)
    try:
        yield current
    finally:
        reset_origin(token)


@dataclass(frozen=True)
class AuditEntry:
    """One event to store: who (``actor``), what (``action`` on the record named by
    ``record_kind``/``record_id``/``record_label``, the ``changes`` as field → [before,
    after], anything else in ``data``); where from is read from the origin."""

    organization_id: uuid.UUID
    action: str
    actor: User | None = None
    actor_email: str = ""
    record_kind: str = ""
    record_id: uuid.UUID | None = None
    record_label: str = ""
    changes: dict[str, Any] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)


Writer = Callable[[Sequence[AuditEntry], Origin], None]
_writer: list[Writer] = []


def register_writer(writer: Writer) -> None:
    """Called by the audit app once, at start-up."""
    _writer[:] = [writer]


def write(entries: Sequence[AuditEntry]) -> None:
    """Store ``entries`` in the caller's transaction (nothing to store: no query)."""
    if entries and _writer:
        _writer[0](entries, current_origin())


def jsonable(value: Any) -> Any:
    """A value as it is stored and hashed: JSON types only (decimals, dates, ids as text)."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, models.Model):
        return str(value.pk)
    if isinstance(value, Mapping):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(item) for item in value]
    if hasattr(value, "name") and hasattr(value, "url"):  # a file field's value
        return str(value.name or "")
    return str(value)


def kind_of(record: models.Model) -> str:
    """The kind of a record as the log names it: its model's name (prospect, offer...)."""
    return record._meta.model_name or ""


def label_of(record: models.Model) -> str:
    return str(record)[:255]


def entry(
    *,
    org: Organization | uuid.UUID,
    user: User | None,
    action: str,
    record: models.Model | None = None,
    changes: Mapping[str, Any] | None = None,
    actor_email: str = "",
    label: str = "",
    **data: Any,
) -> AuditEntry:
    """One event, about ``record`` (kind, id and label kept as values: no foreign key, so
    the event outlives the record)."""
    return AuditEntry(
        organization_id=org.pk if isinstance(org, Organization) else org,
        action=action,
        actor=user,
        actor_email=actor_email or (user.email if user is not None else ""),
        record_kind=kind_of(record) if record is not None else "",
        record_id=record.pk if record is not None else None,
        record_label=label[:255] or (label_of(record) if record is not None else ""),
        changes=jsonable(
            {name: pair for name, pair in (changes or {}).items() if name not in SECRET_FIELDS}
        ),
        data=jsonable({name: value for name, value in data.items() if name not in SECRET_FIELDS}),
    )


def audit(
    *,
    org: Organization | uuid.UUID,
    user: User | None,
    action: str,
    record: models.Model | None = None,
    changes: Mapping[str, Any] | None = None,
    label: str = "",
    **data: Any,
) -> None:
    """Record one event (one insert, in the caller's transaction); ``label`` names the
    record when its ``str()`` would need a query."""
    write(
        [
            entry(
                org=org,
                user=user,
                action=action,
                record=record,
                changes=changes,
                label=label,
                **data,
            )
        ]
    )


def audit_created(
    *, org: Organization, user: User | None, record: models.Model, **data: Any
) -> None:
    """A record was created."""
    audit(org=org, user=user, action=AuditAction.CREATED, record=record, **data)


def changes_of(
    record: models.Model, changed: Iterable[str], before: Mapping[str, Any] | None = None
) -> dict[str, list[Any]]:
    """Field → [before, after] for the fields ``core.writes.apply_changes`` changed (and
    those ``before`` gives the old value of: fields the service set itself)."""
    before = {**(before or {}), **before_values(record)}
    pairs: dict[str, list[Any]] = {}
    for name in changed:
        model_field = record._meta.get_field(name)
        attname = getattr(model_field, "attname", name)
        pairs[name] = [before.get(name), getattr(record, attname, None)]
    return pairs


def audit_updated(
    *,
    org: Organization,
    user: User | None,
    record: models.Model,
    changed: Iterable[str],
    before: Mapping[str, Any] | None = None,
    **data: Any,
) -> None:
    """Fields of a record changed: each with its value before and after."""
    audit(
        org=org,
        user=user,
        action=AuditAction.UPDATED,
        record=record,
        changes=changes_of(record, changed, before),
        **data,
    )


def audit_status(
    *, org: Organization, user: User | None, record: models.Model, old: str, new: str, **data: Any
) -> None:
    """A record moved from one status to another."""
    audit(
        org=org,
        user=user,
        action=AuditAction.STATUS_CHANGED,
        record=record,
        changes={"status": [old, new]},
        **data,
    )


def audit_deleted(
    *, org: Organization, user: User | None, record: models.Model, **data: Any
) -> None:
    """A record was deleted (call before the delete: its id and label are kept)."""
    audit(org=org, user=user, action=AuditAction.DELETED, record=record, **data)


def audit_restored(
    *, org: Organization, user: User | None, record: models.Model, **data: Any
) -> None:
    """A record came back from the trash."""
    audit(org=org, user=user, action=AuditAction.RESTORED, record=record, **data)


def audit_many(
    *,
    org: Organization,
    user: User | None,
    action: str,
    records: Iterable[models.Model],
    changes: Callable[[Any], Mapping[str, Any]] | None = None,
    **data: Any,
) -> None:
    """One event per record, in one bulk insert (bulk assign, status, delete)."""
    write(
        [
            entry(
                org=org,
                user=user,
                action=action,
                record=record,
                changes=changes(record) if changes is not None else None,
                **data,
            )
            for record in records
        ]
    )


def audit_login(*, user: User | None, email: str = "", succeeded: bool) -> None:
    """A login, or a failed try: one event in each organisation the user is an active
    member of (a failed try for an address no user has is in no organisation's log)."""
    if user is None and email:
        user = User.objects.filter(email__iexact=normalize_email(email)).first()
    if user is None:
        return
    org_ids = Membership.objects.filter(user=user, is_active=True).values_list(
        "organization_id", flat=True
    )
    write(
        [
            entry(
                org=org_id,
                user=user,
                action=AuditAction.LOGIN if succeeded else AuditAction.LOGIN_FAILED,
                record=user,
                label=user.email,
            )
            for org_id in org_ids
        ]
    )
