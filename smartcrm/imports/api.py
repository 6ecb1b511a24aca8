"""REST API of imports: upload and preview, commit, progress, cancel, resume, undo, the
rejected rows (JSON and CSV), and mapping templates.

The upload and the preview answer 202 at once: the worker checks the file; the client polls
the import (``Location``, ``status_url``) until its status is ``previewed``."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import uuid
from typing import Any

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from ninja import Query, Router, Schema, Status
from pydantic import Field

from smartcrm.api.concurrency import if_match_version, set_etag
from smartcrm.api.endpoints import actor_in, list_page, no_content
from smartcrm.api.pagination import PageParams, reject_unknown_params
from smartcrm.api.problems import TOO_LARGE
from smartcrm.api.schemas import InputSchema, Page, ProblemError, errors_for
from smartcrm.core.errors import ValidationFailed
from smartcrm.imports import selectors, services
from smartcrm.imports.choices import ImportKind, ImportMode, ImportStatus
from smartcrm.imports.filters import (
    IMPORT_ORDERINGS,
    TEMPLATE_ORDERINGS,
    ImportFilters,
    TemplateFilters,
)
from smartcrm.imports.models import ImportRun, ImportTemplate

router = Router(tags=["imports"])

READ_ERRORS = errors_for(400, 401, 404, 429)
WRITE_ERRORS = errors_for(400, 401, 403, 404, 409, 412, 415, 422, 429)
UPLOAD_ERRORS = errors_for(400, 401, 403, 404, 409, 412, 413, 415, 422, 429)


class ImportCounts(Schema):
    total: int = 0
    create: int = 0
    update: int = 0
    unchanged: int = 0
    rejected: int = 0


class ImportOut(Schema):
    id: uuid.UUID
    kind: ImportKind
    file_name: str
    file_format: str
    file_size: int = Field(description="In bytes")
    encoding: str
    delimiter: str
    headers: list[str]
    mapping: dict[str, str] = Field(description="Column header → field")
    key: str = Field(description="Field existing records are matched by (upsert); empty: none")
    mode: ImportMode
    status: ImportStatus
    preview: ImportCounts | None = Field(description="The dry run's counts (nothing written)")
    total_rows: int
    processed_rows: int
    progress_percent: int
    created_count: int
    updated_count: int
    unchanged_count: int
    rejected_count: int
    cancel_requested: bool
    failure: str
    created_by_id: uuid.UUID | None
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    undone_at: dt.datetime | None
    mapping_issues: list[ProblemError] = Field(
        [], description="Why the upload was not previewed yet (fix the mapping, then preview)"
    )
    status_url: str = Field(description="Poll it (GET) for the status and progress")

    @staticmethod
    def resolve_preview(run: ImportRun) -> dict[str, int] | None:
        return run.preview or None

    @staticmethod
    def resolve_status_url(run: ImportRun) -> str:
        return _status_url(run)


class ImportIn(InputSchema):
    kind: ImportKind
    file_name: str = Field(max_length=255, description="Its extension does not matter")
    content_base64: str = Field(description="The CSV or XLSX file, base64-encoded")
    encoding: str = Field("", description="CSV only; empty: detected (UTF-8, Windows-1250...)")
    delimiter: str = Field("", max_length=1, description="CSV only; empty: detected")
    mapping: dict[str, str] | None = Field(None, description="Empty: proposed from the header")
    key: str | None = Field(None, description="email, cui, phone or code; empty: none")
    template_id: uuid.UUID | None = None


class PreviewIn(InputSchema):
    mapping: dict[str, str] | None = None
    key: str | None = None
    encoding: str | None = None
    delimiter: str | None = Field(None, max_length=1)


class CommitIn(InputSchema):
    mode: ImportMode = ImportMode.VALID_ONLY


class UndoKeptOut(Schema):
    other_owner: int = Field(description="Records it created, now owned by someone else")
    history: int = Field(
        description="Converted prospects, accounts with offers or made from a prospect"
    )
    in_use: int = Field(
        description="Records it created that something was added to since: contacts, "
        "activities, notes, tasks; a contact on an offer or activity, a product on an offer"
    )
    changed: int = Field(description="Records edited since the import")


class UndoOut(Schema):
    deleted: int = Field(description="Records the import created, now deleted")
    restored: int = Field(description="Records it updated, given their previous values")
    kept: int = Field(description="Records taken over, changed or used since, left as they are")
    kept_because: UndoKeptOut = Field(description="The kept records, by why they were kept")


class RejectedRowOut(Schema):
    row_number: int = Field(description="Line in the file (the header is line 1)")
    values: list[str]
    errors: list[dict[str, Any]]


class TemplateOut(Schema):
    id: uuid.UUID
    name: str
    kind: ImportKind
    mapping: dict[str, str]
    key: str
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime


class TemplateIn(InputSchema):
    name: str = Field(max_length=100)
    kind: ImportKind
    mapping: dict[str, str] = {}
    key: str = ""


class TemplatePatch(InputSchema):
    name: str | None = Field(None, max_length=100)
    mapping: dict[str, str] | None = None
    key: str | None = None


class SaveTemplateIn(InputSchema):
    name: str = Field(max_length=100)


class ImportFieldOut(Schema):
    name: str
    label: str


class KindFieldsOut(Schema):
    kind: ImportKind
    fields: list[ImportFieldOut]
    keys: list[ImportFieldOut]


def _status_url(run: ImportRun) -> str:
    return f"/api/v1/imports/{run.pk}"


def _decoded(payload: ImportIn) -> bytes:
    # refused before decoding: base64 is 4/3 of the file (less its padding)
    services.check_size(len(payload.content_base64) * 3 // 4 - payload.content_base64.count("="))
    try:
        return base64.b64decode(payload.content_base64, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationFailed(
            "Send the file as base64 text.", field="content_base64", code="invalid_base64"
        ) from None


def _too_large_body() -> tuple[str, str]:
    return "file", services.too_large_message()


# a body too large to read names the file and its limit, not DATA_UPLOAD_MAX_MEMORY_SIZE
TOO_LARGE["api/v1/imports"] = _too_large_body


def _accepted(response: HttpResponse, run: ImportRun) -> Any:
    response["Location"] = _status_url(run)
    return Status(202, run)


@router.get(
    "/imports",
    response={200: Page[ImportOut], **READ_ERRORS},
    summary="List imports",
    description="Who imported which file when, with its counts; newest first.",
)
def list_imports(
    request: HttpRequest, filters: Query[ImportFilters], page: Query[PageParams]
) -> Any:
    actor = actor_in(request)
    return list_page(
        request,
        selectors.import_list(org=actor.org),
        filters=filters,
        page=page,
        orderings=IMPORT_ORDERINGS,
        default="-created_at",
    )


@router.get(
    "/imports/fields",
    response={200: list[KindFieldsOut], **errors_for(400, 401, 429)},
    summary="What each kind can import",
    description="The fields a column can be mapped to, and the keys records are matched by.",
)
def import_fields(request: HttpRequest) -> Any:
    reject_unknown_params(request, ())
    actor_in(request)
    return [
        {
            "kind": kind,
            "fields": selectors.import_fields(kind=kind),
            "keys": selectors.import_keys(kind=kind),
        }
        for kind in ImportKind.values
    ]


@router.post(
    "/imports",
    response={202: ImportOut, **UPLOAD_ERRORS},
    summary="Upload a file and queue its preview",
    description="CSV (any delimiter; UTF-8, Windows-1250 or ISO-8859-2) or XLSX, base64 in "
    "JSON, at most SMARTCRM_IMPORT_MAX_BYTES (100 MB by default; larger: 413 naming `file` "
    "and the limit). The column mapping is proposed from the header (or taken from "
    "`mapping` or a template) and the answer is 202 with the import's `status_url` (also "
    "in `Location`): the worker checks every row with the same rules as a create, "
    "counting `processed_rows` of about `total_rows`, and the import becomes `previewed` "
    "with the counts to create, update, leave and reject in `preview`. Nothing is written "
    "until the commit. A file that cannot be read is a 422 naming the field (`file`, "
    "`encoding`, `delimiter`); found only by the worker, the import goes back to "
    "`uploaded` with the reason in `failure`. If the mapping lacks a required field, "
    "the import is kept `uploaded` with `mapping_issues` and no preview is queued.",
)
def upload_import(request: HttpRequest, response: HttpResponse, payload: ImportIn) -> Any:
    actor = actor_in(request)
    run = services.import_upload(
        org=actor.org,
        user=actor.user,
        kind=payload.kind,
        file_name=payload.file_name,
        content=_decoded(payload),
        encoding=payload.encoding,
        delimiter=payload.delimiter,
        mapping=payload.mapping,
        key=payload.key,
        template_id=payload.template_id,
    )
    issues: list[dict[str, Any]] = []
    try:
        run = services.import_preview_start(org=actor.org, user=actor.user, import_id=run.pk)
    except ValidationFailed as error:
        issues = [{"field": i.field, "message": i.message, "code": i.code} for i in error.issues]
    run.mapping_issues = issues  # type: ignore[attr-defined]  # shown once, not stored
    return _accepted(response, run)


@router.get(
    "/imports/{import_id}",
    response={200: ImportOut, **READ_ERRORS},
    summary="An import: status and progress",
    description="Poll it while the job runs: `processed_rows` of `total_rows`.",
)
def get_import(request: HttpRequest, import_id: uuid.UUID) -> Any:
    actor = actor_in(request)
    return selectors.import_get(org=actor.org, import_id=import_id)


@router.post(
    "/imports/{import_id}/preview",
    response={202: ImportOut, **WRITE_ERRORS},
    summary="Preview again with another mapping",
    description="Change the mapping, the key, the encoding or the delimiter and queue the "
    "check of every row again; poll the import until it is `previewed` (409 while a "
    "preview is running). Nothing is written.",
)
def preview_import(
    request: HttpRequest, response: HttpResponse, import_id: uuid.UUID, payload: PreviewIn
) -> Any:
    actor = actor_in(request)
    run = services.import_preview_start(
        org=actor.org,
        user=actor.user,
        import_id=import_id,
        **payload.model_dump(exclude_unset=True),
    )
    return _accepted(response, run)


@router.post(
    "/imports/{import_id}/commit",
    response={202: ImportOut, **WRITE_ERRORS},
    summary="Commit a previewed import",
    description="Queues the import as a background job. `valid_only` imports the valid rows "
    "and rejects the others; `all_or_nothing` imports nothing if one row is invalid.",
)
def commit_import(request: HttpRequest, import_id: uuid.UUID, payload: CommitIn) -> Any:
    actor = actor_in(request)
    run = services.import_commit(
        org=actor.org, user=actor.user, import_id=import_id, mode=payload.mode
    )
    return Status(202, run)


@router.post(
    "/imports/{import_id}/cancel",
    response={200: ImportOut, **WRITE_ERRORS},
    summary="Cancel a running import",
    description="It stops after the batch at hand; all-or-nothing imports take back what "
    "they wrote.",
)
def cancel_import(request: HttpRequest, import_id: uuid.UUID) -> Any:
    actor = actor_in(request)
    return services.import_cancel(org=actor.org, user=actor.user, import_id=import_id)


@router.post(
    "/imports/{import_id}/resume",
    response={202: ImportOut, **WRITE_ERRORS},
    summary="Resume an interrupted import",
    description="Queues a failed or interrupted import again; it goes on after its last "
    "committed batch (each row is imported once).",
)
def resume_import(request: HttpRequest, import_id: uuid.UUID) -> Any:
    actor = actor_in(request)
    return Status(202, services.import_resume(org=actor.org, user=actor.user, import_id=import_id))


@router.post(
    "/imports/{import_id}/undo",
    response={200: UndoOut, **WRITE_ERRORS},
    summary="Undo an import",
    description="In one transaction, deletes the records it created and restores those it "
    "updated. A created record is deleted only while it is unchanged since the import, "
    "unused and still owned by the importing user; the others are kept, and counted by why.",
)
def undo_import(request: HttpRequest, import_id: uuid.UUID) -> Any:
    actor = actor_in(request)
    return services.import_undo(org=actor.org, user=actor.user, import_id=import_id)


@router.get(
    "/imports/{import_id}/rejected-rows",
    response={200: list[RejectedRowOut], **READ_ERRORS},
    summary="The rejected rows, with their errors",
    description="Each rejected row's line, cells and errors (field, column, message); at "
    "most `limit` rows from line `after`.",
)
def rejected_rows(
    request: HttpRequest, import_id: uuid.UUID, after: int = 0, limit: int = 100
) -> Any:
    reject_unknown_params(request, ("after", "limit"))
    actor = actor_in(request)
    run = selectors.import_get(org=actor.org, import_id=import_id)
    limit = max(1, min(limit, 1000))
    return list(selectors.rejected_rows(run=run).filter(row_number__gt=after)[:limit])


CSV_RESPONSE = {
    "responses": {
        200: {
            "description": "The rejected rows as CSV: line, the file's columns, and the errors",
            "content": {"text/csv": {"schema": {"type": "string"}}},
        }
    }
}


@router.get(
    "/imports/{import_id}/rejected-rows.csv",
    response={200: None, **READ_ERRORS},
    summary="Download the rejected rows",
    description="A CSV file (UTF-8 with BOM) of the rejected rows with an error column: fix "
    "them and import the file again.",
    openapi_extra=CSV_RESPONSE,
)
def rejected_rows_csv(request: HttpRequest, import_id: uuid.UUID) -> HttpResponse:
    reject_unknown_params(request, ())
    actor = actor_in(request)
    run = selectors.import_get(org=actor.org, import_id=import_id)
    response = StreamingHttpResponse(
        selectors.rejected_rows_csv(run=run), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="rejected-{run.pk}.csv"'
    return response  # type: ignore[return-value]  # a streamed file


@router.post(
    "/imports/{import_id}/template",
    response={201: TemplateOut, **WRITE_ERRORS},
    summary="Save the import's mapping as a template",
    description="The mapping and key, under a name unique in the organisation.",
)
def save_template(request: HttpRequest, import_id: uuid.UUID, payload: SaveTemplateIn) -> Any:
    actor = actor_in(request)
    template = services.import_save_template(
        org=actor.org, user=actor.user, import_id=import_id, name=payload.name
    )
    return Status(201, template)


# --- templates ---------------------------------------------------------------------------


@router.get(
    "/import-templates",
    response={200: Page[TemplateOut], **READ_ERRORS},
    summary="List import templates",
    description="Saved column mappings, by name.",
)
def list_templates(
    request: HttpRequest, filters: Query[TemplateFilters], page: Query[PageParams]
) -> Any:
    actor = actor_in(request)
    return list_page(
        request,
        selectors.import_template_list(org=actor.org),
        filters=filters,
        page=page,
        orderings=TEMPLATE_ORDERINGS,
        default="name",
    )


@router.post(
    "/import-templates",
    response={201: TemplateOut, **WRITE_ERRORS},
    summary="Save an import template",
    description="A named column mapping (header → field) and key for one kind.",
)
def create_template(request: HttpRequest, response: HttpResponse, payload: TemplateIn) -> Any:
    actor = actor_in(request)
    template = services.import_template_create(
        org=actor.org, user=actor.user, **payload.model_dump()
    )
    set_etag(response, template.version)
    return Status(201, template)


@router.get(
    "/import-templates/{template_id}",
    response={200: TemplateOut, **READ_ERRORS},
    summary="Get an import template",
    description="The ETag header carries the version to send back in If-Match.",
)
def get_template(request: HttpRequest, response: HttpResponse, template_id: uuid.UUID) -> Any:
    from smartcrm.core.selectors import tenant_get

    actor = actor_in(request)
    template = tenant_get(ImportTemplate, org=actor.org, record_id=template_id)
    set_etag(response, template.version)
    return template


@router.patch(
    "/import-templates/{template_id}",
    response={200: TemplateOut, **WRITE_ERRORS},
    summary="Change an import template",
    description="Rename it or change its mapping or key. With If-Match, a stale version is a 412.",
)
def update_template(
    request: HttpRequest, response: HttpResponse, template_id: uuid.UUID, payload: TemplatePatch
) -> Any:
    actor = actor_in(request)
    template = services.import_template_update(
        org=actor.org,
        user=actor.user,
        template_id=template_id,
        version=if_match_version(request),
        **payload.model_dump(exclude_unset=True),
    )
    set_etag(response, template.version)
    return template


@router.delete(
    "/import-templates/{template_id}",
    response={204: None, **WRITE_ERRORS},
    summary="Delete an import template",
    description="Imports made with it keep their own mapping.",
)
def delete_template(request: HttpRequest, template_id: uuid.UUID) -> Any:
    actor = actor_in(request)
    services.import_template_delete(
        org=actor.org, user=actor.user, template_id=template_id, version=if_match_version(request)
    )
    return no_content()
