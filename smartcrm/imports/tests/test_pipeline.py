"""The commit checks a batch while the one before is written; a record changed between
its check and its write makes that batch (and the rest) go again, checked under lock."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from smartcrm.contacts import services as contacts
from smartcrm.core.models import SearchEntry
from smartcrm.core.search import search
from smartcrm.imports import services
from smartcrm.imports.engine import Importer, RecordsChanged, commit_batch, planned_batches
from smartcrm.imports.models import ImportFile
from smartcrm.imports.tests.factories import preview
from smartcrm.sales import services as sales
from smartcrm.sales.models import Prospect, RecordEvent

HEADER = ["Prenume", "Nume", "E-mail", "Localitate"]


def _people(count: int, locality: str) -> list[list[str]]:
    return [HEADER] + [[f"Ion{n}", "Popescu", f"ion{n}@x.ro", locality] for n in range(count)]


def _stored(org, count: int) -> list[Prospect]:
    return [
        sales.prospect_create(
            org=org,
            user=org.owner_user,
            kind="person",
            first_name=f"Ion{n}",
            last_name="Popescu",
            email=f"ion{n}@x.ro",
            locality="Iași",
        )
        for n in range(count)
    ]


@pytest.fixture
def stored(org, owner):
    org.owner_user = owner
    return _stored(org, 6)


def test_a_planned_batch_whose_record_changed_since_is_refused_whole(org, owner, stored):
    run = preview(org, owner, "prospects", _people(6, "Cluj"))
    content = bytes(ImportFile.objects.values_list("content", flat=True).get(run=run))
    importer = Importer(run, content, org=org, user=owner)
    plan = next(planned_batches(importer, size=10))
    assert [o.action for o in plan.outcomes] == ["update"] * 6
    # someone edits one of the matched prospects after the check, before the write
    sales.prospect_update(org=org, user=owner, prospect_id=stored[3].pk, phone="0722123456")
    with pytest.raises(RecordsChanged), transaction.atomic():
        commit_batch(importer, plan)
    assert set(Prospect.objects.values_list("locality", flat=True)) == {"Iași"}
    assert not RecordEvent.objects.filter(data__import_id=str(run.pk)).exists()


def test_a_change_during_the_import_is_kept_and_the_rest_checked_under_lock(
    org, owner, stored, settings
):
    settings.SMARTCRM_IMPORT_BATCH_ROWS = 2
    run = preview(org, owner, "prospects", _people(6, "Cluj"))
    services.import_commit(org=org, user=owner, import_id=run.pk)
    edited = stored[2]  # in the second batch, planned while the first is written

    def edit_after_first_batch(progress) -> None:
        if progress.processed_rows == 2:
            sales.prospect_update(org=org, user=owner, prospect_id=edited.pk, phone="0722123456")

    finished = services.import_run(run.pk, on_progress=edit_after_first_batch)
    assert finished is not None
    assert (finished.status, finished.updated_count, finished.rejected_count) == ("done", 6, 0)
    edited.refresh_from_db()
    # the concurrent edit is kept, the file's value written over the record as it is now
    assert (edited.phone_e164, edited.locality, edited.version) == ("+40722123456", "Cluj", 3)
    assert set(Prospect.objects.values_list("locality", flat=True)) == {"Cluj"}
    assert RecordEvent.objects.filter(data__import_id=str(run.pk)).count() == 6


def _contacts_commit_queries(org, owner, count: int) -> int:
    accounts = [
        sales.account_create(org=org, user=owner, name=f"Firma {count}-{n} SRL") for n in range(3)
    ]
    rows = [["Prenume", "Nume", "E-mail", "Client"]] + [
        [f"Ana{n}", "Pop", f"ana{count}.{n}@x.ro", accounts[n % 3].name] for n in range(count)
    ]
    run = preview(org, owner, "contacts", rows)
    services.import_commit(org=org, user=owner, import_id=run.pk)
    with CaptureQueriesContext(connection) as queries:
        finished = services.import_run(run.pk)
    assert finished is not None and finished.created_count == count
    # each contact is found by its account's name too
    assert SearchEntry.objects.filter(
        kind="contact", subtitle=accounts[1].name, title__startswith="Ana"
    ).count() == len(range(1, count, 3))
    return len(queries)


def test_a_contacts_import_reads_their_accounts_at_once(org, owner):
    assert _contacts_commit_queries(org, owner, 2) == _contacts_commit_queries(org, owner, 20)


def test_an_update_rewrites_the_search_rows_of_the_record_and_of_its_contacts(org, owner):
    account = sales.account_create(org=org, user=owner, name="Vechi SRL", cui="10000113")
    contacts.contact_create(
        org=org, user=owner, account_id=account.pk, first_name="Ana", last_name="Pop"
    )
    rows = [["Denumire", "CUI", "Telefon"], ["Nou Construct SRL", "10000113", "0722 123 456"]]
    run = preview(org, owner, "accounts", rows, key="cui")
    assert run.preview["update"] == 1
    services.import_commit(org=org, user=owner, import_id=run.pk)
    assert services.import_run(run.pk).updated_count == 1  # type: ignore[union-attr]
    entry = SearchEntry.objects.get(kind="account")
    assert (entry.title, "0722123456" in entry.text) == ("Nou Construct SRL", True)
    assert SearchEntry.objects.get(kind="contact").subtitle == "Nou Construct SRL"
    hits, _cursor = search(org=org, q="construct", kinds=["account"])
    assert [hit.title for hit in hits] == ["Nou Construct SRL"]
    assert search(org=org, q="vechi")[0] == []


def test_the_import_job_writes_rejections_in_its_users_language(org, owner):
    from smartcrm.core.services import user_set_language
    from smartcrm.imports.models import ImportRejectedRow
    from smartcrm.imports.tasks import import_run_task

    user_set_language(user=owner, language="ro")
    run = preview(org, owner, "prospects", [HEADER, ["Ion", "Pop", "nu-este-email", "Iași"]])
    services.import_commit(org=org, user=owner, import_id=run.pk)
    assert import_run_task.call(str(run.pk)) == "done"  # the job, in this English test process
    (issue,) = ImportRejectedRow.objects.get(run=run).errors
    assert issue["message"] == "Introduceți o adresă de email validă."
