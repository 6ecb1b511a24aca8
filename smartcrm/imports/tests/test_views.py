"""Import pages: upload and preview (counts, row errors), the mapping edited and checked
again, the commit run by the job in this process, the progress panel, cancel, resume,
undo, the rejected rows download, templates, bad uploads, tenancy and query counts."""

from __future__ import annotations

import csv
import io
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from smartcrm.core.models import Membership
from smartcrm.core.services import membership_update, organization_update, user_set_language
from smartcrm.imports import services
from smartcrm.imports.choices import ImportStatus
from smartcrm.imports.models import ImportRun, ImportTemplate
from smartcrm.imports.tests.factories import csv_bytes, finish, preview, run_worker, upload
from smartcrm.sales.models import Account
from smartcrm.sales.services import account_update
from smartcrm.web.lists import PAGE_SIZE

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
ROWS = [
    ["Denumire", "CUI", "Localitate"],
    ["Carpați Construcții SRL", "RO10000113", "Brașov"],
    ["Fără CUI valid", "123", "Iași"],
]
VALID_ROWS = [
    ["Denumire", "CUI", "Localitate"],
    ["Carpați Construcții SRL", "RO10000113", "Brașov"],
    ["Dunărea Logistic SA", "10000229", "Galați"],
]


@pytest.fixture(autouse=True)
def _english(org, owner):
    """The pages speak the organisation's language: English here, so that the tests read
    the msgids (one test checks the Romanian default)."""
    organization_update(org=org, user=owner, language="en")


def _file(rows=ROWS, fmt="semicolon", name="conturi.csv"):
    return SimpleUploadedFile(name, csv_bytes(rows, fmt), content_type="text/csv")


def _upload(client, file=None, **fields):
    data = {"kind": "accounts", "encoding": "", "delimiter": "", "template": "", **fields}
    if file is not False:
        data["file"] = file or _file()
    return client.post(reverse("imports:import-new"), data)


def _run(response, *, work: bool = True) -> ImportRun:
    """The import an upload redirected to, once the worker ran its preview job."""
    assert response.status_code == 302, response.content.decode()[:2000]
    import_id = response["Location"].rstrip("/").rsplit("/", 1)[-1]
    if work:
        run_worker()
    return ImportRun.objects.get(pk=import_id)


def _page(client, run):
    response = client.get(reverse("imports:import", args=[run.pk]))
    assert response.status_code == 200
    return response.content.decode()


def _testid(html: str, testid: str) -> str:
    """The text of the first element carrying ``data-testid``."""
    start = html.index(f'data-testid="{testid}"')
    return html[html.index(">", start) + 1 : html.index("<", start)].strip()


def _committed(org, owner, rows=ROWS, mode="valid_only"):
    run = preview(org, owner, "accounts", rows, "semicolon")
    return services.import_commit(org=org, user=owner, import_id=run.pk, mode=mode)


# --- upload and preview ----------------------------------------------------------------------


def test_upload_shows_the_preview_counts_and_row_errors_and_writes_nothing(client, org, owner):
    client.force_login(owner)

    run = _run(_upload(client))

    html = _page(client, run)
    assert run.status == ImportStatus.PREVIEWED and run.delimiter == ";"
    assert 'data-testid="import-preview-counts"' in html
    assert _testid(html, "preview-total") == "2"
    assert _testid(html, "preview-create") == "1"
    assert _testid(html, "preview-rejected") == "1"
    errors = html[html.index('data-testid="import-errors"') :]
    assert 'data-line="3"' in errors and "<code>123</code>" in errors
    assert 'data-testid="import-commit"' in html
    assert Account.objects.count() == 0


def test_upload_queues_the_preview_and_the_page_shows_its_progress(client, org, owner):
    client.force_login(owner)

    run = _run(_upload(client), work=False)

    # the upload answered at once: the file is kept, its preview waits for the worker
    assert run.status == ImportStatus.PREVIEWING and run.preview == {}
    html = _page(client, run)
    panel = html[html.index('id="import-panel"') :]
    assert 'hx-trigger="every 1s"' in panel and 'data-testid="import-previewing"' in panel
    assert 'data-testid="import-cancel"' not in panel
    assert 'data-testid="import-result-counts"' not in panel
    assert 'data-testid="import-commit"' not in html


