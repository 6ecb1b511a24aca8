"""The lists' filters and orderings of the organisation's settings (members, roles, departments)."""

from __future__ import annotations

import uuid
from typing import Annotated

from django.db.models import F
from ninja import FilterLookup, FilterSchema

from smartcrm.api.pagination import Sort
from smartcrm.core.choices import Role


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


NAME_ORDERINGS = {"name": Sort(F("name")), "created_at": Sort(F("created_at"))}


class RoleFilters(FilterSchema):
    q: Annotated[str | None, FilterLookup("name__icontains")] = None


class DepartmentFilters(FilterSchema):
    parent_id: uuid.UUID | None = None
    active: bool | None = None
    q: Annotated[str | None, FilterLookup("name__icontains")] = None
