"""The imports' background jobs through the real worker (`smartcrm worker --once`): the
preview job and its progress, the commit, and the commit's follow-up per batch that makes
the new records searchable (idempotent, undone with the import)."""

from __future__ import annotations

import pytest
from django_tasks_db.models import DBTaskResult

from smartcrm.core.errors import TooLarge
from smartcrm.core.models import SearchEntry
from smartcrm.core.search import search
from smartcrm.imports import services
from smartcrm.imports.choices import ImportStatus
from smartcrm.imports.models import ImportBatch, ImportRun
from smartcrm.imports.tests.factories import csv_bytes, run_worker, upload
from smartcrm.sales import services as sales
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


def _committed(org, owner, settings, rows=ROWS) -> ImportRun:
    """Previewed and committed (two rows a batch), its jobs run by the worker."""
    settings.SMARTCRM_IMPORT_BATCH_ROWS = 2
    run = upload(org, owner, "prospects", rows)
    services.import_preview_start(org=org, user=owner, import_id=run.pk)
    run_worker()
    return services.import_commit(org=org, user=owner, import_id=run.pk)


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


def test_new_records_become_searchable_by_the_commits_follow_up_jobs(org, owner, settings):
    run = _committed(org, owner, settings)

    assert run_worker().strip().endswith("2 job(s) run, 0 failed")

    run.refresh_from_db()
    assert (run.status, run.created_count, run.rejected_count) == (ImportStatus.DONE, 2, 1)
    # one follow-up job per batch that created records (the second only rejected a row)
    assert _jobs("import_index_task") == ["SUCCESSFUL"]
    assert list(ImportBatch.objects.filter(run=run).values_list("indexed", flat=True)) == [
        True,
        True,
    ]
    assert run.searchable_at is not None and run.finished_at is not None
    assert run.searchable_at >= run.finished_at
    hits, _next = search(org=org, q="stefan taranu")
    assert [hit.title for hit in hits] == ["Ștefan Țăranu"]
    assert SearchEntry.objects.filter(organization=org, kind="prospect").count() == 2


def test_the_import_is_not_searchable_until_its_follow_up_jobs_ran(org, owner, settings):
    run = _committed(org, owner, settings)

    done = services.import_run(run.pk)  # the commit's job alone

    assert done is not None and done.status == ImportStatus.DONE and done.searchable_at is None
    assert Prospect.objects.count() == 2
    assert search(org=org, q="stefan taranu")[0] == []
    assert services.import_index_run(run.pk) == 1
    run.refresh_from_db()
    assert run.searchable_at is not None
    assert [hit.title for hit in search(org=org, q="stefan taranu")[0]] == ["Ștefan Țăranu"]


def test_a_follow_up_job_run_twice_writes_the_search_rows_once(org, owner, settings):
    run = _committed(org, owner, settings)
    services.import_run(run.pk)
    batch = ImportBatch.objects.filter(run=run).order_by("first_row").first()
    assert batch is not None

    assert services.import_index_batch(batch.pk) is True
    assert services.import_index_batch(batch.pk) is False

    assert SearchEntry.objects.filter(organization=org, kind="prospect").count() == 2
    assert run_worker().strip().endswith("0 failed")
    assert SearchEntry.objects.filter(organization=org, kind="prospect").count() == 2


def test_undo_before_the_follow_up_jobs_leaves_nothing_in_search(org, owner, settings):
    run = _committed(org, owner, settings)
    services.import_run(run.pk)

    summary = services.import_undo(org=org, user=owner, import_id=run.pk)

    assert summary == {"deleted": 2, "restored": 0, "kept": 0}
    # the follow-up jobs still queued find their batches gone
    assert run_worker().strip().endswith("2 job(s) run, 0 failed")
    assert Prospect.objects.count() == 0
    assert SearchEntry.objects.filter(organization=org).count() == 0
    run.refresh_from_db()
    assert run.status == ImportStatus.UNDONE


def test_undo_after_the_follow_up_jobs_takes_the_search_rows_back(org, owner, settings):
    run = _committed(org, owner, settings)
    run_worker()

    services.import_undo(org=org, user=owner, import_id=run.pk)

    assert Prospect.objects.count() == 0
    assert SearchEntry.objects.filter(organization=org).count() == 0


def test_contacts_are_indexed_with_their_batch_as_before(org, owner, settings):
    sales.account_create(org=org, user=owner, name="Carpați SRL", cui="RO10000113")
    settings.SMARTCRM_IMPORT_BATCH_ROWS = 2
    rows = [["Prenume", "Nume", "CUI client"], ["Ana", "Niță", "10000113"]]
    run = upload(org, owner, "contacts", rows)
    services.import_preview_start(org=org, user=owner, import_id=run.pk)
    run_worker()
    services.import_commit(org=org, user=owner, import_id=run.pk)

    done = services.import_run(run.pk)

    assert done is not None and done.searchable_at is not None
    assert [hit.title for hit in search(org=org, q="ana nita")[0]] == ["Ana Niță"]


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
