"""Imports: preview and commit of every kind from every format, the error report, upsert,
all-or-nothing, valid-only, undo, re-runs, cancel, permissions and tenancy."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.utils import timezone

from smartcrm.activities.models import Activity
from smartcrm.activities.services import activity_create
from smartcrm.catalog.models import Product
from smartcrm.catalog.services import product_create
from smartcrm.contacts.models import Contact
from smartcrm.contacts.services import contact_create, offer_contacts_set
from smartcrm.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from smartcrm.core.models import SearchEntry
from smartcrm.core.search import search
from smartcrm.imports import selectors, services
from smartcrm.imports.choices import ImportStatus
from smartcrm.imports.models import ImportRun
from smartcrm.imports.tests.factories import (
    FORMATS,
    csv_bytes,
    finish,
    preview,
    run_import,
    upload,
)
from smartcrm.notes.models import Note
from smartcrm.notes.services import note_create
from smartcrm.sales import services as sales
from smartcrm.sales.models import Account, Prospect, RecordEvent
from smartcrm.tasks.models import Task
from smartcrm.tasks.services import task_create

CUI_A, CUI_B, CUI_C = "10000113", "10000229", "10000334"

PROSPECT_ROWS = [
    ["Prenume", "Nume", "Firmă", "E-mail", "Telefon", "CUI", "Județ"],
    [
        "Ștefan",
        "Țăranu",
        "Țesătoria Mureș SRL",
        "stefan@tesatoria.ro",
        "0722 123 456",
        f"RO{CUI_A}",
        "Mureș",
    ],
    ["Ioana", "Bălan", "", "IOANA@exemplu.ro", "0733 000 111", "", "București"],
]
ACCOUNT_ROWS = [
    ["Denumire", "CUI", "Localitate", "Județ", "E-mail"],
    ["Carpați Construcții SRL", f"RO {CUI_A}", "Brașov", "BV", "office@carpati.ro"],
    ["Dunărea Logistic SA", CUI_B, "Galați", "Galați", ""],
]
CONTACT_ROWS = [
    ["Prenume", "Nume", "E-mail", "Funcție", "CUI client"],
    ["Mihai", "Șerban", "mihai@carpati.ro", "Director vânzări", CUI_A],
    ["Ana", "Niță", "ana@carpati.ro", "Contabil șef", f"RO{CUI_A}"],
]
PRODUCT_ROWS = [
    ["Cod", "Denumire", "UM", "Preț", "Monedă", "Cotă TVA"],
    ["lic-01", "Licență anuală", "buc", "1.234,50", "RON", "21"],
    ["SRV-02", "Instalare și configurare", "oră", "250", "EUR", "21%"],
]

# An undo's kept records, by why they were kept.
NOTHING_KEPT = {"other_owner": 0, "history": 0, "in_use": 0, "changed": 0}


def _company_account(org, owner):
    return sales.account_create(org=org, user=owner, name="Carpați Construcții SRL", cui=CUI_A)


# --- preview and commit of each kind from each format ---------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_prospects_preview_writes_nothing_and_commit_imports_them(org, owner, fmt):
    # when the file is previewed
    run = preview(org, owner, "prospects", PROSPECT_ROWS, fmt)
    # then it counts two to create and writes nothing
    assert run.preview == {"total": 2, "create": 2, "update": 0, "unchanged": 0, "rejected": 0}
    assert Prospect.objects.count() == 0
    # when it is committed
    services.import_commit(org=org, user=owner, import_id=run.pk)
    run = finish(run.pk)
    # then both prospects exist, with normalised text, keys, search rows and timeline
    assert (run.status, run.created_count) == (ImportStatus.DONE, 2)
    company = Prospect.objects.get(cui=CUI_A)
    assert company.company_name == "Țesătoria Mureș SRL"
    assert (company.first_name, company.last_name) == ("Ștefan", "Țăranu")
    assert (company.kind, company.county, company.owner) == ("company", "MS", owner)
    assert company.phone_e164 == "+40722123456"
    person = Prospect.objects.get(email_normalized="ioana@exemplu.ro")
    assert (person.kind, person.county, person.last_name) == ("person", "B", "Bălan")
    hits, _cursor = search(org=org, q="tesatoria")
    assert [hit.object_id for hit in hits] == [company.pk]
    assert RecordEvent.objects.filter(prospect=company, kind="created").count() == 1


@pytest.mark.parametrize("fmt", FORMATS)
def test_accounts_import_by_cui(org, owner, fmt):
    run = preview(org, owner, "accounts", ACCOUNT_ROWS, fmt)
    assert run.key == "cui"
    assert run.preview["create"] == 2 and Account.objects.count() == 0
    services.import_commit(org=org, user=owner, import_id=run.pk)
    run = finish(run.pk)
    assert run.created_count == 2
    carpati = Account.objects.get(cui=CUI_A)
    assert (carpati.name, carpati.vat_payer, carpati.county) == (
        "Carpați Construcții SRL",
        True,
        "BV",
    )
    assert Account.objects.get(cui=CUI_B).county == "GL"
    assert SearchEntry.objects.filter(kind="account").count() == 2


@pytest.mark.parametrize("fmt", FORMATS)
def test_contacts_import_into_the_account_named_by_its_cui(org, owner, fmt):
    account = _company_account(org, owner)
    run = preview(org, owner, "contacts", CONTACT_ROWS, fmt)
    assert run.mapping["CUI client"] == "account_cui"
    assert run.preview["create"] == 2 and Contact.objects.count() == 0
    services.import_commit(org=org, user=owner, import_id=run.pk)
    run = finish(run.pk)
    assert run.created_count == 2
    assert set(Contact.objects.values_list("account_id", "last_name", "job_title")) == {
        (account.pk, "Șerban", "Director vânzări"),
        (account.pk, "Niță", "Contabil șef"),
    }
    assert SearchEntry.objects.filter(kind="contact").count() == 2


@pytest.mark.parametrize("fmt", FORMATS)
def test_products_import_with_romanian_numbers(org, owner, fmt):
    run = preview(org, owner, "products", PRODUCT_ROWS, fmt)
    assert run.preview["create"] == 2 and Product.objects.count() == 0
    services.import_commit(org=org, user=owner, import_id=run.pk)
    run = finish(run.pk)
    assert run.created_count == 2
    licence = Product.objects.get(code="LIC-01")
    assert (licence.price, licence.currency, licence.vat_rate) == (
        Decimal("1234.5000"),
        "RON",
        Decimal("21.00"),
    )
    assert Product.objects.get(code="SRV-02").unit == "oră"


def test_windows_1250_is_detected_and_cedillas_become_commas(org, owner):
    run = upload(org, owner, "prospects", PROSPECT_ROWS, "windows1250")
    assert run.encoding == "windows-1250"
    assert "Județ" in run.headers  # the header is read with comma-below letters too


def test_a_chosen_encoding_and_delimiter_are_used(org, owner):
    content = csv_bytes(PROSPECT_ROWS, "semicolon").decode().encode("iso-8859-2", errors="replace")
    run = services.import_upload(
        org=org,
        user=owner,
        kind="prospects",
        file_name="x.csv",
        content=content,
        encoding="iso-8859-2",
        delimiter=";",
    )
    assert (run.encoding, run.delimiter, len(run.headers)) == ("iso-8859-2", ";", 7)


def test_mapping_is_proposed_from_hubspot_pipedrive_and_salesforce_headers(org, owner):
    hubspot = [
        "First Name",
        "Last Name",
        "Company Name",
        "Email",
        "Phone Number",
        "City",
        "State/Region",
        "Postal Code",
        "Country/Region",
        "Website URL",
        "Original Source",
    ]
    run = upload(
        org, owner, "prospects", [hubspot, ["Ion", "Pop", "", "i@x.ro", "", "", "", "", "", "", ""]]
    )
    assert run.mapping == {
        "First Name": "first_name",
        "Last Name": "last_name",
        "Company Name": "company_name",
        "Email": "email",
        "Phone Number": "phone",
        "City": "locality",
        "State/Region": "county",
        "Postal Code": "postal_code",
        "Country/Region": "country",
        "Website URL": "website",
        "Original Source": "source",
    }
    pipedrive = ["Person - Name", "Person - Email", "Organization - Name", "Person - Phone"]
    run = upload(org, owner, "contacts", [pipedrive, ["Ion Pop", "i@x.ro", "Alfa", "0722"]])
    assert run.mapping == {
        "Person - Name": "full_name",
        "Person - Email": "email",
        "Organization - Name": "account_name",
        "Person - Phone": "phone",
    }
    salesforce = [
        "Account Name",
        "Billing Street",
        "Billing City",
        "Billing Zip/Postal Code",
        "Industry",
    ]
    run = upload(org, owner, "accounts", [salesforce, ["Alfa", "Str. X", "Cluj", "400001", "IT"]])
    assert set(run.mapping.values()) == {"name", "address", "locality", "postal_code", "industry"}


# --- the error report ------------------------------------------------------------------------


def test_preview_reports_each_bad_row_with_its_fields_and_columns(org, owner):
    rows = [
        PROSPECT_ROWS[0],
        PROSPECT_ROWS[1],
        ["Dan", "Pop", "", "nu-este-email", "", "RO123", "XX"],
        ["", "", "", "fara.nume@x.ro", "", "", ""],
        ["Ion", "Ilie", "", "STEFAN@tesatoria.ro", "", "", ""],
    ]
    run = preview(org, owner, "prospects", rows)
    assert run.preview == {"total": 4, "create": 1, "update": 0, "unchanged": 0, "rejected": 3}
    report = {row.row_number: row.errors for row in selectors.rejected_rows(run=run)}
    assert sorted(report) == [3, 4, 5]
    assert {(e["field"], e["column"]) for e in report[3]} == {
        ("county", "Județ"),
        ("email", "E-mail"),
        ("cui", "CUI"),
    }
    assert [(e["field"], e["code"]) for e in report[4]] == [("last_name", "required")]
    assert report[5][0]["code"] == "duplicate_row" and "row 2" in report[5][0]["message"]
    assert Prospect.objects.count() == 0


def test_rejected_rows_download_has_the_cells_and_an_error_column(org, owner):
    rows = [PROSPECT_ROWS[0], ["Dan", "Pop", "", "nu-este-email", "", "", ""]]
    run = preview(org, owner, "prospects", rows)
    text = "".join(selectors.rejected_rows_csv(run=run)).lstrip("\ufeff")
    table = list(csv.reader(io.StringIO(text)))
    assert table[0] == ["Line", *PROSPECT_ROWS[0], "Errors"]
    assert table[1][:8] == ["2", "Dan", "Pop", "", "nu-este-email", "", "", ""]
    assert table[1][8].startswith("E-mail: ")


def test_rejected_rows_download_neutralises_formulas_in_every_cell(org, owner):
    header = [*PROSPECT_ROWS[0][:-1], "=cmd|' /C calc'!A0"]
    rows = [header, ['=HYPERLINK("http://x.example","y")', "+Pop", "", "@SUM(1)", "", "", "-2"]]
    run = preview(org, owner, "prospects", rows)

    text = "".join(selectors.rejected_rows_csv(run=run)).lstrip("\ufeff")

    table = list(csv.reader(io.StringIO(text)))
    assert table[0][-2] == "'=cmd|' /C calc'!A0"
    assert table[1][:8] == [
        "2", "'=HYPERLINK(\"http://x.example\",\"y\")", "'+Pop", "", "'@SUM(1)", "", "", "'-2",
    ]  # fmt: skip
    assert table[1][8].startswith("E-mail: ")


def test_after_the_import_each_rejected_line_is_reported_once(org, owner):
    rows = [PROSPECT_ROWS[0], ["Dan", "Pop", "", "nu-este-email", "", "", ""]]
    run = run_import(org, owner, "prospects", rows)
    assert run.rejected_count == 1
    assert [row.row_number for row in selectors.rejected_rows(run=run)] == [2]


def test_a_mapping_without_the_required_fields_is_refused_naming_the_mapping(org, owner):
    run = upload(org, owner, "accounts", ACCOUNT_ROWS)
    with pytest.raises(ValidationFailed) as error:
        services.import_preview(org=org, user=owner, import_id=run.pk, mapping={"CUI": "cui"})
    assert error.value.field == "mapping" and error.value.code == "required"
    with pytest.raises(ValidationFailed) as error:
        services.import_preview(
            org=org, user=owner, import_id=run.pk, mapping={"Denumire": "name", "Nope": "cui"}
        )
    assert error.value.field == "mapping"


def test_a_file_that_is_not_a_table_is_a_clear_error(org, owner):
    with pytest.raises(ValidationFailed) as error:
        services.import_upload(
            org=org, user=owner, kind="prospects", file_name="x.xlsx", content=b"not a workbook"
        )
    assert error.value.field == "file"
    with pytest.raises(ValidationFailed) as error:
        services.import_upload(org=org, user=owner, kind="nope", file_name="x.csv", content=b"a")
    assert error.value.field == "kind"


# --- upsert, modes, undo, re-runs ---------------------------------------------------------


def test_upsert_updates_the_existing_record_instead_of_duplicating(org, owner):
    existing = sales.prospect_create(
        org=org, user=owner, company_name="Vechi SRL", email="Stefan@Tesatoria.ro", locality="Arad"
    )
    run = run_import(org, owner, "prospects", PROSPECT_ROWS)
    assert (run.created_count, run.updated_count) == (1, 1)
    existing.refresh_from_db()
    assert existing.company_name == "Țesătoria Mureș SRL"
    assert existing.locality == "Arad"  # a column the file does not have is left alone
    assert existing.version == 2
    assert Prospect.objects.count() == 2
    event = RecordEvent.objects.get(prospect=existing, kind="updated")
    assert "company_name" in event.data["fields"]
    hits, _cursor = search(org=org, q="tesatoria")
    assert [hit.object_id for hit in hits] == [existing.pk]


def test_a_rerun_of_the_same_file_changes_nothing(org, owner):
    run_import(org, owner, "prospects", PROSPECT_ROWS)
    before = sorted(Prospect.objects.values_list("pk", "version", "updated_at"))
    events = RecordEvent.objects.count()
    again = run_import(org, owner, "prospects", PROSPECT_ROWS)
    assert (again.created_count, again.updated_count, again.unchanged_count) == (0, 0, 2)
    assert sorted(Prospect.objects.values_list("pk", "version", "updated_at")) == before
    assert RecordEvent.objects.count() == events


def test_products_rerun_by_code_changes_nothing(org, owner):
    run_import(org, owner, "products", PRODUCT_ROWS)
    again = run_import(org, owner, "products", PRODUCT_ROWS, "xlsx")
    assert (again.created_count, again.updated_count, again.unchanged_count) == (0, 0, 2)


def test_all_or_nothing_leaves_nothing_on_one_bad_row(org, owner):
    rows = [*ACCOUNT_ROWS, ["", CUI_C, "Iași", "IS", ""]]
    run = run_import(org, owner, "accounts", rows, mode="all_or_nothing")
    assert run.status == ImportStatus.FAILED
    assert "nothing was imported" in run.failure
    assert Account.objects.count() == 0
    assert SearchEntry.objects.count() == 0
    assert [r.row_number for r in selectors.rejected_rows(run=run)] == [4]


def test_valid_only_writes_exactly_the_valid_rows(org, owner):
    rows = [*ACCOUNT_ROWS, ["", CUI_C, "Iași", "IS", ""], ["Fără CUI valid", "123", "", "", ""]]
    run = run_import(org, owner, "accounts", rows, mode="valid_only")
    assert (run.status, run.created_count, run.rejected_count) == (ImportStatus.DONE, 2, 2)
    assert set(Account.objects.values_list("cui", flat=True)) == {CUI_A, CUI_B}


def test_all_or_nothing_imports_everything_when_every_row_is_valid(org, owner):
    run = run_import(org, owner, "accounts", ACCOUNT_ROWS, mode="all_or_nothing")
    assert (run.status, run.created_count) == (ImportStatus.DONE, 2)


def test_undo_deletes_what_was_created_and_restores_what_was_updated(org, owner):
    existing = sales.prospect_create(
        org=org, user=owner, company_name="Vechi SRL", email="stefan@tesatoria.ro"
    )
    run = run_import(org, owner, "prospects", PROSPECT_ROWS)
    summary = services.import_undo(org=org, user=owner, import_id=run.pk)
    assert summary == {"deleted": 1, "restored": 1, "kept": 0, "kept_because": NOTHING_KEPT}
    assert list(Prospect.objects.values_list("pk", flat=True)) == [existing.pk]
    existing.refresh_from_db()
    assert existing.company_name == "Vechi SRL" and existing.cui == ""
    hits, _cursor = search(org=org, q="tesatoria mures")
    assert hits == []
    assert SearchEntry.objects.filter(kind="prospect").count() == 1
    run.refresh_from_db()
    assert run.status == ImportStatus.UNDONE
    with pytest.raises(Conflict):
        services.import_undo(org=org, user=owner, import_id=run.pk)


def test_undo_keeps_a_record_changed_since(org, owner):
    existing = sales.prospect_create(
        org=org, user=owner, company_name="Vechi SRL", email="stefan@tesatoria.ro"
    )
    run = run_import(org, owner, "prospects", PROSPECT_ROWS)
    sales.prospect_update(org=org, user=owner, prospect_id=existing.pk, locality="Sibiu")
    summary = services.import_undo(org=org, user=owner, import_id=run.pk)
    assert summary == {
        "deleted": 1,
        "restored": 0,
        "kept": 1,
        "kept_because": {**NOTHING_KEPT, "changed": 1},
    }
    existing.refresh_from_db()
    assert (existing.company_name, existing.locality) == ("Țesătoria Mureș SRL", "Sibiu")


def _imported_prospects(org, user):
    """Import the two prospects of PROSPECT_ROWS; returns the run, the company, the person."""
    run = run_import(org, user, "prospects", PROSPECT_ROWS)
    company = Prospect.objects.get(company_name="Țesătoria Mureș SRL")
    person = Prospect.objects.get(last_name="Bălan")
    return run, company, person


def test_undo_keeps_a_created_record_someone_else_took_over_and_worked_on(
    org, owner, sales_user, manager
):
    # given a sales user's import of two prospects
    run, taken, untouched = _imported_prospects(org, sales_user)
    # and a manager who took one of them over and worked on it
    sales.prospect_update(org=org, user=manager, prospect_id=taken.pk, owner_id=manager.pk)
    contact_create(org=org, user=manager, prospect_id=taken.pk, last_name="Pop")
    note_create(org=org, user=manager, prospect_id=taken.pk, body="Vrea ofertă în mai")
    activity_create(
        org=org,
        user=manager,
        prospect_id=taken.pk,
        kind="call",
        subject="Primul apel",
        start_at=timezone.now(),
    )

    # when the importer undoes the import
    summary = services.import_undo(org=org, user=sales_user, import_id=run.pk)

    # then only the untouched prospect is deleted; the other stays, with all added to it
    assert summary == {
        "deleted": 1,
        "restored": 0,
        "kept": 1,
        "kept_because": {**NOTHING_KEPT, "other_owner": 1},
    }
    assert list(Prospect.objects.values_list("pk", flat=True)) == [taken.pk]
    assert Prospect.objects.get(pk=taken.pk).owner_id == manager.pk
    assert (Contact.objects.count(), Note.objects.count(), Activity.objects.count()) == (1, 1, 1)
    assert not Prospect.objects.filter(pk=untouched.pk).exists()
    assert ImportRun.objects.get(pk=run.pk).status == ImportStatus.UNDONE


def test_undo_keeps_a_created_record_that_others_added_to(org, owner, sales_user):
    # given an import whose prospect, still the importer's, got a task from a colleague
    run, worked_on, _person = _imported_prospects(org, owner)
    task_create(org=org, user=sales_user, prospect_id=worked_on.pk, title="Sună-l")

    summary = services.import_undo(org=org, user=owner, import_id=run.pk)

    assert (summary["deleted"], summary["kept"]) == (1, 1)
    assert summary["kept_because"] == {**NOTHING_KEPT, "in_use": 1}
    assert list(Prospect.objects.values_list("pk", flat=True)) == [worked_on.pk]
    assert Task.objects.get().prospect_id == worked_on.pk


def test_undo_keeps_a_created_record_edited_since(org, owner):
    run, edited, _person = _imported_prospects(org, owner)
    sales.prospect_update(org=org, user=owner, prospect_id=edited.pk, locality="Sibiu")

    summary = services.import_undo(org=org, user=owner, import_id=run.pk)

    assert summary["kept_because"] == {**NOTHING_KEPT, "changed": 1}
    assert list(Prospect.objects.values_list("pk", flat=True)) == [edited.pk]


def test_undo_keeps_a_created_record_handed_over_and_given_back(org, owner, sales_user):
    """Owned by the importer again, but it was someone else's meanwhile: changed since."""
    run, returned, _person = _imported_prospects(org, owner)
    sales.prospect_update(org=org, user=owner, prospect_id=returned.pk, owner_id=sales_user.pk)
    sales.prospect_update(org=org, user=sales_user, prospect_id=returned.pk, owner_id=owner.pk)

    summary = services.import_undo(org=org, user=owner, import_id=run.pk)

    assert summary["kept_because"] == {**NOTHING_KEPT, "changed": 1}
    assert Prospect.objects.filter(pk=returned.pk).exists()