def test_the_preview_progress_counts_the_rows_checked(client, org, owner, settings):
    settings.SMARTCRM_IMPORT_BATCH_ROWS = 1
    client.force_login(owner)
    run = _run(_upload(client, _file(VALID_ROWS)), work=False)
    url = reverse("imports:import-progress", args=[run.pk])
    polled = []

    services.import_preview_run(
        run.pk, on_progress=lambda done: polled.append(client.get(url, **HTMX))
    )

    # after the first of two rows the panel polls on and shows half; after the last, all
    first = polled[0].content.decode()
    assert 'hx-trigger="every 1s"' in first and 'aria-valuenow="50"' in first
    assert "1 of about 2 rows checked" in first
    assert 'aria-valuenow="100"' in polled[1].content.decode()
    # once the preview is over, the poll has the page reloaded to show the report
    response = client.get(url, **HTMX)
    assert (response.status_code, response["HX-Refresh"]) == (204, "true")
    assert _testid(_page(client, run), "preview-create") == "2"


def test_a_file_the_worker_cannot_read_goes_back_with_the_reason(client, org, owner):
    client.force_login(owner)
    # a quoted cell beyond what a CSV cell may hold, far past what the upload reads of the
    # file, over lines each short enough for the upload's limits
    cell = b'"' + (b"x" * 1023 + b"\n") * 1025 + b'"'
    content = b"Denumire;CUI\r\nAlfa SRL;RO10000113\r\n" + cell + b"\r\n"
    run = _run(_upload(client, SimpleUploadedFile("mare.csv", content)))

    assert run.status == ImportStatus.UPLOADED
    assert run.failure == (
        "file: Line 1027 of the file cannot be read: field larger than field limit (1048576)."
    )
    html = _page(client, run)
    assert _testid(html, "import-preview-failure").startswith("The file could not be checked:")
    assert 'data-testid="import-commit"' not in html


def test_the_mapping_table_shows_the_proposed_fields(client, org, owner):
    client.force_login(owner)
    run = _run(_upload(client))

    html = _page(client, run)

    mapping = html[html.index('data-testid="import-mapping"') :]
    assert mapping.count('data-testid="mapping-row"') == 3
    assert '<option value="name" selected>' in mapping
    assert '<option value="cui" selected>' in mapping
    assert '<option value="cui" selected>' in mapping[mapping.index('name="key"') :]


def test_an_incomplete_mapping_is_shown_to_be_fixed_without_a_commit_button(client, org, owner):
    client.force_login(owner)

    run = _run(_upload(client, _file([["Firma X", "Cod Y"], ["Alfa", ""]])))

    html = _page(client, run)
    assert run.status == ImportStatus.UPLOADED
    assert 'data-testid="import-mapping-issues"' in html and "Map a column to" in html
    assert 'data-testid="import-commit"' not in html


def test_changing_the_mapping_previews_again(client, org, owner):
    client.force_login(owner)
    run = _run(_upload(client, _file([["Firma X", "Cod Y"], ["Alfa", ""], ["Beta", ""]])))

    response = client.post(
        reverse("imports:import-preview", args=[run.pk]),
        {"column_0": "name", "column_1": "", "key": "", "encoding": "", "delimiter": ""},
    )

    assert response.status_code == 302
    run.refresh_from_db()
    assert run.status == ImportStatus.PREVIEWING
    run_worker()
    run.refresh_from_db()
    assert run.status == ImportStatus.PREVIEWED and run.mapping == {"Firma X": "name"}
    assert run.preview["create"] == 2
    assert _testid(_page(client, run), "preview-create") == "2"


def test_a_field_mapped_twice_is_a_422_and_the_mapping_is_kept(client, org, owner):
    client.force_login(owner)
    run = _run(_upload(client))

    response = client.post(
        reverse("imports:import-preview", args=[run.pk]),
        {"column_0": "name", "column_1": "name", "column_2": "locality", "key": ""},
    )

    html = response.content.decode()
    assert response.status_code == 422
    errors = html[html.index('data-testid="import-mapping-errors"') :]
    assert "both go to name" in errors[: errors.index("</div>")]
    # the user's choice is kept in the form, the import keeps its previous mapping
    assert html.count('<option value="name" selected>') == 2
    run.refresh_from_db()
    assert run.mapping == {"Denumire": "name", "CUI": "cui", "Localitate": "locality"}


