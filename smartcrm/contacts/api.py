"""REST API of the contacts module: the people at prospects and accounts."""

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
from smartcrm.contacts import selectors, services
from smartcrm.contacts.choices import ContactDepartment
from smartcrm.contacts.filters import CONTACT_ORDERINGS, ContactFilters
from smartcrm.contacts.models import Contact

router = Router(tags=["contacts"])

READ_ERRORS = errors_for(400, 401, 404, 429)
WRITE_ERRORS = errors_for(400, 401, 403, 404, 409, 412, 415, 422, 429)


class ContactOut(Schema):
    id: uuid.UUID
    first_name: str
    last_name: str
    full_name: str
    email: str
    phone: str
    job_title: str
    department: str = Field(description='One of the departments, or "" when unset')
    is_primary: bool
    prospect_id: uuid.UUID | None
    account_id: uuid.UUID | None
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime


class ContactIn(InputSchema):
    prospect_id: uuid.UUID | None = Field(
        None, description="Give exactly one of prospect_id and account_id"
    )
    account_id: uuid.UUID | None = None
    first_name: str = ""
    last_name: str
    email: str = ""
    phone: str = ""
    job_title: str = ""
    department: ContactDepartment | None = None
    is_primary: bool = Field(False, description="Demotes the record's previous primary contact")
    allow_duplicate: bool = Field(
        False, description="Create it even if it looks like an existing contact (else 409)"
    )


class ContactPatch(InputSchema):
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    phone: str | None = None
    job_title: str | None = None
    department: ContactDepartment | None = None
    is_primary: bool | None = None


def _contact_response(response: HttpResponse, contact: Contact) -> Contact:
    set_etag(response, contact.version)
    return contact


@router.get(
    "/contacts",
    response={200: Page[ContactOut], **READ_ERRORS},
    summary="List contacts",
    description="Cursor-paginated; filter by prospect, account, department, primary flag and "
    "`q` (names, e-mail, phone); order by an allowed field.",
)
def list_contacts(
    request: HttpRequest, filters: Query[ContactFilters], page: Query[PageParams]
) -> Any:
    actor = actor_in(request)
    return list_page(
        request,
        selectors.contact_list(member=actor.membership),
        filters=filters,
        page=page,
        orderings=CONTACT_ORDERINGS,
        default="last_name",
    )


@router.post(
    "/contacts",
    response={201: ContactOut, **WRITE_ERRORS},
    summary="Create a contact",
    description="A person at a prospect or an account (exactly one). A converted prospect takes "
    "no new contacts (409): add them to its account. A contact with the same e-mail or phone "
    "as one in the organisation, or a very similar name at the same record, is refused with "
    "409 `possible_duplicate` (candidates under `duplicates`) unless `allow_duplicate: true`.",
)
def create_contact(request: HttpRequest, response: HttpResponse, payload: ContactIn) -> Any:
    actor = actor_in(request)
    contact = services.contact_create(
        org=actor.org,
        user=actor.user,
        allow_duplicate=payload.allow_duplicate,
        **payload.model_dump(exclude_unset=True, exclude={"allow_duplicate"}),
    )
    response["Location"] = f"/api/v1/contacts/{contact.pk}"
    return Status(201, _contact_response(response, contact))


@router.get(
    "/contacts/{contact_id}",
    response={200: ContactOut, **READ_ERRORS},
    summary="Get a contact",
    description="The ETag header carries the version to send back in If-Match.",
)
def get_contact(request: HttpRequest, response: HttpResponse, contact_id: uuid.UUID) -> Any:
    actor = actor_in(request)
    contact = selectors.contact_get(member=actor.membership, contact_id=contact_id)
    return _contact_response(response, contact)


@router.patch(
    "/contacts/{contact_id}",
    response={200: ContactOut, **WRITE_ERRORS},
    summary="Change a contact",
    description="Only the fields sent change; a contact keeps its prospect or account. With "
    "If-Match, a stale version is a 412.",
)
def update_contact(
    request: HttpRequest, response: HttpResponse, contact_id: uuid.UUID, payload: ContactPatch
) -> Any:
    actor = actor_in(request)
    contact = services.contact_update(
        org=actor.org,
        user=actor.user,
        contact_id=contact_id,
        version=if_match_version(request),
        **payload.model_dump(exclude_unset=True),
    )
    return _contact_response(response, contact)


@router.delete(
    "/contacts/{contact_id}",
    response={204: None, **WRITE_ERRORS},
    summary="Delete a contact",
    description="Moves it to the trash: it leaves the offers and activities it was on until "
    "restored (POST /contacts/{id}/restore).",
)
def delete_contact(request: HttpRequest, contact_id: uuid.UUID) -> Any:
    actor = actor_in(request)
    services.contact_delete(
        org=actor.org, user=actor.user, contact_id=contact_id, version=if_match_version(request)
    )
    return no_content()
