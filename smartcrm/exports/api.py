"""REST API of exports: GET /{list}/export?format=csv|xlsx&<the list's filters>.

Mounted before the other routers, so /prospects/export is not taken for
/prospects/{prospect_id}.
"""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest
from django.http.response import HttpResponseBase
from ninja import FilterSchema, Query, Router, Schema
from pydantic import Field

from smartcrm.activities.filters import ActivityFilters
from smartcrm.api.endpoints import actor_in
from smartcrm.api.pagination import reject_unknown_params
from smartcrm.api.schemas import errors_for
from smartcrm.catalog.filters import ProductFilters
from smartcrm.contacts.filters import ContactFilters
from smartcrm.exports.responses import export_response
from smartcrm.exports.services import export_start
from smartcrm.exports.writers import CONTENT_TYPES
from smartcrm.sales.filters import AccountFilters, OfferFilters, ProspectFilters
from smartcrm.tasks.filters import TaskFilters

router = Router(tags=["exports"])

ERRORS = errors_for(400, 401, 404, 422, 429)
FILE_RESPONSE = {
    "responses": {
        200: {
            "description": "The file, as an attachment: CSV (UTF-8 with BOM, streamed) or XLSX",
            "headers": {
                "Content-Disposition": {
                    "description": 'attachment; filename="<list>-<date>.<format>"',
                    "schema": {"type": "string"},
                }
            },
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                CONTENT_TYPES["xlsx"]: {"schema": {"type": "string", "format": "binary"}},
            },
        }
    }
}
DESCRIPTION = (
    "The rows the list shows with the same filters and `ordering`, all of them (no pages), "
    "with the columns a person reads (labels, names, local times). `columns` picks and orders "
    "them (comma-separated keys). Text cells a spreadsheet would run as a formula (starting "
    "with =, +, -, @, tab or carriage return) get a leading single quote."
)


class ExportParams(Schema):
    format: Literal["csv", "xlsx"] = Field("csv", description="csv (streamed) or xlsx")
    columns: str | None = Field(None, description="Comma-separated column keys; default all")
    ordering: str | None = Field(None, description="As the list: a field, `-field` descending")


def _export(
    request: HttpRequest, kind: str, filters: FilterSchema, params: ExportParams
) -> HttpResponseBase:
    reject_unknown_params(request, (*type(filters).model_fields, *ExportParams.model_fields))
    actor = actor_in(request)
    export = export_start(
        org=actor.org,
        user=actor.user,
        member=actor.membership,
        kind=kind,
        fmt=params.format,
        filters=filters,
        ordering=params.ordering,
        columns=params.columns,
    )
    return export_response(export, fmt=params.format, org=actor.org)


def _route(path: str, summary: str) -> Any:
    return router.get(
        path,
        response={200: None, **ERRORS},
        summary=summary,
        description=DESCRIPTION,
        openapi_extra=FILE_RESPONSE,
    )


@_route("/prospects/export", "Export prospects")
def export_prospects(
    request: HttpRequest, filters: Query[ProspectFilters], params: Query[ExportParams]
) -> Any:
    return _export(request, "prospects", filters, params)


@_route("/accounts/export", "Export accounts")
def export_accounts(
    request: HttpRequest, filters: Query[AccountFilters], params: Query[ExportParams]
) -> Any:
    return _export(request, "accounts", filters, params)


@_route("/contacts/export", "Export contacts")
def export_contacts(
    request: HttpRequest, filters: Query[ContactFilters], params: Query[ExportParams]
) -> Any:
    return _export(request, "contacts", filters, params)


@_route("/offers/export", "Export offers")
def export_offers(
    request: HttpRequest, filters: Query[OfferFilters], params: Query[ExportParams]
) -> Any:
    return _export(request, "offers", filters, params)


@_route("/activities/export", "Export activities")
def export_activities(
    request: HttpRequest, filters: Query[ActivityFilters], params: Query[ExportParams]
) -> Any:
    return _export(request, "activities", filters, params)


@_route("/tasks/export", "Export tasks")
def export_tasks(
    request: HttpRequest, filters: Query[TaskFilters], params: Query[ExportParams]
) -> Any:
    return _export(request, "tasks", filters, params)


@_route("/products/export", "Export products and services")
def export_products(
    request: HttpRequest, filters: Query[ProductFilters], params: Query[ExportParams]
) -> Any:
    return _export(request, "products", filters, params)
