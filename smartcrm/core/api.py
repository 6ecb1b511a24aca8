"""REST API of the core module: the caller, the organisation's members, their roles and
departments."""

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
from smartcrm.core import services
from smartcrm.core.choices import Role, TokenScope
from smartcrm.core.errors import NotFound
from smartcrm.core.filters import (
    MEMBER_ORDERINGS,
    NAME_ORDERINGS,
    DepartmentFilters,
    MemberFilters,
    RoleFilters,
)
from smartcrm.core.models import CustomRole, Department, Membership, Organization
from smartcrm.core.modules import enabled_modules
from smartcrm.core.scopes import ACTIONS, MODULES, SCOPES, Scope
from smartcrm.core.selectors import tenant_get

router = Router(tags=["organisation"])

READ_ERRORS = errors_for(400, 401, 404, 429)
WRITE_ERRORS = errors_for(400, 401, 403, 404, 409, 412, 415, 422, 429)


class OrganizationOut(Schema):
    id: uuid.UUID
    name: str
    slug: str
    cui: str
    base_currency: str
    language: str
    time_zone: str
    modules: list[str] = Field(description="Modules switched on")


class MeOut(Schema):
    id: uuid.UUID
    email: str
    first_name: str
    last_name: str
    language: str
    role: Role
    organization: OrganizationOut
    token_name: str | None = Field(None, description="The API token used, if any")
    token_scope: TokenScope | None = Field(
        None, description="What the token used may do: read, or write (read and write)"
    )
    token_expires_at: dt.datetime | None = Field(
        None, description="When the token used stops working (null: never)"
    )


class MemberOut(Schema):
    id: uuid.UUID = Field(description="The user's id (owner_id, assignee_id elsewhere)")
    email: str
    first_name: str
    last_name: str
    role: Role = Field(
        description="Built-in role: its grants apply unless a custom role is set; "
        "admin and owner also manage members, departments, roles and settings"
    )
    custom_role_id: uuid.UUID | None = Field(
        description="A role from /roles whose grants replace the built-in role's on records"
    )
    department_id: uuid.UUID | None
    is_active: bool
    joined_at: dt.datetime


class MemberPatch(InputSchema):
    role: Role | None = None
    custom_role_id: uuid.UUID | None = Field(None, description="null: the built-in role's grants")
    department_id: uuid.UUID | None = None
    is_active: bool | None = None


def _member(membership: Membership) -> dict[str, Any]:
    user = membership.user
    return {
        "id": user.pk,
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "role": membership.role,
        "custom_role_id": membership.custom_role_id,
        "department_id": membership.department_id,
        "is_active": membership.is_active,
        "joined_at": membership.created_at,
    }


@router.get(
    "/me",
    response={200: MeOut, **errors_for(401, 429)},
    summary="Who am I",
    description="The calling user, their role and organisation.",
)
def me(request: HttpRequest) -> Any:
    actor = actor_in(request)
    org = actor.org
    return {
        "id": actor.user.pk,
        "email": actor.user.email,
        "first_name": actor.user.first_name,
        "last_name": actor.user.last_name,
        "language": actor.user.language or org.language,
        "role": actor.membership.role,
        "organization": {
            "id": org.pk,
            "name": org.name,
            "slug": org.slug,
            "cui": org.cui,
            "base_currency": org.base_currency,
            "language": org.language,
            "time_zone": org.time_zone,
            "modules": enabled_modules(org),
        },
        "token_name": actor.token.name if actor.token else None,
        "token_scope": actor.token.scope if actor.token else None,
        "token_expires_at": actor.token.expires_at if actor.token else None,
    }


