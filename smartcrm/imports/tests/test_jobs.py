"""The imports' preview job through the real worker (`smartcrm worker --once`): queued by
the upload, its progress after every batch, run again without harm; the size limit."""

from __future__ import annotations

import pytest
from django_tasks_db.models import DBTaskResult

from smartcrm.core.errors import TooLarge
from smartcrm.imports import services
from smartcrm.imports.choices import ImportStatus
from smartcrm.imports.models import ImportRun
from smartcrm.imports.tests.factories import csv_bytes, run_worker, upload
from smartcrm.sales.models import Prospect

pytestmark = pytest.mark.django_db

ROWS = [
    ["Prenume", "Nume", "E-mail", "Județ"],
    ["Ștefan", "Țăranu", "stefan@tesatoria.ro", "Mureș"],
    ["Ioana", "Bălan", "ioana@exemplu.ro", "București"],
    ["Mihai", "Șerban", "fara-arond", "Iași"],
]


def _jobs(name: str) -> list[str]:
    return list(
        DBTaskResult.objects.filter(task_path__endswith=name)
        .order_by("enqueued_at")
        .values_list("status", flat=True)
    )


def test_the_upload_queues_the_preview_job_which_the_worker_runs(org, owner):
    run = upload(org, owner, "prospects", ROWS)

    run = services.import_preview_start(org=org, user=owner, import_id=run.pk)

    assert (run.status, _jobs("import_preview_task")) == (ImportStatus.PREVIEWING, ["READY"])
    assert run_worker().strip().endswith("1 job(s) run, 0 failed")
    run.refresh_from_db()
    assert run.status == ImportStatus.PREVIEWED
    assert run.preview == {"total": 3, "create": 2, "update": 0, "unchanged": 0, "rejected": 1}
    assert (run.total_rows, run.processed_rows, run.rejected_count) == (3, 0, 1)
    assert list(run.rejected_rows.values_list("row_number", flat=True)) == [4]
    assert Prospect.objects.count() == 0
    assert _jobs("import_preview_task") == ["SUCCESSFUL"]


def test_the_preview_job_writes_its_progress_after_every_batch(org, owner, settings):
    settings.SMARTCRM_IMPORT_BATCH_ROWS = 1
    run = upload(org, owner, "prospects", ROWS)
    services.import_preview_start(org=org, user=owner, import_id=run.pk)
    seen = []

    def poll(done: int) -> None:
        stored = ImportRun.objects.get(pk=run.pk)
        seen.append((stored.status, stored.processed_rows, stored.total_rows))

    services.import_preview_run(run.pk, on_progress=poll)

    assert seen == [
        (ImportStatus.PREVIEWING, 1, 3),
        (ImportStatus.PREVIEWING, 2, 3),
        (ImportStatus.PREVIEWING, 3, 3),
    ]


def test_a_preview_job_run_again_leaves_the_report_as_it_was(org, owner):
    run = upload(org, owner, "prospects", ROWS)
    services.import_preview_start(org=org, user=owner, import_id=run.pk)
    run_worker()

    # a job delivered twice (its worker died after the report): nothing to do
    again = services.import_preview_run(run.pk)

    assert again is not None and again.status == ImportStatus.PREVIEWED
    assert again.preview["create"] == 2 and again.rejected_rows.count() == 1


def test_a_file_too_large_for_the_service_is_refused_naming_the_limit(org, owner, settings):
    settings.SMARTCRM_IMPORT_MAX_BYTES = 10

    with pytest.raises(TooLarge) as refused:
        services.import_upload(
            org=org,
            user=owner,
            kind="prospects",
            file_name="x.csv",
            content=csv_bytes([["Nume"], ["Popescu"]]),
        )

    assert (refused.value.field, refused.value.code, refused.value.kind) == (
        "file",
        "too_large",
        "too_large",
    )
    assert (
        refused.value.message == "The file (15\xa0bytes) is larger than the limit of 10\xa0bytes."
    )
