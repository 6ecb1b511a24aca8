"""The import's background jobs (django-tasks; the database backend in production): the
preview (every row checked, nothing written) and the commit."""

from __future__ import annotations

from django.conf import settings
from django.utils import translation
from django_tasks import task

from smartcrm.imports.models import ImportRun
from smartcrm.imports.services import import_preview_run, import_run


def _language_of(import_id: str) -> str:
    """The language of who started the import, else their organisation's: the import's page
    speaks it, and the job writes the messages of the rows it rejects."""
    runs = ImportRun.objects.select_related("organization", "created_by")
    run = runs.filter(pk=import_id).first()
    if run is None:
        return settings.LANGUAGE_CODE
    user_language = run.created_by.language if run.created_by is not None else ""
    return user_language or run.organization.language or settings.LANGUAGE_CODE


@task()
def import_run_task(import_id: str) -> str:
    """Run or resume one import, in its user's language; returns its final status."""
    with translation.override(_language_of(import_id)):
        run = import_run(import_id)
    return run.status if run is not None else "missing"


@task()
def import_preview_task(import_id: str) -> str:
    """Check every row of an uploaded file (the preview), in its user's language; returns
    the import's status after it (previewed, or uploaded again with the reason)."""
    with translation.override(_language_of(import_id)):
        run = import_preview_run(import_id)
    return run.status if run is not None else "missing"
