"""Every write of the trash: move a record with its children in, restore it, purge it.

The services of each module call ``trash_record`` from their delete service, after their
own checks (permission, business rules) and with the row locked; the trash does the rest:
one batch, the children found through the registry, the search rows taken out. A restore
brings back exactly the rows of the batch, or refuses naming the field that would collide;
the worker purges batches older than ``SMARTCRM_TRASH_DAYS`` days.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Model, OuterRef, ProtectedError, RestrictedError, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from smartcrm.core.audit import audit_restored
from smartcrm.core.choices import Role
from smartcrm.core.constraints import constraint_error
from smartcrm.core.errors import Conflict, NotFound
from smartcrm.core.ids import RecordId
from smartcrm.core.models import Organization, User
from smartcrm.core.modules import require_module
from smartcrm.core.permissions import require_owner_or_role
from smartcrm.core.search import search_index_many, search_unindex_many
from smartcrm.trash.kinds import TrashableKind, children_of, kind_of, trashable_kind
from smartcrm.trash.models import TrashBatch

logger = logging.getLogger("smartcrm.trash")

# Batches purged per periodic turn of a worker (the rest wait for the next turn).
PURGE_BATCH = 200


def retention() -> dt.timedelta:
    """How long a trashed record can be restored."""
    return dt.timedelta(days=settings.SMARTCRM_TRASH_DAYS)


def _search_safe(action: Any, *args: Any) -> None:
    with contextlib.suppress(LookupError):  # a kind the search does not know
        action(*args)


def trash_record(*, org: Organization, user: User | None, record: Model) -> TrashBatch:
    """Move ``record`` and every live row hanging on it (and on those) to one trash batch.

    The caller (the module's delete service) has locked the row and checked who may delete
    it; runs in its transaction. Rows keep their values, versions and links: only their
    ``trash`` is set."""
    return trash_records(org=org, user=user, records=[record])[0]


def trash_records(
    *, org: Organization, user: User | None, records: Sequence[Model]
) -> list[TrashBatch]:
    """``trash_record`` for many records of one kind (a bulk delete), each in a batch of
    its own (restored on its own), in a few statements whatever their number: the batches
    in one insert, then per level of children and per kind one read and one update."""
    if not records:
        return []
    kind = kind_of(records[0])
    now = timezone.now()
    batches = TrashBatch.objects.bulk_create(
        [
            TrashBatch(
                organization=org,
                kind=kind.key,
                object_id=record.pk,
                title=str(record)[:255],
                owner_id=kind.holder(record),
                deleted_by=user,
                deleted_at=now,
            )
            for record in records
        ]
    )
    batch_of: dict[Any, Any] = {batch.object_id: batch.pk for batch in batches}
    _search_safe(search_unindex_many, kind.model, list(batch_of))
    # The records first: their children then take the batch of the row they hang on.
    kind.model._default_manager.filter(pk__in=list(batch_of)).update(
        trash_id=Subquery(
            TrashBatch.objects.filter(kind=kind.key, object_id=OuterRef("pk")).values("pk")[:1]
        )
    )
    carried: dict[Any, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    level: list[tuple[TrashableKind, dict[Any, Any]]] = [(kind, batch_of)]
    while level:
        below: list[tuple[TrashableKind, dict[Any, Any]]] = []
        for parent_kind, parent_batches in level:
            for child, fk_name in children_of(parent_kind):
                rows = child.model._default_manager.filter(
                    organization=org, **{f"{fk_name}__in": list(parent_batches)}
                ).values_list("pk", f"{fk_name}_id")
                child_batches = {pk: parent_batches[parent] for pk, parent in rows}
                if not child_batches:
                    continue
                _search_safe(search_unindex_many, child.model, list(child_batches))
                parent_rows = parent_kind.model._base_manager.filter(pk=OuterRef(fk_name))
                child.model._default_manager.filter(pk__in=list(child_batches)).update(
                    trash_id=Subquery(parent_rows.values("trash_id")[:1])
                )
                for batch_pk in child_batches.values():
                    carried[batch_pk][child.key] += 1
                below.append((child, child_batches))
        level = below
    with_children = [batch for batch in batches if batch.pk in carried]
    for batch in with_children:
        batch.children = dict(carried[batch.pk])
    if with_children:
        TrashBatch.objects.bulk_update(with_children, ["children"])
    return batches


def _batch_rows(batch: TrashBatch) -> dict[TrashableKind, list[Any]]:
    """The rows that went with ``batch``, by kind (the record first)."""
    from smartcrm.trash.kinds import trashable_kinds

    root = trashable_kind(batch.kind)
    rows: dict[TrashableKind, list[Any]] = {}
    for kind in sorted(trashable_kinds(), key=lambda k: k is not root):
        found = list(kind.model.objects.with_trashed().filter(trash=batch))  # type: ignore[attr-defined]  # trashable models
        if found:
            rows[kind] = found
    return rows


def _refuse_trashed_parent(kind: TrashableKind, record: Any) -> None:
    """A record whose parent is in the trash comes back after its parent, not before."""
    for fk_name in kind.parents:
        parent_id = getattr(record, f"{fk_name}_id", None)
        if parent_id is None:
            continue
        model = record._meta.get_field(fk_name).related_model
        if model.objects.with_trashed().filter(pk=parent_id, trash__isnull=False).exists():
            verbose = model._meta.verbose_name
            raise Conflict(
                _("Its %(parent)s is in the trash: restore the %(parent)s first.")
                % {"parent": verbose},
                field=fk_name,
                code="parent_in_trash",
            )


@transaction.atomic
def trash_restore(
    *, org: Organization, user: User, kind: str, record_id: RecordId
) -> tuple[Model, dict[str, int]]:
    """Bring a trashed record back with every row that went with it (its owner, who
    deleted it, or an admin). A restore that would collide with a live record refuses,
    naming the field, and restores nothing. Returns the record and how many rows came back
    with it, by kind."""
    trashable = trashable_kind(kind)
    require_module(org, trashable.module)
    try:
        batch = (
            TrashBatch.objects.select_for_update()
            .filter(organization=org, kind=trashable.key, object_id=record_id)
            .get()
        )
    except (TrashBatch.DoesNotExist, ValidationError, ValueError, TypeError):
        raise NotFound(
            _("%(label)s not found in the trash.")
            % {"label": str(trashable.model._meta.verbose_name).capitalize()},
            code="not_found",
        ) from None
    require_owner_or_role(
        org, user, holders=(batch.owner_id, batch.deleted_by_id), minimum=Role.ADMIN
    )
    rows = _batch_rows(batch)
    record = next((row for row in rows.get(trashable, []) if row.pk == batch.object_id), None)
    if record is None:  # its rows went with an older delete forever of a parent
        raise NotFound(_("This record is no longer in the trash."), code="not_found")
    _refuse_trashed_parent(trashable, record)
    for row_kind, found in rows.items():
        if row_kind.conflicts is not None:
            refusal = row_kind.conflicts(org, found)
            if refusal is not None:
                raise refusal
    try:
        with transaction.atomic():
            for row_kind in rows:
                row_kind.model.objects.with_trashed().filter(trash=batch).update(trash=None)  # type: ignore[attr-defined]  # trashable models
    except IntegrityError as error:  # a live record took a unique value meanwhile
        broken = constraint_error(error, record)
        field_of = getattr(record, "FIELD_OF_CONSTRAINT", {})
        field = None
        message = _("A live record already has this value.")
        if broken is not None and hasattr(broken, "error_dict"):
            field = next(iter(broken.error_dict), None)
        elif broken is not None:
            field = field_of.get(getattr(broken, "code", ""), None)
            message = " ".join(broken.messages)
        raise Conflict(message, field=field, code="restore_conflict") from error
    for row_kind, found in rows.items():
        live = list(row_kind.model._default_manager.filter(pk__in=[row.pk for row in found]))
        _search_safe(search_index_many, live)
    TrashBatch.objects.filter(pk=batch.pk).delete()
    record.trash_id = None
    restored = {
        row_kind.key: len(found) - (1 if row_kind is trashable else 0)
        for row_kind, found in rows.items()
    }
    with_it = {key: count for key, count in restored.items() if count}
    audit_restored(org=org, user=user, record=record, **({"with": with_it} if with_it else {}))
    return record, with_it


def purge_batch(batch: TrashBatch) -> None:
    """Delete the batch's rows for good (the database cascades to their lines, links and
    events)."""
    batch.delete()


def trash_purge_due(*, now: dt.datetime | None = None) -> int:
    """Periodic duty of every worker: purge the batches older than the retention, oldest
    first (a parent's children trashed before it go before it), each in its own
    transaction; returns how many were purged. A second worker skips the locked ones."""
    cutoff = (now or timezone.now()) - retention()
    purged = 0
    kept: list[Any] = []
    while True:
        with transaction.atomic():
            due = list(
                TrashBatch.objects.select_for_update(skip_locked=True)
                .filter(deleted_at__lt=cutoff)
                .exclude(pk__in=kept)
                .order_by("deleted_at")[:PURGE_BATCH]
            )
            for batch in due:
                try:
                    with transaction.atomic():
                        purge_batch(batch)
                except (ProtectedError, RestrictedError):
                    logger.warning("Trash batch %s is still referred to; kept", batch.pk)
                    kept.append(batch.pk)
                    continue
                purged += 1
        if len(due) < PURGE_BATCH:
            return purged