def test_an_unknown_target_field_is_named_next_to_its_column(client, org, owner):
    client.force_login(owner)
    run = _run(_upload(client))

    response = client.post(
        reverse("imports:import-preview", args=[run.pk]),
        {"column_0": "name", "column_1": "salary", "column_2": "", "key": ""},
    )

    html = response.content.decode()
    assert response.status_code == 422
    assert 'id="id_column_1_error"' in html and 'aria-invalid="true"' in html


def test_a_key_without_its_column_is_named_next_to_the_key(client, org, owner):
    client.force_login(owner)
    run = _run(_upload(client))

    response = client.post(
        reverse("imports:import-preview", args=[run.pk]),
        {"column_0": "name", "column_1": "", "column_2": "", "key": "cui"},
    )

    html = response.content.decode()
    assert response.status_code == 422
    key_error = html[html.index('id="id_key_error"') :]
    assert "no column is mapped to it" in key_error[: key_error.index("</div>")]


def test_choosing_the_delimiter_reads_the_header_again(client, org, owner):
    client.force_login(owner)
    run = _run(_upload(client, delimiter=","))
    assert run.headers == ["Denumire;CUI;Localitate"]

    response = client.post(
        reverse("imports:import-preview", args=[run.pk]),
        {"column_0": "", "key": "", "encoding": "", "delimiter": ";"},
    )

    assert response.status_code == 302
    run_worker()
    run.refresh_from_db()
    assert run.headers == ["Denumire", "CUI", "Localitate"]
    assert run.mapping == {"Denumire": "name", "CUI": "cui", "Localitate": "locality"}
    assert run.preview["create"] == 1


# --- bad uploads -----------------------------------------------------------------------------


def _file_error(response) -> str:
    html = response.content.decode()
    start = html.index('id="id_file_error"')
    return html[html.index(">", start) + 1 : html.index("</div>", start)]


def test_an_upload_without_a_file_is_a_422_next_to_the_field(client, org, owner):
    client.force_login(owner)

    response = _upload(client, file=False)

    assert response.status_code == 422
    assert _file_error(response) == "This field is required."
    assert ImportRun.objects.count() == 0


def test_an_upload_of_another_type_is_a_422_next_to_the_field(client, org, owner):
    client.force_login(owner)
    picture = SimpleUploadedFile("logo.png", b"\x89PNG\r\n\x1a\n\x00\x00", content_type="image/png")

    response = _upload(client, picture)

    assert response.status_code == 422
    assert "Choose a CSV or XLSX file" in _file_error(response)
    assert ImportRun.objects.count() == 0


def test_a_binary_file_named_csv_is_a_422(client, org, owner):
    client.force_login(owner)
    binary = SimpleUploadedFile("date.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")

    response = _upload(client, binary)

    assert response.status_code == 422
    assert "neither CSV text nor an XLSX workbook" in _file_error(response)
    assert ImportRun.objects.count() == 0


def test_an_empty_file_is_a_422_next_to_the_field(client, org, owner):
    client.force_login(owner)

    response = _upload(client, SimpleUploadedFile("gol.csv", b""))

    assert response.status_code == 422
    assert _file_error(response) == "The submitted file is empty."
    assert ImportRun.objects.count() == 0


def test_a_header_only_blank_file_is_refused_by_the_service_next_to_the_field(client, org, owner):
    client.force_login(owner)

    response = _upload(client, SimpleUploadedFile("gol.csv", b"\r\n\r\n"))

    assert response.status_code == 422
    assert "first line of the file should name the columns" in _file_error(response)
    assert ImportRun.objects.count() == 0


def test_a_file_too_big_is_a_413_next_to_the_field_naming_the_limit(client, org, owner, settings):
    settings.SMARTCRM_IMPORT_MAX_BYTES = 2 * 1024 * 1024
    client.force_login(owner)
    big = SimpleUploadedFile("mare.csv", b"Denumire\r\n" + b"x" * (2 * 1024 * 1024 - 9))

    response = _upload(client, big)

    assert response.status_code == 413
    assert _file_error(response) == ("The file (2.0\xa0MB) is larger than the limit of 2.0\xa0MB.")
    assert ImportRun.objects.count() == 0


