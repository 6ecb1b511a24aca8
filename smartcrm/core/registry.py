"""The registry of records that hang on a prospect, account or offer.

Contacts, activities, notes and tasks (and future modules: attachments, e-mails) register
here from their AppConfig.ready(). Sales asks the registry when it converts a prospect or
gathers a timeline, so a new module joins both by registering, without touching sales.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.db.models import F, Q

PARENT_FIELDS: tuple[str, ...] = ("prospect", "account", "offer")

MoveHook = Callable[..., None]


@dataclass(frozen=True)
class TimelineSpec:
    """How a child kind shows on its record's timeline: which fields to read."""

    kind: str  # singular name shown to clients: "activity", "note", "task"
    title_field: str
    body_field: str = ""
    status_field: str = ""
    when_field: str = ""  # the moment it is about (a meeting's start, a task's due time)
    user_field: str = "created_by_id"


@dataclass(frozen=True)
class ChildKind:
    """A kind of record that hangs on prospects, accounts and/or offers."""

    key: str
    model: type[models.Model]
    parents: tuple[str, ...]
    module: str
    # Called inside the moving transaction, before the rows move (e.g. contacts give up
    # their "primary" flag when the target already has a primary contact).
    before_move: MoveHook | None = field(default=None, compare=False)
    # Shown on the record's timeline when set (contacts are not timeline items).
    timeline: TimelineSpec | None = None


_KINDS: dict[str, ChildKind] = {}


def register_child(kind: ChildKind) -> None:
    _KINDS[kind.key] = kind


def unregister_child(key: str) -> None:
    _KINDS.pop(key, None)


def child_kinds(parent: str | None = None) -> list[ChildKind]:
    return [kind for kind in _KINDS.values() if parent is None or parent in kind.parents]


def move_children(
    *, org: Any, source_field: str, source: models.Model, target_field: str, target: models.Model
) -> dict[str, int]:
    """Move every registered child of ``source`` to ``target``; returns rows moved per kind.

    Runs inside the caller's transaction. One UPDATE per kind, whatever the number of rows.
    """
    moved: dict[str, int] = {}
    for kind in child_kinds(source_field):
        if target_field not in kind.parents:
            continue
        if kind.before_move is not None:
            kind.before_move(
                org=org,
                source_field=source_field,
                source=source,
                target_field=target_field,
                target=target,
            )
        moved[kind.key] = kind.model._default_manager.filter(
            organization=org, **{source_field: source}
        ).update(**{source_field: None, target_field: target, "version": F("version") + 1})
    return moved


def parent_constraint(
    *, name: str, fields: tuple[str, ...], required: bool = True
) -> models.CheckConstraint:
    """A CHECK that at most (or, if required, exactly) one of ``fields`` is set."""
    options = [
        Q(
            **{f"{chosen}__isnull": False},
            **{f"{other}__isnull": True for other in fields if other != chosen},
        )
        for chosen in fields
    ]
    if not required:
        options.append(Q(**{f"{f}__isnull": True for f in fields}))
    condition = options[0]
    for option in options[1:]:
        condition |= option
    return models.CheckConstraint(condition=condition, name=name)
