"""The registry of records that go to the trash.

Each trashable kind registers from its AppConfig.ready(): its model, the path of its API,
who holds a record (may restore it besides admins), the foreign keys to trashable parents,
and what would make a restore collide. The trash reads the registry to carry children with
their parent (a prospect's contacts, activities, notes, tasks), so a new module joins the
trash by registering, without touching the others.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import models

from smartcrm.core.errors import DomainError, NotFound
from smartcrm.core.ids import RecordId
from smartcrm.core.models import Organization

# (org, the rows of this kind a restore would bring back) -> the refusal, or None.
ConflictCheck = Callable[[Organization, Sequence[Any]], DomainError | None]


@dataclass(frozen=True)
class TrashableKind:
    """A kind of record that goes to the trash when deleted."""

    key: str  # singular, as clients see it: "prospect"
    model: type[models.Model]
    route: str  # the API's collection: /api/v1/<route>/{id}/restore
    module: str
    # Whose the record is: besides admins, they (and who deleted it) may restore it.
    holder: Callable[[Any], RecordId | None] = field(compare=False)
    # Foreign keys to trashable parents: rows hanging on a trashed record go with it, and a
    # record whose parent is in the trash cannot come back before it.
    parents: tuple[str, ...] = ()
    # The field children name this kind by ("prospect"), when it carries children.
    child_field: str = ""
    conflicts: ConflictCheck | None = field(default=None, compare=False)
    # The record's page (URL name taking its id), for links from the trash.
    page: str = ""


_KINDS: dict[str, TrashableKind] = {}


def register_trashable(kind: TrashableKind) -> None:
    _KINDS[kind.key] = kind


def trashable_kinds() -> list[TrashableKind]:
    return list(_KINDS.values())


def trashable_kind(key: str) -> TrashableKind:
    try:
        return _KINDS[key]
    except KeyError:
        raise NotFound("No such kind of record.", field="kind", code="not_found") from None


def kind_of(record: models.Model) -> TrashableKind:
    model = record._meta.concrete_model or type(record)
    for kind in _KINDS.values():
        if kind.model is model:
            return kind
    raise LookupError(f"{model.__name__} is not a registered trashable kind.")


def children_of(kind: TrashableKind) -> list[tuple[TrashableKind, str]]:
    """The kinds that hang on ``kind``, with the foreign key that points at it."""
    if not kind.child_field:
        return []
    return [
        (child, kind.child_field) for child in _KINDS.values() if kind.child_field in child.parents
    ]
