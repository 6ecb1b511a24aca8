"""REST API of the notes module: free text on prospects, accounts and offers."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema, Status
from pydantic import Field

from smartcrm.api.concurrency import if_match_version, set_etag
from smartcrm.api.endpoints import actor_in, list_page, no_content
from smartcrm.api.pagination import PageParams
from smartcrm.api.schemas import InputSchema, Page, errors_for
from smartcrm.core.modules import Module
from smartcrm.notes import selectors, services
from smartcrm.notes.filters import NOTE_ORDERINGS, NoteFilters
from smartcrm.notes.models import Note

router = Router(tags=["notes"])

READ_ERRORS = errors_for(400, 401, 404, 429)
WRITE_ERRORS = errors_for(400, 401, 403, 404, 409, 412, 415, 422, 429)


class NoteOut(Schema):
    id: uuid.UUID
    body: str
    pinned: bool
    prospect_id: uuid.UUID | None
    account_id: uuid.UUID | None
    offer_id: uuid.UUID | None
    author_id: uuid.UUID | None = Field(description="Who wrote it")
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_author_id(note: Note) -> uuid.UUID | None:
        return note.created_by_id


class NoteIn(InputSchema):
    prospect_id: uuid.UUID | None = Field(
        None, description="Give exactly one of prospect_id, account_id and offer_id"
    )
    account_id: uuid.UUID | None = None
    offer_id: uuid.UUID | None = None
    body: str
    pinned: bool = False


class NotePatch(InputSchema):
    body: str | None = None
    pinned: bool | None = None


def _note_response(response: HttpResponse, note: Note) -> Note:
    set_etag(response, note.version)
    return note


@router.get(
    "/notes",
    response={200: Page[NoteOut], **READ_ERRORS},
    summary="List notes",
    description="Cursor-paginated, newest first by default; filter by record (prospect, "
    "account, offer) and the pinned flag.",
)
def list_notes(request: HttpRequest, filters: Query[NoteFilters], page: Query[PageParams]) -> Any:
    actor = actor_in(request, Module.NOTES)
    return list_page(
        request,
        selectors.note_list(member=actor.membership),
        filters=filters,
        page=page,
        orderings=NOTE_ORDERINGS,
        default="-created_at",
    )


@router.post(
    "/notes",
    response={201: NoteOut, **WRITE_ERRORS},
    summary="Write a note",
    description="On exactly one prospect, account or offer; the caller is its author.",
)
def create_note(request: HttpRequest, response: HttpResponse, payload: NoteIn) -> Any:
    actor = actor_in(request, Module.NOTES)
    note = services.note_create(
        org=actor.org, user=actor.user, **payload.model_dump(exclude_unset=True)
    )
    response["Location"] = f"/api/v1/notes/{note.pk}"
    return Status(201, _note_response(response, note))


@router.get(
    "/notes/{note_id}",
    response={200: NoteOut, **READ_ERRORS},
    summary="Get a note",
    description="The ETag header carries the version to send back in If-Match.",
)
def get_note(request: HttpRequest, response: HttpResponse, note_id: uuid.UUID) -> Any:
    actor = actor_in(request, Module.NOTES)
    note = selectors.note_get(member=actor.membership, note_id=note_id)
    return _note_response(response, note)


@router.patch(
    "/notes/{note_id}",
    response={200: NoteOut, **WRITE_ERRORS},
    summary="Change a note",
    description="Its author, or a manager (403 otherwise). With If-Match, a stale version is a "
    "412.",
)
def update_note(
    request: HttpRequest, response: HttpResponse, note_id: uuid.UUID, payload: NotePatch
) -> Any:
    actor = actor_in(request, Module.NOTES)
    note = services.note_update(
        org=actor.org,
        user=actor.user,
        note_id=note_id,
        version=if_match_version(request),
        **payload.model_dump(exclude_unset=True),
    )
    return _note_response(response, note)


@router.delete(
    "/notes/{note_id}",
    response={204: None, **WRITE_ERRORS},
    summary="Delete a note",
    description="Moves it to the trash (POST /notes/{id}/restore brings it back). Its author, "
    "or a manager (403 otherwise).",
)
def delete_note(request: HttpRequest, note_id: uuid.UUID) -> Any:
    actor = actor_in(request, Module.NOTES)
    services.note_delete(
        org=actor.org, user=actor.user, note_id=note_id, version=if_match_version(request)
    )
    return no_content()
