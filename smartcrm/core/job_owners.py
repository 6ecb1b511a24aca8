"""Whose a background job is: the registry of job kinds and the record each works for.

The queue is shared by every organisation, and a job row carries only its task's path and
arguments. Each module registers its jobs here from its AppConfig.ready(): which argument
names the record the job works for, and that record's model; the record's organisation is
the job's. An admin then sees (and retries, discards) the failed jobs of their organisation
only; a job of another organisation is *not found*, as any other record.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils.functional import Promise


@dataclass(frozen=True)
class JobKind:
    """A kind of background job and the record it works for."""

    task_path: str  # module.function of the task, as the queue stores it
    label: str | Promise  # what admins read ("Task reminder")
    model: type[models.Model]  # a tenant model (it has an organization)
    argument: str  # the keyword argument with the record's id
    position: int | None = None  # or its place among positional arguments
    related: tuple[str, ...] = ()  # what the record's name (its str) reads besides its row

    def record_id(self, args_kwargs: dict[str, Any]) -> uuid.UUID | None:
        """The id of the record a job (by its stored arguments) works for, if readable."""
        value: Any = (args_kwargs.get("kwargs") or {}).get(self.argument)
        args = args_kwargs.get("args") or []
        if value is None and self.position is not None and len(args) > self.position:
            value = args[self.position]
        try:
            return uuid.UUID(str(value))
        except (TypeError, ValueError, AttributeError):
            return None


_KINDS: dict[str, JobKind] = {}


def register_job(kind: JobKind) -> None:
    _KINDS[kind.task_path] = kind


def job_kind(task_path: str) -> JobKind | None:
    return _KINDS.get(task_path)


def job_kinds() -> list[JobKind]:
    return list(_KINDS.values())
