"""REST API of imports: upload (202, the preview queued), commit, progress, cancel, undo,
rejected rows, templates; the size limit; another organisation's import is a 404."""

from __future__ import annotations

import base64
import csv
import io

from smartcrm.api.tests.helpers import ApiClient
from smartcrm.contacts.models import Contact
from smartcrm.imports.models import ImportRun
from smartcrm.imports.tests.factories import csv_bytes, run_import, run_worker
from smartcrm.sales.models import Account

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
PROBLEM = "application/problem+json"


def _upload(api, rows=ROWS, fmt="semicolon", **extra):
    body = {
        "kind": "accounts",
        "file_name": "conturi.csv",
        "content_base64": base64.b64encode(csv_bytes(rows, fmt)).decode(),
        **extra,
    }
    return api.post("/api/v1/imports", body)


def test_upload_previews_and_commit_imports_the_valid_rows(org, owner):
    api = ApiClient(org, owner)
    # when a file is uploaded
    response = _upload(api)
    # then it is accepted, its mapping proposed, and its preview queued for the worker
    assert response.status_code == 202, response.content
    run = response.json()
    assert response["Location"] == run["status_url"] == f"/api/v1/imports/{run['id']}"
    assert (run["status"], run["preview"], run["delimiter"]) == ("previewing", None, ";")
    assert run["mapping"] == {"Denumire": "name", "CUI": "cui", "Localitate": "locality"}
    # when the worker runs the preview job
    run_worker()
    # then the status URL shows the preview: counts, nothing written
    run = api.get(run["status_url"]).json()
    assert run["status"] == "previewed"
    assert run["preview"] == {"total": 2, "create": 1, "update": 0, "unchanged": 0, "rejected": 1}
    assert Account.objects.count() == 0
    rejected = api.get(f"/api/v1/imports/{run['id']}/rejected-rows").json()
    assert [(r["row_number"], r["errors"][0]["field"]) for r in rejected] == [(3, "cui")]
    # when it is committed, and the worker runs the job
    response = api.post(f"/api/v1/imports/{run['id']}/commit", {"mode": "valid_only"})
    assert response.status_code == 202 and response.json()["status"] == "queued"
    run_worker()
    # then the status shows the progress and counts
    status = api.get(f"/api/v1/imports/{run['id']}").json()
    assert (status["status"], status["progress_percent"], status["created_count"]) == (
        "done",
        100,
        1,
    )
    assert list(Account.objects.values_list("name", flat=True)) == ["Carpați Construcții SRL"]
    # and the rejected rows download as CSV with an error column
    download = api.get(f"/api/v1/imports/{run['id']}/rejected-rows.csv")
    assert download.status_code == 200 and download["Content-Type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(b"".join(download.streaming_content).decode("utf-8-sig"))))
    assert table[0] == ["Line", "Denumire", "CUI", "Localitate", "Errors"]
    assert table[1][:4] == ["3", "Fără CUI valid", "123", "Iași"] and table[1][4].startswith("CUI:")
    # and undo takes it back
    response = api.post(f"/api/v1/imports/{run['id']}/undo")
    assert response.json() == {
        "deleted": 1,
        "restored": 0,
        "kept": 0,
        "kept_because": {"other_owner": 0, "history": 0, "in_use": 0, "changed": 0},
    }
    assert Account.objects.count() == 0


def test_undo_keeps_and_reports_the_records_someone_else_took_over(org, owner, sales_user, manager):
    # given a sales user's import of two accounts, one of them then taken over by a manager
    run = run_import(org, sales_user, "accounts", VALID_ROWS)
    taken = Account.objects.get(name="Carpați Construcții SRL")
    ApiClient(org, manager).patch(f"/api/v1/accounts/{taken.pk}", {"owner_id": str(manager.pk)})
    ApiClient(org, manager).post(
        "/api/v1/contacts", {"account_id": str(taken.pk), "last_name": "Pop"}
    )

    # when the importer undoes the import
    response = ApiClient(org, sales_user).post(f"/api/v1/imports/{run.pk}/undo")

    # then the other account is deleted, the one taken over is kept and reported as such
    assert response.status_code == 200, response.content
    assert response.json() == {
        "deleted": 1,
        "restored": 0,
        "kept": 1,
        "kept_because": {"other_owner": 1, "history": 0, "in_use": 0, "changed": 0},
    }
    assert list(Account.objects.values_list("pk", flat=True)) == [taken.pk]
    assert Contact.objects.get().account_id == taken.pk


def test_an_incomplete_mapping_is_reported_then_fixed_by_a_new_preview(org, owner):
    api = ApiClient(org, owner)
    run = _upload(api, rows=[["Firma X", "Cod Y"], ["Alfa", ""]]).json()
    assert run["status"] == "uploaded"
    assert run["mapping_issues"][0]["field"] == "mapping"
    response = api.post(
        f"/api/v1/imports/{run['id']}/preview", {"mapping": {"Firma X": "name"}, "key": ""}
    )
    assert response.status_code == 202 and response.json()["status"] == "previewing"
    # a second preview while the first runs is refused (409), the mapping kept
    response = api.post(f"/api/v1/imports/{run['id']}/preview", {"mapping": {"Cod Y": "name"}})
    assert response.status_code == 409 and response.json()["code"] == "import_previewing"
    run_worker()
    assert api.get(f"/api/v1/imports/{run['id']}").json()["preview"]["create"] == 1
    response = api.post(f"/api/v1/imports/{run['id']}/preview", {"mapping": {"Nope": "name"}})
    # a bad mapping is a 422 naming it, and the import keeps the previous one
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "mapping"
    assert api.get(f"/api/v1/imports/{run['id']}").json()["mapping"] == {"Firma X": "name"}


def test_bad_base64_is_a_422_naming_the_field(org, owner):
    api = ApiClient(org, owner)
    response = api.post(
        "/api/v1/imports", {"kind": "accounts", "file_name": "x.csv", "content_base64": "***"}
    )
    assert response.status_code == 422 and response["Content-Type"] == PROBLEM
    assert response.json()["errors"][0]["field"] == "content_base64"


def test_a_file_over_the_limit_is_a_413_naming_file_and_the_limit(org, owner, settings):
    settings.SMARTCRM_IMPORT_MAX_BYTES = 100
    api = ApiClient(org, owner)
    content = csv_bytes([["Denumire"], ["Alfa SRL"], ["Beta SRL"], ["x" * 69]])
    assert len(content) == 101
    # when a file one byte over the limit is uploaded
    response = _upload(api, rows=[["Denumire"], ["Alfa SRL"], ["Beta SRL"], ["x" * 69]])
    # then it is refused, naming the field and the limit, and nothing is kept
    assert response.status_code == 413 and response["Content-Type"] == PROBLEM
    problem = response.json()
    assert (problem["code"], problem["errors"][0]["field"]) == ("too_large", "file")
    assert problem["detail"] == "The file (101\xa0bytes) is larger than the limit of 100\xa0bytes."
    assert ImportRun.objects.count() == 0


def test_a_file_at_the_limit_is_accepted(org, owner, settings):
    settings.SMARTCRM_IMPORT_MAX_BYTES = 101
    response = _upload(
        ApiClient(org, owner), rows=[["Denumire"], ["Alfa SRL"], ["Beta SRL"], ["x" * 69]]
    )
    assert response.status_code == 202 and response.json()["file_size"] == 101


def test_a_body_too_large_to_read_is_a_413_naming_file(org, owner, settings):
    settings.SMARTCRM_IMPORT_MAX_BYTES = 100
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = _upload(ApiClient(org, owner), rows=[["Denumire"], ["x" * 2000]])
    assert response.status_code == 413 and response["Content-Type"] == PROBLEM
    problem = response.json()
    assert problem["errors"][0]["field"] == "file"
    assert problem["detail"] == "The file is larger than the limit of 100\xa0bytes."


def test_a_file_in_another_encoding_is_a_422_naming_the_encoding(org, owner):
    content = b"Denumire\nAlfa\n" + "Ţesătoria SRL\n".encode("windows-1250") * 7000
    response = ApiClient(org, owner).post(
        "/api/v1/imports",
        {
            "kind": "accounts",
            "file_name": "conturi.csv",
            "content_base64": base64.b64encode(content).decode(),
            "encoding": "utf-8",
        },
    )
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "encoding"
    assert ImportRun.objects.count() == 0


def test_templates_crud(org, owner):
    api = ApiClient(org, owner)
    response = api.post(
        "/api/v1/import-templates",
        {"name": "ERP", "kind": "accounts", "mapping": {"Firma": "name"}, "key": ""},
    )
    assert response.status_code == 201
    template_id = response.json()["id"]
    assert api.get("/api/v1/import-templates").json()["items"][0]["name"] == "ERP"
    response = api.patch(f"/api/v1/import-templates/{template_id}", {"name": "ERP 2"})
    assert response.json()["name"] == "ERP 2"
    assert api.delete(f"/api/v1/import-templates/{template_id}").status_code == 204


def test_another_organisations_import_is_a_404(org, owner, other_org, other_owner):
    theirs = _upload(ApiClient(other_org, other_owner)).json()
    api = ApiClient(org, owner)
    for method, path in (
        ("GET", ""),
        ("POST", "/commit"),
        ("POST", "/undo"),
        ("POST", "/cancel"),
        ("GET", "/rejected-rows.csv"),
    ):
        response = api.call(
            method, f"/api/v1/imports/{theirs['id']}{path}", {} if method == "POST" else None
        )
        assert response.status_code == 404, (path, response.content)