@router.get(
    "/users",
    response={200: Page[MemberOut], **errors_for(400, 401, 429)},
    summary="List the organisation's members",
    description="Read-only here; members are managed in Settings or the CLI.",
)
def list_users(request: HttpRequest, filters: Query[MemberFilters], page: Query[PageParams]) -> Any:
    actor = actor_in(request)
    memberships = Membership.objects.filter(organization=actor.org).select_related("user")
    result = list_page(
        request,
        memberships,
        filters=filters,
        page=page,
        orderings=MEMBER_ORDERINGS,
        default="email",
    )
    result["items"] = [_member(m) for m in result["items"]]
    return result


@router.get(
    "/users/{user_id}",
    response={200: MemberOut, **errors_for(400, 401, 404, 429)},
    summary="Get a member",
    description="A member of the caller's organisation.",
)
def get_user(request: HttpRequest, user_id: uuid.UUID) -> Any:
    actor = actor_in(request)
    return _member(_membership(actor.org, user_id))


def _membership(org: Organization, user_id: uuid.UUID) -> Membership:
    membership = (
        Membership.objects.filter(organization=org, user_id=user_id).select_related("user").first()
    )
    if membership is None:
        raise NotFound("User not found.", code="not_found")
    return membership


@router.patch(
    "/users/{user_id}",
    response={200: MemberOut, **WRITE_ERRORS},
    summary="Change a member's role, custom role, department or active flag",
    description="Admins and owners; only an owner makes or unmakes an owner, and the last "
    "owner stays one. Only the fields sent change.",
)
def update_user(request: HttpRequest, user_id: uuid.UUID, payload: MemberPatch) -> Any:
    actor = actor_in(request)
    membership = _membership(actor.org, user_id)
    changed = services.membership_update(
        org=actor.org,
        user=actor.user,
        membership_id=membership.pk,
        version=if_match_version(request),
        **payload.model_dump(exclude_unset=True),
    )
    return _member(changed)


# --- roles ---------------------------------------------------------------------------

GRANTS_DESCRIPTION = (
    "Per module (" + ", ".join(MODULES) + "), per action (" + ", ".join(ACTIONS) + "), a "
    "scope: " + ", ".join(SCOPES) + ". What is not named is none."
)


class RoleOut(Schema):
    id: uuid.UUID
    name: str
    description: str
    grants: dict[str, dict[str, Scope]] = Field(description=GRANTS_DESCRIPTION)
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime


class RoleIn(InputSchema):
    name: str = Field(min_length=1, max_length=100)
    description: str = ""
    grants: dict[str, dict[str, str]] = Field(description=GRANTS_DESCRIPTION)


class RolePatch(InputSchema):
    name: str | None = Field(None, min_length=1, max_length=100)
    description: str | None = None
    grants: dict[str, dict[str, str]] | None = Field(None, description=GRANTS_DESCRIPTION)


def _with_etag(response: HttpResponse, record: Any) -> Any:
    set_etag(response, record.version)
    return record


@router.get(
    "/roles",
    response={200: Page[RoleOut], **errors_for(400, 401, 429)},
    summary="List the organisation's custom roles",
    description="Roles an admin defined; the built-in roles (owner, admin, manager, sales) "
    "are not listed.",
)
def list_roles(request: HttpRequest, filters: Query[RoleFilters], page: Query[PageParams]) -> Any:
    actor = actor_in(request)
    return list_page(
        request,
        CustomRole.objects.for_org(actor.org),
        filters=filters,
        page=page,
        orderings=NAME_ORDERINGS,
        default="name",
    )


@router.post(
    "/roles",
    response={201: RoleOut, **WRITE_ERRORS},
    summary="Define a role",
    description="Admins and owners. A grant naming an unknown module, action or scope is a "
    "422 naming it (grants.<module>.<action>).",
)
def create_role(request: HttpRequest, response: HttpResponse, payload: RoleIn) -> Any:
    actor = actor_in(request)
    role = services.custom_role_create(org=actor.org, user=actor.user, **payload.model_dump())
    response["Location"] = f"/api/v1/roles/{role.pk}"
    return Status(201, _with_etag(response, role))


