"""REST API of the core module: the caller, and the organisation's members (read-only)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

from django.db.models import F
from django.http import HttpRequest
from ninja import FilterLookup, FilterSchema, Query, Router, Schema
from pydantic import Field

from smartcrm.api.endpoints import actor_in, list_page
from smartcrm.api.pagination import PageParams, Sort
from smartcrm.api.schemas import Page, errors_for
from smartcrm.core.choices import Role, TokenScope
from smartcrm.core.errors import NotFound
from smartcrm.core.models import Membership
from smartcrm.core.modules import enabled_modules

router = Router(tags=["organisation"])


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
    role: Role
    department_id: uuid.UUID | None
    is_active: bool
    joined_at: dt.datetime


class MemberFilters(FilterSchema):
    role: Role | None = None
    is_active: bool | None = None
    q: Annotated[
        str | None,
        FilterLookup(
            ["user__email__icontains", "user__first_name__icontains", "user__last_name__icontains"]
        ),
    ] = None


MEMBER_ORDERINGS = {"email": Sort(F("user__email")), "joined_at": Sort(F("created_at"))}


def _member(membership: Membership) -> dict[str, Any]:
    user = membership.user
    return {
        "id": user.pk,
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "role": membership.role,
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
    membership = (
        Membership.objects.filter(organization=actor.org, user_id=user_id)
        .select_related("user")
        .first()
    )
    if membership is None:
        raise NotFound("User not found.", code="not_found")
    return _member(membership)


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
            org=actor.org, q=params.q, kinds=kinds, limit=params.limit, after=params.cursor
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