def test_a_file_at_the_limit_is_taken_and_its_preview_queued(client, org, owner, settings):
    settings.SMARTCRM_IMPORT_MAX_BYTES = 2 * 1024 * 1024
    client.force_login(owner)
    lines = (b"x" * 1022 + b"\r\n") * 2047
    content = b"Denumire\r\n" + lines + b"x" * (2 * 1024 * 1024 - 10 - len(lines))
    assert len(content) == settings.SMARTCRM_IMPORT_MAX_BYTES

    run = _run(_upload(client, SimpleUploadedFile("mare.csv", content)), work=False)

    assert (run.file_size, run.status) == (2 * 1024 * 1024, ImportStatus.PREVIEWING)


def test_a_role_that_may_not_import_products_sees_why(client, org, sales_user):
    client.force_login(sales_user)
    rows = [["Cod", "Denumire", "Preț"], ["A-1", "Licență", "10"]]

    response = _upload(client, _file(rows), kind="products")

    assert response.status_code == 422
    assert "Your role does not allow this" in response.content.decode()
    assert ImportRun.objects.count() == 0


def test_the_upload_page_lists_the_saved_templates(client, org, owner):
    services.import_template_create(
        org=org, user=owner, kind="accounts", name="Export ERP", mapping={"Firma": "name"}
    )
    client.force_login(owner)

    response = client.get(reverse("imports:import-new"))

    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="import-upload-form"' in html and 'enctype="multipart/form-data"' in html
    assert "Export ERP (Accounts)" in html


# --- templates ------------------------------------------------------------------------------


def test_save_the_mapping_as_a_template_and_use_it_for_the_next_file(client, org, owner):
    client.force_login(owner)
    first = _run(_upload(client, _file([["Firma X", "Oraș"], ["Alfa", "Cluj"]])))
    client.post(
        reverse("imports:import-preview", args=[first.pk]),
        {"column_0": "name", "column_1": "locality", "key": "", "encoding": "", "delimiter": ""},
    )

    response = client.post(reverse("imports:import-template", args=[first.pk]), {"name": "ERP"})

    assert response.status_code == 302
    template = ImportTemplate.objects.get(organization=org)
    assert (template.name, template.mapping) == ("ERP", {"Firma X": "name", "Oraș": "locality"})
    second = _run(
        _upload(client, _file([["Firma X", "Oraș"], ["Beta", "Iași"]]), template=str(template.pk))
    )
    assert second.status == ImportStatus.PREVIEWED
    assert second.mapping == {"Firma X": "name", "Oraș": "locality"}


def test_a_template_name_taken_is_a_422_next_to_the_name(client, org, owner):
    services.import_template_create(org=org, user=owner, kind="accounts", name="ERP", mapping={})
    client.force_login(owner)
    run = _run(_upload(client))

    response = client.post(reverse("imports:import-template", args=[run.pk]), {"name": "erp"})

    html = response.content.decode()
    assert response.status_code == 422
    assert 'id="id_name_error"' in html and "already exists" in html
    assert ImportTemplate.objects.count() == 1


def test_a_template_of_another_kind_is_named_next_to_the_template(client, org, owner):
    template = services.import_template_create(
        org=org, user=owner, kind="prospects", name="Lead-uri", mapping={}
    )
    client.force_login(owner)

    response = _upload(client, template=str(template.pk))

    html = response.content.decode()
    assert response.status_code == 422
    assert 'id="id_template_error"' in html and "This template is for Prospects" in html
    assert ImportRun.objects.count() == 0


# --- commit, progress, cancel, resume ---------------------------------------------------------


def test_commit_queues_the_import_and_the_page_polls_its_progress(client, org, owner):
    client.force_login(owner)
    run = _run(_upload(client))

    response = client.post(reverse("imports:import-commit", args=[run.pk]), {"mode": "valid_only"})

    assert response.status_code == 302
    run.refresh_from_db()
    assert run.status == ImportStatus.QUEUED
    html = _page(client, run)
    assert 'hx-trigger="every 1s"' in html and 'data-testid="import-progress"' in html
    assert 'data-testid="import-cancel"' in html
    assert Account.objects.count() == 0


