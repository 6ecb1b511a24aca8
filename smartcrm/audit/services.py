"""Writing the audit log, sealing it into each organisation's hash chain, verifying it.

Writing is one insert in the transaction of the change (a bulk change: one bulk insert):
no lock, no read. Sealing runs shortly after, in the worker (a periodic duty) or from
``smartcrm audit seal``: it locks the organisation's chain head, gives each unsealed event
the next position, the previous event's hash and its own hash, in the order the events
were written (their UUIDv7 ids), and commits. Chaining inside every write instead would
hold one lock per organisation from each write to its commit, so every write of the
organisation would wait for the one before (an import of 100,000 rows for its whole
batch); sealing apart keeps the write paths free of it. The price: an event is
tamper-evident once sealed, up to a minute after it was written (the worker's periodic
duties run every 30 seconds), and ``verify`` reports the events still waiting. The sealer's
lock is held to its commit: one batch of up to SEAL_BATCH events, a short transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from smartcrm.audit.models import AuditChain, AuditEvent
from smartcrm.core.audit import AuditAction, AuditEntry, Origin
from smartcrm.core.models import Organization

SEAL_BATCH = 2000
BULK_BATCH = 1000


def audit_write(entries: Sequence[AuditEntry], origin: Origin) -> None:
    """Store events (the writer ``core.audit`` calls): one insert, or one bulk insert."""
    now = timezone.now()
    rows = [
        AuditEvent(
            organization_id=entry.organization_id,
            occurred_at=now,
            action=entry.action,
            actor_id=entry.actor.pk if entry.actor is not None else None,
            actor_email=entry.actor_email[:254],
            via=origin.via,
            ip=origin.ip,
            user_agent=origin.user_agent[:255],
            token_id=origin.token_id,
            record_kind=entry.record_kind,
            record_id=entry.record_id,
            record_label=entry.record_label[:255],
            changes=entry.changes,
            data=entry.data,
        )
        for entry in entries
    ]
    if len(rows) == 1:
        rows[0].save(force_insert=True)
    else:
        AuditEvent.objects.bulk_create(rows, batch_size=BULK_BATCH)


def _text(value: Any) -> Any:
    return None if value is None else str(value)


def canonical(event: AuditEvent) -> bytes:
    """The bytes an event's hash is taken over: its fields and the previous hash, as JSON
    with sorted keys (the same on SQLite and PostgreSQL, before and after a round trip)."""
    fields = {
        "id": str(event.id),
        "organization": str(event.organization_id),
        "seq": event.seq,
        "prev_hash": event.prev_hash,
        "occurred_at": event.occurred_at.astimezone(dt.UTC).isoformat(),
        "action": event.action,
        "actor_id": _text(event.actor_id),
        "actor_email": event.actor_email,
        "via": event.via,
        "ip": _text(event.ip),
        "user_agent": event.user_agent,
        "token_id": _text(event.token_id),
        "record_kind": event.record_kind,
        "record_id": _text(event.record_id),
        "record_label": event.record_label,
        "changes": event.changes,
        "data": event.data,
    }
    return json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def event_hash(event: AuditEvent) -> str:
    return hashlib.sha256(canonical(event)).hexdigest()


def audit_seal(*, org_id: uuid.UUID, limit: int = SEAL_BATCH) -> int:
    """Seal up to ``limit`` waiting events of one organisation into its chain; how many.

    The chain head is locked for the transaction (a row lock on PostgreSQL; SQLite's write
    transaction serialises anyway), so two sealers never give out one position twice."""
    with transaction.atomic():
        AuditChain.objects.bulk_create([AuditChain(organization_id=org_id)], ignore_conflicts=True)
        head = AuditChain.objects.select_for_update().get(organization_id=org_id)
        events = list(
            AuditEvent.objects.filter(organization_id=org_id, seq=None).order_by("id")[:limit]
        )
        if not events:
            return 0
        for event in events:
            head.seq += 1
            event.seq = head.seq
            event.prev_hash = head.hash
            event.hash = event_hash(event)
            head.hash = event.hash
        AuditEvent.objects.bulk_update(events, ["seq", "prev_hash", "hash"], batch_size=500)
        head.sealed_at = timezone.now()
        head.save()
    return len(events)


def audit_seal_all() -> int:
    """Seal every organisation's waiting events (the worker's periodic duty); how many."""
    sealed = 0
    waiting = (
        AuditEvent.objects.filter(seq=None)
        .order_by()
        .values_list("organization_id", flat=True)
        .distinct()
    )
    for org_id in list(waiting):
        while True:
            count = audit_seal(org_id=org_id)
            sealed += count
            if count < SEAL_BATCH:
                break
    return sealed


def audit_redact(
    *,
    org: Organization,
    events: Iterable[AuditEvent],
    scrub: Callable[[AuditEvent], bool],
) -> dict[str, str]:
    """Rewrite events in place (``scrub`` changes an event and says whether it did), for an
    erasure of personal data; the redacted sealed events, by id, with their new hash.

    A sealed event keeps its position, previous hash and hash (the hash of its original
    form), so the chain still links; the caller records the returned ids and hashes in an
    ``erased`` event, and ``audit_verify`` accepts a sealed event whose fields hash to the
    value a sealed erasure event recorded for it. The chain head is locked for the caller's
    transaction, so the sealer never hashes a row this is rewriting."""
    AuditChain.objects.bulk_create([AuditChain(organization_id=org.pk)], ignore_conflicts=True)
    AuditChain.objects.select_for_update().get(organization_id=org.pk)
    redacted: dict[str, str] = {}
    changed: list[AuditEvent] = []
    for event in events:
        if not scrub(event):
            continue
        changed.append(event)
        if event.seq is not None:
            redacted[str(event.id)] = event_hash(event)
    AuditEvent.objects.bulk_update(
        changed, ["record_label", "actor_email", "changes", "data"], batch_size=500
    )
    return redacted


def _redactions(org: Organization, *, sealed: bool) -> dict[str, set[str]]:
    """Event id → the hashes erasure events recorded for it (sealed ones, or waiting ones)."""
    accepted: dict[str, set[str]] = {}
    erasures = AuditEvent.objects.filter(
        organization=org, action=AuditAction.ERASED, seq__isnull=not sealed
    ).only("data")
    for erasure in erasures.iterator(chunk_size=500):
        redacted = erasure.data.get("redacted") if isinstance(erasure.data, dict) else None
        if not isinstance(redacted, dict):
            continue
        for event_id, redacted_hash in redacted.items():
            accepted.setdefault(str(event_id), set()).add(str(redacted_hash))
    return accepted


@dataclass(frozen=True)
class ChainProblem:
    """One break in a chain: the event it is about (or the position missing) and what."""

    seq: int
    event_id: uuid.UUID | None
    message: str


@dataclass
class ChainReport:
    organization: Organization
    checked: int = 0
    waiting: int = 0
    head_seq: int = 0
    head_hash: str = ""
    # Sealed events rewritten by an erasure of personal data that the chain records.
    redacted: int = 0
    problems: list[ChainProblem] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.problems


def audit_verify(*, org: Organization) -> ChainReport:
    """Walk the organisation's sealed events in chain order: a changed event (its hash no
    longer matches its fields), a removed one (a missing position, or a chain shorter than
    its head), a replaced one (its previous hash is not the hash before it) is a problem
    naming the event.

    An event redacted by an erasure of personal data no longer hashes to its own hash; it
    passes when a sealed ``erased`` event of the chain recorded the hash of its redacted
    form (``audit_redact``), and is counted in ``redacted``. A redaction whose erasure event
    still waits to be sealed is a problem until it is sealed."""
    report = ChainReport(organization=org)
    head = AuditChain.objects.filter(organization=org).first()
    if head is not None:
        report.head_seq, report.head_hash = head.seq, head.hash
    report.waiting = AuditEvent.objects.filter(organization=org, seq=None).count()
    expected, previous_hash, previous_id = 1, "", None
    accepted = _redactions(org, sealed=True)
    waiting: dict[str, set[str]] | None = None
    events = AuditEvent.objects.filter(organization=org, seq__isnull=False).order_by("seq")
    for event in events.iterator(chunk_size=2000):
        report.checked += 1
        assert event.seq is not None
        if event.seq != expected:
            report.problems.append(
                ChainProblem(
                    expected,
                    None,
                    _("Events #%(first)s to #%(last)s are missing (after event %(after)s).")
                    % {"first": expected, "last": event.seq - 1, "after": previous_id or "-"},
                )
            )
        elif event.prev_hash != previous_hash:
            report.problems.append(
                ChainProblem(
                    event.seq,
                    event.id,
                    _("Event #%(seq)s (%(id)s) does not follow the event before it.")
                    % {"seq": event.seq, "id": event.id},
                )
            )
        actual = event_hash(event)
        if event.hash != actual and actual in accepted.get(str(event.id), ()):
            report.redacted += 1
        elif event.hash != actual:
            if waiting is None:
                waiting = _redactions(org, sealed=False)
            redaction_waits = actual in waiting.get(str(event.id), ())
            report.problems.append(
                ChainProblem(
                    event.seq,
                    event.id,
                    _(
                        "Event #%(seq)s (%(id)s) was redacted by an erasure that waits to "
                        "be sealed; seal the log, then verify again."
                    )
                    % {"seq": event.seq, "id": event.id},
                )
                if redaction_waits
                else ChainProblem(
                    event.seq,
                    event.id,
                    _("Event #%(seq)s (%(id)s) was changed after it was sealed.")
                    % {"seq": event.seq, "id": event.id},
                )
            )
        expected, previous_hash, previous_id = event.seq + 1, event.hash, event.id
    if head is None and report.checked:
        report.problems.append(
            ChainProblem(
                0,
                None,
                _("The chain's head is missing: %(count)s sealed events have no head.")
                % {"count": report.checked},
            )
        )
    elif head is not None and head.seq >= expected:
        report.problems.append(
            ChainProblem(
                expected,
                None,
                _("Events #%(first)s to #%(last)s are missing (after event %(after)s).")
                % {"first": expected, "last": head.seq, "after": previous_id or "-"},
            )
        )
    elif head is not None and head.seq == expected - 1 and head.hash != previous_hash:
        report.problems.append(
            ChainProblem(
                head.seq,
                previous_id,
                _("Event #%(seq)s (%(id)s) is not the one the chain ends with.")
                % {"seq": head.seq, "id": previous_id},
            )
        )
    return report
