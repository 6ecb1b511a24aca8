"""How tasks are found by the search box of their lists (not by the global search)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from smartcrm.core.search import SearchDocument
    from smartcrm.tasks.models import Task


def task_document(task: Task) -> SearchDocument:
    """A task is found by its title, its description and the name of its record."""
    from smartcrm.core.search import SearchDocument

    parent = task.prospect or task.account or task.offer
    return SearchDocument(
        title=task.title,
        subtitle=str(parent or ""),
        terms=[task.description, str(parent or "")],
    )