def test_the_progress_panel_stops_polling_once_the_job_is_done(client, org, owner):
    client.force_login(owner)
    run = _run(_upload(client))
    client.post(reverse("imports:import-commit", args=[run.pk]), {"mode": "valid_only"})
    url = reverse("imports:import-progress", args=[run.pk])
    assert 'hx-trigger="every 1s"' in client.get(url, **HTMX).content.decode()

    # the worker's job, run here
    finish(run.pk)
    response = client.get(url, **HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    assert "hx-trigger" not in html and 'data-testid="import-progress"' not in html
    assert 'data-status="done"' in html
    assert _testid(html, "result-created") == "1"
    assert _testid(html, "result-rejected") == "1"
    assert 'data-testid="import-undo"' in html and 'data-testid="import-errors"' in html
    assert html.count('data-testid="import-error-row" data-line="3"') == 1
    assert list(Account.objects.values_list("name", flat=True)) == ["Carpați Construcții SRL"]


def test_the_progress_panel_shows_the_rows_done_so_far(client, org, owner, settings):
    settings.SMARTCRM_IMPORT_BATCH_ROWS = 1
    run = _committed(org, owner, VALID_ROWS)
    polled = []
    client.force_login(owner)
    url = reverse("imports:import-progress", args=[run.pk])

    def poll(progress: ImportRun) -> None:
        polled.append(client.get(url, **HTMX).content.decode())

    services.import_run(run.pk, on_progress=poll)

    # after the first of two batches, the panel polls on and shows half
    assert 'hx-trigger="every 1s"' in polled[0] and 'aria-valuenow="50"' in polled[0]
    assert "1 of 2 rows" in polled[0]


def test_all_or_nothing_with_a_bad_row_imports_nothing_and_says_why(client, org, owner):
    client.force_login(owner)
    run = _run(_upload(client))
    client.post(reverse("imports:import-commit", args=[run.pk]), {"mode": "all_or_nothing"})

    finish(run.pk)

    html = _page(client, run)
    assert 'data-status="failed"' in html
    assert "nothing was imported" in _testid(html, "import-failure")
    assert Account.objects.count() == 0


def test_a_commit_mode_that_does_not_exist_is_a_422(client, org, owner):
    client.force_login(owner)
    run = _run(_upload(client))

    response = client.post(reverse("imports:import-commit", args=[run.pk]), {"mode": "some"})

    assert response.status_code == 422 and 'id="id_mode_error"' in response.content.decode()
    run.refresh_from_db()
    assert run.status == ImportStatus.PREVIEWED


def test_committing_an_unpreviewed_import_is_refused_with_a_message(client, org, owner):
    client.force_login(owner)
    run = _run(_upload(client, _file([["Firma X"], ["Alfa"]])))

    response = client.post(
        reverse("imports:import-commit", args=[run.pk]), {"mode": "valid_only"}, **HTMX
    )

    assert response.status_code == 409
    assert "Preview%20the%20import" in response["X-Error-Message"]
    run.refresh_from_db()
    assert run.status == ImportStatus.UPLOADED


def test_cancel_stops_the_import_after_the_batch_at_hand(client, org, owner):
    run = _committed(org, owner, VALID_ROWS)
    client.force_login(owner)

    response = client.post(reverse("imports:import-cancel", args=[run.pk]), **HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="import-stopping"' in html and 'hx-trigger="every 1s"' in html
    finish(run.pk)
    run.refresh_from_db()
    assert (run.status, run.created_count) == (ImportStatus.CANCELED, 0)
    assert Account.objects.count() == 0
    assert 'data-status="canceled"' in _page(client, run)


def test_cancelling_a_finished_import_is_a_409_with_the_reason(client, org, owner):
    run = _committed(org, owner)
    finish(run.pk)
    client.force_login(owner)

    response = client.post(reverse("imports:import-cancel", args=[run.pk]), **HTMX)

    assert response.status_code == 409
    assert "queued%20or%20running" in response["X-Error-Message"]


def test_a_failed_import_can_be_resumed(client, org, owner, sales_user):
    run = _committed(org, sales_user, VALID_ROWS)
    # the job fails: the user who started it left the organisation meanwhile
    membership = Membership.objects.get(organization=org, user=sales_user)
    membership_update(org=org, user=owner, membership_id=membership.pk, is_active=False)
    finish(run.pk)
    run.refresh_from_db()
    assert run.status == ImportStatus.FAILED
    client.force_login(owner)
    assert 'data-testid="import-resume"' in _page(client, run)

    response = client.post(reverse("imports:import-resume", args=[run.pk]))

    assert response.status_code == 302
    run.refresh_from_db()
    assert (run.status, run.failure) == (ImportStatus.QUEUED, "")


# --- undo and the rejected rows -------------------------------------------------------------


def test_undo_asks_first_then_takes_the_import_back(client, org, owner):
    run = _committed(org, owner)
    finish(run.pk)
    client.force_login(owner)
    url = reverse("imports:import-undo", args=[run.pk])

    dialog = client.get(url, **HTMX)

    assert dialog.status_code == 200
    assert 'data-testid="import-undo-form"' in dialog.content.decode()
    assert Account.objects.count() == 1

    response = client.post(url, **HTMX)

    assert response.status_code == 204 and response["HX-Redirect"] == reverse(
        "imports:import", args=[run.pk]
    )
    assert Account.objects.count() == 0
    html = _page(client, run)
    assert 'data-status="undone"' in html and 'data-testid="import-undo"' not in html
    assert "1 record(s) deleted" in html


def test_undo_says_on_the_import_page_what_it_kept_and_why(client, org, owner, manager):
    # given an import of two accounts, one of them taken over by a manager since
    run = finish(_committed(org, owner, VALID_ROWS).pk)
    taken = Account.objects.get(name="Carpați Construcții SRL")
    account_update(org=org, user=manager, account_id=taken.pk, owner_id=manager.pk)
    client.force_login(owner)

    # when the importer undoes it from the import page
    response = client.post(reverse("imports:import-undo", args=[run.pk]), **HTMX)

    # then the page tells what was deleted, and how many were kept and why
    assert response.status_code == 204
    html = _page(client, run)
    assert "1 record(s) deleted, 0 restored, 1 kept" in html
    assert "1 now owned by someone else" in html
    assert list(Account.objects.values_list("pk", flat=True)) == [taken.pk]


def test_undoing_twice_is_refused(client, org, owner):
    run = _committed(org, owner)
    finish(run.pk)
    services.import_undo(org=org, user=owner, import_id=run.pk)
    client.force_login(owner)

    response = client.post(reverse("imports:import-undo", args=[run.pk]), **HTMX)

    assert response.status_code == 409
    assert "can%20be%20undone" in response["X-Error-Message"]


def test_the_rejected_rows_download_as_csv_with_their_errors(client, org, owner):
    client.force_login(owner)
    run = _run(_upload(client))

    response = client.get(reverse("imports:import-rejected", args=[run.pk]))

    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == 'attachment; filename="conturi-rejected.csv"'
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(text)))
    assert table[0] == ["Line", "Denumire", "CUI", "Localitate", "Errors"]
    assert table[1][:4] == ["3", "Fără CUI valid", "123", "Iași"]
    assert table[1][4].startswith("CUI:")
    assert len(table) == 2


