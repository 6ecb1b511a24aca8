"""How tasks are found by the search box of their lists (not by the global search)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from smartcrm.core.search import SearchDocument
    from smartcrm.tasks.models import Task


def task_document(task: Task) -> SearchDocument:
    """A task is found by its title, its description and the name of its record."""
    return document_of(task, str(task.prospect or task.account or task.offer or ""))


def document_of(task: Any, parent: str) -> SearchDocument:
    """The document of a task (or of a migration's historical row) on record ``parent``."""
    from smartcrm.core.search import SearchDocument

    return SearchDocument(title=task.title, subtitle=parent, terms=[task.description, parent])