def test_undo_keeps_an_imported_contact_chosen_on_an_offer(org, owner):
    account = _company_account(org, owner)
    run = run_import(org, owner, "contacts", CONTACT_ROWS)
    chosen = Contact.objects.get(email="mihai@carpati.ro")
    offer = sales.offer_create(org=org, user=owner, account_id=account.pk, title="Ofertă")
    offer_contacts_set(org=org, user=owner, offer_id=offer.pk, contact_ids=[chosen.pk])

    summary = services.import_undo(org=org, user=owner, import_id=run.pk)

    assert (summary["deleted"], summary["kept_because"]) == (1, {**NOTHING_KEPT, "in_use": 1})
    assert list(Contact.objects.values_list("pk", flat=True)) == [chosen.pk]


def test_undo_counts_converted_prospects_as_history(org, owner):
    run, converted, _person = _imported_prospects(org, owner)
    sales.prospect_qualify(org=org, user=owner, prospect_id=converted.pk)
    sales.prospect_convert(org=org, user=owner, prospect_id=converted.pk)

    summary = services.import_undo(org=org, user=owner, import_id=run.pk)

    assert summary["kept_because"] == {**NOTHING_KEPT, "history": 1}
    assert Prospect.objects.filter(pk=converted.pk).exists()


def test_cancel_stops_between_batches(org, owner, settings):
    settings.SMARTCRM_IMPORT_BATCH_ROWS = 1
    run = preview(org, owner, "accounts", ACCOUNT_ROWS)
    services.import_commit(org=org, user=owner, import_id=run.pk)
    services.import_cancel(org=org, user=owner, import_id=run.pk)
    run = finish(run.pk)
    assert (run.status, Account.objects.count()) == (ImportStatus.CANCELED, 0)