@router.get(
    "/roles/{role_id}",
    response={200: RoleOut, **READ_ERRORS},
    summary="Get a role",
    description="The ETag header carries the version.",
)
def get_role(request: HttpRequest, response: HttpResponse, role_id: uuid.UUID) -> Any:
    actor = actor_in(request)
    return _with_etag(response, tenant_get(CustomRole, org=actor.org, record_id=role_id))


@router.patch(
    "/roles/{role_id}",
    response={200: RoleOut, **WRITE_ERRORS},
    summary="Change a role",
    description="Admins and owners; its members have the new grants at once. With If-Match, "
    "a stale version is a 412.",
)
def update_role(
    request: HttpRequest, response: HttpResponse, role_id: uuid.UUID, payload: RolePatch
) -> Any:
    actor = actor_in(request)
    role = services.custom_role_update(
        org=actor.org,
        user=actor.user,
        role_id=role_id,
        version=if_match_version(request),
        **payload.model_dump(exclude_unset=True),
    )
    return _with_etag(response, role)


@router.delete(
    "/roles/{role_id}",
    response={204: None, **WRITE_ERRORS},
    summary="Delete a role",
    description="Admins and owners; a role members still have is a 409 (role_in_use).",
)
def delete_role(request: HttpRequest, role_id: uuid.UUID) -> Any:
    actor = actor_in(request)
    services.custom_role_delete(
        org=actor.org, user=actor.user, role_id=role_id, version=if_match_version(request)
    )
    return no_content()


# --- departments ---------------------------------------------------------------------


class DepartmentOut(Schema):
    id: uuid.UUID
    name: str
    description: str
    active: bool
    parent_id: uuid.UUID | None = Field(description="The department it sits under")
    head_id: uuid.UUID | None = Field(description="The member who heads it")
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime


class DepartmentIn(InputSchema):
    name: str = Field(min_length=1, max_length=100)
    description: str = ""
    active: bool = True
    parent_id: uuid.UUID | None = None
    head_id: uuid.UUID | None = None


class DepartmentPatch(InputSchema):
    name: str | None = Field(None, min_length=1, max_length=100)
    description: str | None = None
    active: bool | None = None
    parent_id: uuid.UUID | None = None
    head_id: uuid.UUID | None = None


@router.get(
    "/departments",
    response={200: Page[DepartmentOut], **errors_for(400, 401, 429)},
    summary="List the organisation's departments",
    description='Departments nest (parent_id); a "department" scope covers a department '
    "and every one under it.",
)
def list_departments(
    request: HttpRequest, filters: Query[DepartmentFilters], page: Query[PageParams]
) -> Any:
    actor = actor_in(request)
    return list_page(
        request,
        Department.objects.for_org(actor.org),
        filters=filters,
        page=page,
        orderings=NAME_ORDERINGS,
        default="name",
    )


@router.post(
    "/departments",
    response={201: DepartmentOut, **WRITE_ERRORS},
    summary="Create a department",
    description="Admins and owners. A parent that would put it under itself is a 422 naming "
    "parent_id.",
)
def create_department(request: HttpRequest, response: HttpResponse, payload: DepartmentIn) -> Any:
    actor = actor_in(request)
    department = services.department_create(org=actor.org, user=actor.user, **payload.model_dump())
    response["Location"] = f"/api/v1/departments/{department.pk}"
    return Status(201, _with_etag(response, department))


@router.get(
    "/departments/{department_id}",
    response={200: DepartmentOut, **READ_ERRORS},
    summary="Get a department",
    description="The ETag header carries the version.",
)
def get_department(request: HttpRequest, response: HttpResponse, department_id: uuid.UUID) -> Any:
    actor = actor_in(request)
    department = tenant_get(Department, org=actor.org, record_id=department_id)
    return _with_etag(response, department)


