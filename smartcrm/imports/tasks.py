"""The import as a background job (django-tasks; the database backend in production)."""

from __future__ import annotations

from django_tasks import task

from smartcrm.imports.services import import_run


@task()
def import_run_task(import_id: str) -> str:
    """Run or resume one import; returns its final status."""
    run = import_run(import_id)
    return run.status if run is not None else "missing"