def test_the_page_shows_the_first_rejected_rows_and_says_how_many_more(client, org, owner):
    rows = [["Denumire", "CUI"]] + [[f"Firma {n}", "123"] for n in range(60)]
    run = preview(org, owner, "accounts", rows)
    client.force_login(owner)

    html = _page(client, run)

    assert html.count('data-testid="import-error-row"') == 50
    assert "The first 50 of 60 rejected rows" in html
    assert 'data-testid="import-rejected-download"' in html


# --- the list, and who sees what -------------------------------------------------------------


def test_the_list_shows_the_imports_newest_first_with_their_counts(client, org, owner, sales_user):
    older = _committed(org, owner)
    finish(older.pk)
    newer = upload(org, sales_user, "accounts", VALID_ROWS)
    client.force_login(sales_user)

    response = client.get(reverse("imports:import-list"))

    html = response.content.decode()
    assert response.status_code == 200
    assert html.index(f'data-id="{newer.pk}"') < html.index(f'data-id="{older.pk}"')
    assert html.count('data-testid="import-row"') == 2
    assert "Ion Ionescu" in html and 'data-testid="new-import"' in html


def test_the_list_filters_by_status(client, org, owner):
    done = _committed(org, owner)
    finish(done.pk)
    upload(org, owner, "accounts", VALID_ROWS)
    client.force_login(owner)

    html = client.get(reverse("imports:import-list"), {"status": "done"}).content.decode()

    assert html.count('data-testid="import-row"') == 1 and f'data-id="{done.pk}"' in html


