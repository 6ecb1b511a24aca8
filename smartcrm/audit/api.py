"""REST API of the audit log: the organisation's log (admins), a record's history."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from smartcrm.api.endpoints import actor_in, list_page
from smartcrm.api.pagination import PageParams
from smartcrm.api.schemas import Page, errors_for
from smartcrm.audit import selectors
from smartcrm.audit.filters import AUDIT_ORDERINGS, AuditEventFilters, HistoryFilters

router = Router(tags=["audit"])

READ_ERRORS = errors_for(400, 401, 403, 404, 429)


class AuditEventOut(Schema):
    id: uuid.UUID
    occurred_at: dt.datetime
    action: str = Field(description="created, updated, status_changed, converted, merged, …")
    actor_id: uuid.UUID | None = Field(description="The user who acted (none: the system)")
    actor_email: str
    via: str = Field(description="web, api, cli, worker or system")
    ip: str | None
    user_agent: str
    token_id: uuid.UUID | None = Field(description="The API token the change came through")
    record_kind: str = Field(description="prospect, account, offer, contact, …; may be empty")
    record_id: uuid.UUID | None
    record_label: str = Field(description="The record's name when the event was written")
    changes: dict[str, Any] = Field(description="Field → [before, after]")
    data: dict[str, Any]
    seq: int | None = Field(description="Position in the organisation's chain; none until sealed")
    prev_hash: str
    hash: str


@router.get(
    "/audit-events",
    response={200: Page[AuditEventOut], **READ_ERRORS},
    summary="List audit events",
    description="The organisation's audit log (administrators and owners): cursor-paginated, "
    "newest first; filter by action, record, user, origin and time.",
)
def list_audit_events(
    request: HttpRequest, filters: Query[AuditEventFilters], page: Query[PageParams]
) -> Any:
    actor = actor_in(request)
    events = selectors.audit_log_for(org=actor.org, user=actor.user, membership=actor.membership)
    return list_page(
        request,
        events,
        filters=filters,
        page=page,
        orderings=AUDIT_ORDERINGS,
        default="-occurred_at",
    )


def _history(
    request: HttpRequest,
    kind: str,
    record_id: uuid.UUID,
    filters: HistoryFilters,
    page: PageParams,
) -> Any:
    actor = actor_in(request)
    events = selectors.record_history_for(
        org=actor.org,
        user=actor.user,
        kind=kind,
        record_id=record_id,
        membership=actor.membership,
    )
    return list_page(
        request, events, filters=filters, page=page, orderings=AUDIT_ORDERINGS,
        default="-occurred_at",
    )  # fmt: skip


def _route(path: str, label: str) -> Any:
    return router.get(
        path,
        response={200: Page[AuditEventOut], **READ_ERRORS},
        summary=f"History of {label}",
        description=f"Every audit event of {label}, newest first, also after it was deleted "
        "(then for administrators and owners only). A member sees the history of a record "
        "they may see.",
    )


@_route("/prospects/{prospect_id}/history", "a prospect")
def prospect_history(
    request: HttpRequest,
    prospect_id: uuid.UUID,
    filters: Query[HistoryFilters],
    page: Query[PageParams],
) -> Any:
    return _history(request, "prospect", prospect_id, filters, page)


@_route("/accounts/{account_id}/history", "an account")
def account_history(
    request: HttpRequest,
    account_id: uuid.UUID,
    filters: Query[HistoryFilters],
    page: Query[PageParams],
) -> Any:
    return _history(request, "account", account_id, filters, page)


@_route("/offers/{offer_id}/history", "an offer")
def offer_history(
    request: HttpRequest,
    offer_id: uuid.UUID,
    filters: Query[HistoryFilters],
    page: Query[PageParams],
) -> Any:
    return _history(request, "offer", offer_id, filters, page)


@_route("/contacts/{contact_id}/history", "a contact")
def contact_history(
    request: HttpRequest,
    contact_id: uuid.UUID,
    filters: Query[HistoryFilters],
    page: Query[PageParams],
) -> Any:
    return _history(request, "contact", contact_id, filters, page)


@_route("/tasks/{task_id}/history", "a task")
def task_history(
    request: HttpRequest,
    task_id: uuid.UUID,
    filters: Query[HistoryFilters],
    page: Query[PageParams],
) -> Any:
    return _history(request, "task", task_id, filters, page)


@_route("/activities/{activity_id}/history", "an activity")
def activity_history(
    request: HttpRequest,
    activity_id: uuid.UUID,
    filters: Query[HistoryFilters],
    page: Query[PageParams],
) -> Any:
    return _history(request, "activity", activity_id, filters, page)


@_route("/notes/{note_id}/history", "a note")
def note_history(
    request: HttpRequest,
    note_id: uuid.UUID,
    filters: Query[HistoryFilters],
    page: Query[PageParams],
) -> Any:
    return _history(request, "note", note_id, filters, page)


@_route("/products/{product_id}/history", "a product")
def product_history(
    request: HttpRequest,
    product_id: uuid.UUID,
    filters: Query[HistoryFilters],
    page: Query[PageParams],
) -> Any:
    return _history(request, "product", product_id, filters, page)
