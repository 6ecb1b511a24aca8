"""Reads every module shares: one organisation's row by id."""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from smartcrm.core.errors import NotFound
from smartcrm.core.models import Organization

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
