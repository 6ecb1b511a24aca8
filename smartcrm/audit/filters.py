"""The audit log's filters and orderings (the organisation's log, a record's history),
shared by the API and the pages."""

from __future__ import annotations

import datetime as dt
import uuid

from django.db.models import F, Q
from django.utils import timezone
from ninja import Field, FilterSchema

from smartcrm.api.pagination import Sort
from smartcrm.audit.models import AuditEvent
from smartcrm.core.audit import AuditAction, Via


class AuditEventFilters(FilterSchema):
    action: AuditAction | None = None
    record_kind: str | None = None
    record_id: uuid.UUID | None = None
    actor_id: uuid.UUID | None = None
    via: Via | None = None
    since: dt.datetime | None = Field(None, description="Events at or after this moment")
    until: dt.datetime | None = Field(None, description="Events before this moment")

    def filter_since(self, value: dt.datetime | None) -> Q:
        return Q(occurred_at__gte=_aware(value)) if value else Q()

    def filter_until(self, value: dt.datetime | None) -> Q:
        return Q(occurred_at__lt=_aware(value)) if value else Q()


def _aware(moment: dt.datetime) -> dt.datetime:
    """A moment without a zone (a date from a form) is read in the current time zone."""
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


class HistoryFilters(FilterSchema):
    action: AuditAction | None = None


AUDIT_ORDERINGS = {
    "occurred_at": Sort(F("occurred_at"), AuditEvent._meta.get_field("occurred_at")),
}