@router.patch(
    "/departments/{department_id}",
    response={200: DepartmentOut, **WRITE_ERRORS},
    summary="Change a department",
    description="Rename, move (parent_id), head (head_id) or (de)activate it; a move under "
    "itself or one of its sub-departments is a 422 naming parent_id.",
)
def update_department(
    request: HttpRequest, response: HttpResponse, department_id: uuid.UUID, payload: DepartmentPatch
) -> Any:
    actor = actor_in(request)
    department = services.department_update(
        org=actor.org,
        user=actor.user,
        department_id=department_id,
        version=if_match_version(request),
        **payload.model_dump(exclude_unset=True),
    )
    return _with_etag(response, department)


@router.delete(
    "/departments/{department_id}",
    response={204: None, **WRITE_ERRORS},
    summary="Delete a department",
    description="Its members stay without a department; its sub-departments move up.",
)
def delete_department(request: HttpRequest, department_id: uuid.UUID) -> Any:
    actor = actor_in(request)
    services.department_delete(
        org=actor.org,
        user=actor.user,
        department_id=department_id,
        version=if_match_version(request),
    )
    return no_content()


class SearchHitOut(Schema):
    kind: str = Field(description="prospect, account, contact, offer or product")
    id: uuid.UUID
    title: str
    subtitle: str
    rank: int = Field(description="0 exact title, 1 title starts with the query, 2 elsewhere")
    url: str = Field(description="The record in this API")


class SearchParams(Schema):
    q: str = Field(
        min_length=1,
        max_length=200,
        description="Any part of a name, e-mail, phone, "
        "CUI, offer number or product code; case and diacritics do not matter",
    )
    kinds: str | None = Field(
        None, description="Comma-separated kinds to search, e.g. prospect,account"
    )
    limit: int = Field(20, ge=1, le=200)
    cursor: str | None = None


SEARCH_URLS = {
    "prospect": "/api/v1/prospects/{id}",
    "account": "/api/v1/accounts/{id}",
    "contact": "/api/v1/contacts/{id}",
    "offer": "/api/v1/offers/{id}",
    "product": "/api/v1/products/{id}",
}


@router.get(
    "/search",
    response={200: Page[SearchHitOut], **errors_for(400, 401, 422, 429)},
    summary="Search everything",
    description="Prospects, accounts, contacts, offers and products of the organisation, "
    "best matches first (the exact title, then titles starting with the query, by title, "
    'then the rest, newest first), cursor-paginated. "stefan" finds "Ștefan" and back.',
)
def search_records(request: HttpRequest, params: Query[SearchParams]) -> Any:
    from smartcrm.api.pagination import reject_unknown_params
    from smartcrm.api.problems import ApiProblem
    from smartcrm.core.errors import ValidationFailed
    from smartcrm.core.search import global_searchable_kinds, search

    reject_unknown_params(request, ("q", "kinds"))
    actor = actor_in(request)
    kinds = None
    if params.kinds:
        kinds = [kind.strip() for kind in params.kinds.split(",") if kind.strip()]
        known = {kind.key for kind in global_searchable_kinds()}
        unknown = sorted(set(kinds) - known)
        if unknown:
            raise ApiProblem(
                400, f"Unknown kind: {', '.join(unknown)}.", field="kinds", code="invalid_parameter"
            )
    try:
        hits, next_cursor = search(
            org=actor.org,
            q=params.q,
            kinds=kinds,
            limit=params.limit,
            after=params.cursor,
            member=actor.membership,
        )
    except ValidationFailed as error:
        raise ApiProblem(400, error.message, field=error.field, code=error.code) from error
    items = [
        {
            "kind": hit.kind,
            "id": hit.object_id,
            "title": hit.title,
            "subtitle": hit.subtitle,
            "rank": hit.rank,
            "url": SEARCH_URLS.get(hit.kind, "").format(id=hit.object_id),
        }
        for hit in hits
    ]
    return {"items": items, "next_cursor": next_cursor}
