"""The imports' lists' filters and orderings (imports, mapping templates), shared by the
API and the pages."""

from __future__ import annotations

from django.db.models import F
from ninja import FilterSchema

from smartcrm.api.pagination import Sort
from smartcrm.imports.choices import ImportKind, ImportStatus
from smartcrm.imports.models import ImportRun


class ImportFilters(FilterSchema):
    kind: ImportKind | None = None
    status: ImportStatus | None = None


class TemplateFilters(FilterSchema):
    kind: ImportKind | None = None


IMPORT_ORDERINGS = {"created_at": Sort(F("created_at"), ImportRun._meta.get_field("created_at"))}


TEMPLATE_ORDERINGS = {"name": Sort(F("name"))}
