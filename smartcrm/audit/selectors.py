"""Reading the audit log: an organisation's events, and one record's history."""

from __future__ import annotations

import uuid

from django.apps import apps
from django.db.models import QuerySet
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from smartcrm.audit.models import AuditEvent
from smartcrm.core.choices import Role
from smartcrm.core.errors import Forbidden, NotFound
from smartcrm.core.models import Membership, Organization, User
from smartcrm.core.modules import Module, require_module
from smartcrm.core.permissions import has_role, membership_of, require_role

# The record kinds with a History (their model names) and where each lives, for the pages
# and the API to find whether the record still exists and who may see it.
HISTORY_MODELS = {
    "prospect": "sales.Prospect",
    "account": "sales.Account",
    "offer": "sales.Offer",
    "contact": "contacts.Contact",
    "task": "tasks.Task",
    "activity": "activities.Activity",
    "note": "notes.Note",
    "product": "catalog.Product",
}


def audit_events(*, org: Organization) -> QuerySet[AuditEvent]:
    """Every event of the organisation (the admins' log), newest first."""
    return AuditEvent.objects.filter(organization=org).order_by("-occurred_at", "-id")


def record_history(*, org: Organization, kind: str, record_id: uuid.UUID) -> QuerySet[AuditEvent]:
    """What happened to one record, newest first (also after it was deleted)."""
    return audit_events(org=org).filter(record_kind=kind, record_id=record_id)


# The module each kind belongs to (a switched-off module's records have no history either).
HISTORY_MODULES = {
    "task": Module.TASKS,
    "activity": Module.ACTIVITIES,
    "note": Module.NOTES,
    "product": Module.CATALOG,
}


def audit_log_for(
    *, org: Organization, user: User, membership: Membership | None = None
) -> QuerySet[AuditEvent]:
    """The organisation's log, for its admins and owners (anyone else: 403)."""
    if membership is None:
        membership = require_role(org, user, Role.ADMIN)
    elif not has_role(membership, Role.ADMIN):
        raise Forbidden(
            _("Only administrators and owners may read the audit log."), code="forbidden"
        )
    return audit_events(org=org)


def record_history_for(
    *,
    org: Organization,
    user: User,
    kind: str,
    record_id: uuid.UUID,
    membership: Membership | None = None,
) -> QuerySet[AuditEvent]:
    """A record's history for a member who may see the record. A deleted record's history
    is the admins' (found through the log); to anyone else it is not found, as is a record
    of another organisation, or one no event names."""
    if kind not in HISTORY_MODELS:
        raise NotFound(_("Nothing has a history here."), code="not_found")
    membership = membership or membership_of(org, user)
    if kind in HISTORY_MODULES:
        require_module(org, HISTORY_MODULES[kind])
    model = apps.get_model(HISTORY_MODELS[kind])
    history = record_history(org=org, kind=kind, record_id=record_id)
    if model._default_manager.filter(organization=org, pk=record_id).exists():
        return history
    if has_role(membership, Role.ADMIN) and history.exists():
        return history
    raise NotFound(
        _("%(label)s not found.") % {"label": capfirst(model._meta.verbose_name)},
        code="not_found",
    )