def test_progress_is_saved_after_each_batch(org, owner, settings):
    settings.SMARTCRM_IMPORT_BATCH_ROWS = 1
    run = preview(org, owner, "accounts", ACCOUNT_ROWS)
    services.import_commit(org=org, user=owner, import_id=run.pk)
    seen = []
    services.import_run(run.pk, on_progress=lambda r: seen.append((r.processed_rows, r.total_rows)))
    assert seen == [(1, 2), (2, 2)]


# --- templates, permissions, tenancy -------------------------------------------------------


def test_a_saved_template_maps_the_next_file(org, owner):
    run = upload(org, owner, "accounts", [["Firma X", "Cod fiscal Y"], ["Alfa", CUI_A]])
    template = services.import_template_create(
        org=org,
        user=owner,
        kind="accounts",
        name="Export ERP",
        mapping={"Firma X": "name", "Cod fiscal Y": "cui"},
        key="cui",
    )
    run = upload(
        org,
        owner,
        "accounts",
        [["Firma X", "Cod fiscal Y"], ["Alfa", CUI_A]],
        template_id=template.pk,
    )
    assert (run.mapping, run.key) == ({"Firma X": "name", "Cod fiscal Y": "cui"}, "cui")
    with pytest.raises(ValidationFailed) as error:
        services.import_template_create(
            org=org, user=owner, kind="accounts", name="export erp", mapping={}
        )
    assert error.value.field == "name"


