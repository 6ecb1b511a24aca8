"""Reads every module shares: one organisation's row by id."""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from smartcrm.core.errors import NotFound
from smartcrm.core.models import (
    ApiToken,
    CustomRole,
    Department,
    Invitation,
    Membership,
    Organization,
    User,
)

M = TypeVar("M", bound=models.Model)


def tenant_get(
    source: type[M] | QuerySet[M], *, org: Organization, record_id: Any, **filters: Any
) -> M:
    """The organisation's row with this id, or NotFound — the same answer whether the id
    belongs to another organisation, does not exist, or is malformed."""
    queryset = source if isinstance(source, QuerySet) else source._default_manager.all()
    try:
        row = queryset.filter(organization=org, pk=record_id, **filters).first()
    except (ValueError, TypeError, ValidationError):
        row = None
    if row is None:
        raise NotFound(
            _("%(label)s not found.")
            % {"label": str(queryset.model._meta.verbose_name).capitalize()},
            code="not_found",
        )
    return row


def member_list(*, org: Organization) -> QuerySet[Membership]:
    """The organisation's memberships (active or not) with their user, department and
    custom role."""
    return (
        Membership.objects.filter(organization=org)
        .select_related("user", "department", "custom_role")
        .order_by("-is_active", "user__email")
    )


def invitations_pending_of(*, org: Organization) -> QuerySet[Invitation]:
    """The organisation's invitations not answered yet (the address typed, the role)."""
    return Invitation.objects.filter(organization=org, decision="").order_by("-created_at")


def invitations_pending_for(*, user: User) -> QuerySet[Invitation]:
    """The invitations waiting for this user's answer, with who invited them and where."""
    return (
        Invitation.objects.filter(user=user, decision="")
        .select_related("organization", "invited_by", "department")
        .order_by("-created_at")
    )


def department_list(*, org: Organization) -> QuerySet[Department]:
    """The organisation's departments with how many active members each has."""
    return (
        Department.objects.for_org(org)
        .select_related("parent", "head")
        .annotate(member_count=Count("memberships", filter=Q(memberships__is_active=True)))
        .order_by("name")
    )


def custom_role_list(*, org: Organization) -> QuerySet[CustomRole]:
    """The organisation's custom roles with how many members have each."""
    return (
        CustomRole.objects.for_org(org).annotate(member_count=Count("memberships")).order_by("name")
    )


def api_tokens_of(*, org: Organization, user: User) -> QuerySet[ApiToken]:
    """The user's API tokens in this organisation, newest first (never their secret)."""
    return ApiToken.objects.filter(organization=org, user=user).order_by("-created_at", "-id")