def test_the_list_loads_more(client, org, owner):
    runs = [upload(org, owner, "accounts", VALID_ROWS) for _ in range(PAGE_SIZE + 2)]
    client.force_login(owner)
    first = client.get(reverse("imports:import-list")).content.decode()
    assert first.count('data-testid="import-row"') == PAGE_SIZE
    start = first.index("?cursor=")
    cursor_query = first[start + 1 : first.index('"', start)].replace("&amp;", "&")

    more = client.get(reverse("imports:import-list") + "?" + cursor_query, **HTMX)

    html = more.content.decode()
    assert html.count('data-testid="import-row"') == 2 and "<html" not in html
    assert f'data-id="{runs[0].pk}"' in html


def test_an_empty_list_says_what_to_do(client, org, owner):
    client.force_login(owner)

    html = client.get(reverse("imports:import-list")).content.decode()

    assert "No imports yet" in html and reverse("imports:import-new") in html


def _list_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("imports:import-list"))
    assert response.status_code == 200
    return len(queries.captured_queries)


def test_the_list_query_count_does_not_grow_with_imports(client, org, owner, sales_user):
    client.force_login(owner)
    for user in (owner, sales_user):
        upload(org, user, "accounts", VALID_ROWS)
    few = _list_queries(client)
    for n in range(18):
        upload(org, sales_user if n % 2 else owner, "accounts", VALID_ROWS)

    many = _list_queries(client)

    assert many == few


def test_the_progress_poll_is_a_fixed_small_number_of_queries(client, org, owner):
    run = _committed(org, owner)
    client.force_login(owner)

    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("imports:import-progress", args=[run.pk]), **HTMX)

    # session, user, membership (the layout's context is not rendered for a partial)
    # and the import itself, its columns and report left unread
    assert len(queries.captured_queries) <= 4
    assert '"headers"' not in queries.captured_queries[-1]["sql"]


@pytest.mark.parametrize("role", ["owner", "manager", "sales_user"])
def test_every_member_sees_the_pages(client, org, owner, request, role):
    run = _committed(org, owner)
    finish(run.pk)
    client.force_login(request.getfixturevalue(role))

    for url in (
        reverse("imports:import-list"),
        reverse("imports:import-new"),
        reverse("imports:import", args=[run.pk]),
        reverse("imports:import-progress", args=[run.pk]),
    ):
        assert client.get(url).status_code == 200, url


def test_another_organisations_import_is_a_404_everywhere(
    client, org, owner, other_org, other_owner
):
    theirs = _committed(other_org, other_owner)
    finish(theirs.pk)
    client.force_login(owner)

    for method, name in (
        ("get", "imports:import"),
        ("get", "imports:import-progress"),
        ("get", "imports:import-rejected"),
        ("get", "imports:import-undo"),
        ("post", "imports:import-preview"),
        ("post", "imports:import-commit"),
        ("post", "imports:import-template"),
        ("post", "imports:import-cancel"),
        ("post", "imports:import-resume"),
        ("post", "imports:import-undo"),
    ):
        response = getattr(client, method)(reverse(name, args=[theirs.pk]))
        assert response.status_code == 404, name
    assert Account.objects.filter(organization=other_org).count() == 1
    assert (
        f'data-id="{theirs.pk}"' not in client.get(reverse("imports:import-list")).content.decode()
    )


def test_the_pages_need_a_login(client, org, owner):
    run = upload(org, owner, "accounts", VALID_ROWS)

    response = client.get(reverse("imports:import", args=[run.pk]))

    assert response.status_code == 302 and "login" in response["Location"]


def test_the_pages_speak_romanian_by_default(client, org, owner):
    organization_update(org=org, user=owner, language="ro")
    user_set_language(user=owner, language="")  # follows the organisation
    run = upload(org, owner, "accounts", VALID_ROWS)
    client.force_login(owner)

    html = client.get(reverse("imports:import", args=[run.pk])).content.decode()

    assert '<html lang="ro">' in html and "Toate importurile" in html
    # dates in the Romanian short format (dd.mm.yyyy)
    assert run.created_at.astimezone(ZoneInfo("Europe/Bucharest")).strftime("%d.%m.%Y") in html


def test_the_sidebar_links_to_the_imports(client, org, owner):
    client.force_login(owner)

    html = client.get(reverse("imports:import-list")).content.decode()

    assert f'href="{reverse("imports:import-list")}"' in html