def test_products_need_a_manager(org, owner, sales_user):
    with pytest.raises(Forbidden):
        upload(org, sales_user, "products", PRODUCT_ROWS)


def test_another_organisations_import_is_not_found(org, owner, other_org, other_owner):
    run = upload(other_org, other_owner, "accounts", ACCOUNT_ROWS)
    for call in (
        services.import_preview,
        services.import_commit,
        services.import_cancel,
        services.import_undo,
    ):
        with pytest.raises(NotFound):
            call(org=org, user=owner, import_id=run.pk)
    with pytest.raises(NotFound):
        selectors.import_get(org=org, import_id=run.pk)
    assert ImportRun.objects.get(pk=run.pk).status == ImportStatus.UPLOADED


def test_preview_queries_do_not_grow_with_the_rows(org, owner, django_assert_max_num_queries):
    account = _company_account(org, owner)
    rows = [CONTACT_ROWS[0]] + [
        [f"Ion{n}", f"Pop{n}", f"ion{n}@x.ro", "", account.cui] for n in range(60)
    ]
    run = upload(org, owner, "contacts", rows)
    # the mapping taken and the job's start, progress (once a batch) and report among them
    with django_assert_max_num_queries(24):
        run = services.import_preview(org=org, user=owner, import_id=run.pk)
    assert run.preview["create"] == 60


def test_commit_of_existing_product_updates_price(org, owner, manager):
    product_create(
        org=org, user=manager, code="LIC-01", name="Licență anuală", price=Decimal("1000")
    )
    run = run_import(org, manager, "products", PRODUCT_ROWS)
    assert (run.created_count, run.updated_count) == (1, 1)
    assert Product.objects.get(code="LIC-01").price == Decimal("1234.5000")
    # undone: the price comes back exactly, as a number
    assert services.import_undo(org=org, user=manager, import_id=run.pk)["restored"] == 1
    restored = Product.objects.get(code="LIC-01")
    assert (restored.price, restored.version) == (Decimal("1000.0000"), 3)
