"""Exports: the file read back equals the filtered list; formulas never run."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.http import StreamingHttpResponse

from smartcrm.api.tests.helpers import ApiClient
from smartcrm.catalog import services as catalog
from smartcrm.core.services import organization_set_modules
from smartcrm.exports.writers import csv_cell, xlsx_cell
from smartcrm.sales import services as sales
from smartcrm.sales.choices import ProspectStatus
from smartcrm.sales.tests.factories import ProspectFactory
from smartcrm.tasks import services as tasks


class EnglishApi(ApiClient):
    """Headers and labels in English, whatever the default language."""

    def get(self, path: str, **headers: str):
        return super().get(path, accept_language="en", **headers)


@pytest.fixture
def api(org, owner):
    return EnglishApi(org, owner)


def _csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


def _xlsx_rows(content: bytes) -> list[list[object]]:
    workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    return [list(row) for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True)]


def _listed(api, query: str) -> list[dict]:
    items, cursor = [], None
    while True:
        page = api.get(
            f"/api/v1/prospects?{query}&limit=200" + (f"&cursor={cursor}" if cursor else "")
        )
        assert page.status_code == 200, page.content
        items += page.json()["items"]
        cursor = page.json()["next_cursor"]
        if not cursor:
            return items


@pytest.fixture
def prospects(org, owner, sales_user):
    made = []
    for index in range(7):
        made.append(
            ProspectFactory.create(
                org=org,
                user=owner,
                company_name=f"Firma {index} SRL",
                email=f"contact{index}@firma{index}.ro",
                phone="0722 000 00" + str(index),
                owner_id=sales_user.pk if index % 2 else owner.pk,
            )
        )
    sales.prospect_qualify(org=org, user=owner, prospect_id=made[0].pk)
    return made


def test_csv_export_equals_the_filtered_list(
    api, org, owner, sales_user, prospects, other_org, other_owner
):
    # given prospects of two owners, and another organisation's prospect
    ProspectFactory.create(org=other_org, user=other_owner, company_name="Străin SRL")
    query = f"owner_id={sales_user.pk}&ordering=company_name"
    # when the list filtered by owner is exported as CSV
    response = api.get(f"/api/v1/prospects/export?format=csv&{query}")
    # then it streams, and holds exactly the rows the list shows, in its order
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="prospects-')
    rows = _csv_rows(response)
    listed = _listed(api, query)
    header, body = rows[0], rows[1:]
    assert header[:3] == ["ID", "name", "company name"]
    assert [row[0] for row in body] == [item["id"] for item in listed]
    assert len(body) == 3
    by_header = [dict(zip(header, row, strict=True)) for row in body]
    assert [row["e-mail"] for row in by_header] == [item["email"] for item in listed]
    assert {row["owner"] for row in by_header} == {"Ion Ionescu"}
    assert {row["status"] for row in by_header} == {"New"}


def test_xlsx_export_equals_the_filtered_list(api, prospects):
    response = api.get("/api/v1/prospects/export?format=xlsx&status=new&ordering=-created_at")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = _xlsx_rows(b"".join(response.streaming_content))
    listed = _listed(api, "status=new&ordering=-created_at")
    assert rows[0][:2] == ["ID", "name"]
    assert [row[0] for row in rows[1:]] == [item["id"] for item in listed]
    assert len(rows) == 1 + 6  # one of seven is qualified
    assert [row[1] for row in rows[1:]] == [item["display_name"] for item in listed]


def test_columns_pick_and_order_the_cells(api, prospects):
    response = api.get("/api/v1/prospects/export?columns=email,name&ordering=company_name")
    rows = _csv_rows(response)
    assert rows[0] == ["e-mail", "name"]
    assert rows[1] == ["contact0@firma0.ro", "Firma 0 SRL"]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_formula_like_cells_are_neutralised(api, org, owner, fmt):
    # given text a spreadsheet would run (the services already strip leading blanks)
    dangerous = ['=HYPERLINK("http://x","y")', "+40722123456", "-2+3", "@SUM(A1)", "=1+1"]
    for index, text in enumerate(dangerous):
        sales.account_create(org=org, user=owner, name=f"Cont {index}", industry=text)
    sales.account_create(org=org, user=owner, name="Cont 9", industry="Agricultură - bio")
    # when they are exported
    response = api.get(f"/api/v1/accounts/export?format={fmt}&columns=name,industry&ordering=name")
    content = b"".join(response.streaming_content)
    rows = _csv_rows_from(content) if fmt == "csv" else _xlsx_rows(content)
    # then each starts with a quote and keeps the rest; harmless text is untouched
    assert [row[1] for row in rows[1:]] == ["'" + text for text in dangerous] + [
        "Agricultură - bio"
    ]


@pytest.mark.parametrize("text", ["=A1", "+1", "-1", "@x", "\tTab", "\rCR"])
def test_every_formula_prefix_is_neutralised_in_both_writers(text):
    zone = ZoneInfo("Europe/Bucharest")
    assert csv_cell(text, zone) == "'" + text
    assert xlsx_cell(text, zone) == "'" + text
    assert csv_cell("Alfa", zone) == "Alfa"
    assert csv_cell(Decimal("-5.00"), zone) == "-5.00"  # our numbers are typed, not text


def _csv_rows_from(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def test_numbers_and_dates_stay_typed_in_xlsx(api, org, owner):
    catalog.product_create(org=org, user=owner, code="P-1", name="Licență", price=Decimal("1250.5"))
    response = api.get("/api/v1/products/export?format=xlsx&columns=code,price,active")
    rows = _xlsx_rows(b"".join(response.streaming_content))
    assert rows[1] == ["P-1", 1250.5, "yes"]


def test_bad_filter_names_the_field_and_unknown_parameter_is_400(api, prospects):
    bad = api.get("/api/v1/prospects/export?status=nope")
    assert bad.status_code == 400
    assert [e["field"] for e in bad.json()["errors"]] == ["status"]
    unknown = api.get("/api/v1/prospects/export?colour=red")
    assert (unknown.status_code, unknown.json()["errors"][0]["field"]) == (400, "colour")
    column = api.get("/api/v1/prospects/export?columns=name,secret")
    assert (column.status_code, column.json()["errors"][0]["field"]) == (422, "columns")
    ordering = api.get("/api/v1/prospects/export?ordering=email")
    assert (ordering.status_code, ordering.json()["errors"][0]["field"]) == (422, "ordering")


def test_switched_off_module_is_not_found(api, org, owner):
    organization_set_modules(org=org, user=owner, enabled=["activities", "notes", "catalog"])
    assert api.get("/api/v1/tasks/export").status_code == 404
    assert api.get("/api/v1/activities/export").status_code == 200


def test_export_reads_in_constant_queries(
    api, org, owner, sales_user, django_assert_max_num_queries
):
    for index in range(30):
        ProspectFactory.create(
            org=org, user=owner, company_name=f"Q{index} SRL", owner_id=sales_user.pk
        )
        tasks.task_create(org=org, user=owner, title=f"Sarcină {index}")
    # auth (token, membership) + the rows, whatever their number
    with django_assert_max_num_queries(8):
        rows = _csv_rows(api.get("/api/v1/prospects/export"))
    assert len(rows) == 31
    with django_assert_max_num_queries(8):
        rows = _csv_rows(api.get("/api/v1/tasks/export"))
    assert len(rows) == 31


def test_cli_exports_xlsx_with_filters(org, owner, sales_user, prospects, tmp_path):
    target = tmp_path / "p.xlsx"
    call_command(
        "export",
        "prospects",
        "--owner-id",
        str(sales_user.pk),
        "--format",
        "xlsx",
        "--output",
        str(target),
        "--org",
        org.slug,
        "--ordering",
        "company_name",
        "--language",
        "en",
        stderr=io.StringIO(),
    )
    rows = _xlsx_rows(target.read_bytes())
    assert [row[2] for row in rows[1:]] == ["Firma 1 SRL", "Firma 3 SRL", "Firma 5 SRL"]


def test_cli_csv_and_bad_filter(org, owner, prospects, tmp_path):
    target = tmp_path / "p.csv"
    call_command(
        "export",
        "prospects",
        "--status",
        ProspectStatus.QUALIFIED,
        "--output",
        str(target),
        "--language",
        "en",
        stderr=io.StringIO(),
    )
    rows = list(csv.reader(io.StringIO(target.read_text(encoding="utf-8-sig"))))
    assert [row[2] for row in rows[1:]] == ["Firma 0 SRL"]
    with pytest.raises(CommandError, match="--status"):
        call_command("export", "prospects", "--status", "nope", "--output", str(target))
    with pytest.raises(CommandError, match="--due-after"):
        call_command(
            "export", "prospects", "--due-after", "2026-01-01T00:00Z", "--output", str(target)
        )


def test_choice_labels_follow_the_language_of_each_export(org, owner, prospects, tmp_path):
    from django.utils import translation

    target = tmp_path / "p.csv"
    labels = {}
    for language in ("ro", "en", "ro"):
        options = ["--output", str(target), "--language", language]
        call_command("export", "prospects", *options, stderr=io.StringIO())
        header, *rows = csv.reader(io.StringIO(target.read_text(encoding="utf-8-sig")))
        with translation.override(language):
            column = header.index(translation.gettext("status"))
            expected = str(ProspectStatus.QUALIFIED.label)
        labels[language] = {row[column] for row in rows}
        assert expected in labels[language]
    assert labels["ro"] != labels["en"]
