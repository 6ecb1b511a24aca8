"""Small helpers every router uses, so each handler stays a few lines."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import uuid
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from ninja import FilterSchema

from smartcrm.agenda.selectors import overdue_cutoff
from smartcrm.api.auth import Actor, actor_of
from smartcrm.api.concurrency import if_match_version
from smartcrm.api.pagination import PageParams, Sort, page_response, paginate, reject_unknown_params
from smartcrm.api.problems import ApiProblem
from smartcrm.api.schemas import split_filters
from smartcrm.core.modules import require_module


def actor_in(request: HttpRequest, module: str | None = None) -> Actor:
    """The caller; a switched-off module answers 404 as if it did not exist."""
    actor = actor_of(request)
    if module is not None:
        require_module(actor.org, module)
    return actor


T = TypeVar("T")


def write_as_caller(
    request: HttpRequest, service: Callable[..., T], *, module: str | None = None, **arguments: Any
) -> T:
    """Call a write service as the caller (in ``module``), with the version the caller read
    (If-Match)."""
    actor = actor_in(request, module)
    return service(org=actor.org, user=actor.user, version=if_match_version(request), **arguments)


def delete_as_caller(
    request: HttpRequest,
    service: Callable[..., Any],
    *,
    module: str | None = None,
    **record_id: uuid.UUID,
) -> HttpResponse:
    """Call a delete service as the caller and answer 204."""
    write_as_caller(request, service, module=module, **record_id)
    return no_content()


def request_overdue_cutoff(request: HttpRequest) -> dt.datetime:
    """Today's start in the caller's organisation's time zone, once per request."""
    cutoff: dt.datetime | None = getattr(request, "_smartcrm_overdue_cutoff", None)
    if cutoff is None:
        cutoff = overdue_cutoff(actor_in(request).org)
        request._smartcrm_overdue_cutoff = cutoff  # type: ignore[attr-defined]  # per-request cache
    return cutoff


def list_page(
    request: HttpRequest,
    queryset: QuerySet[Any],
    *,
    filters: FilterSchema,
    page: PageParams,
    orderings: Mapping[str, Sort],
    default: str,
) -> dict[str, Any]:
    reject_unknown_params(request, type(filters).model_fields)
    rows_of, search = split_filters(filters, queryset)
    rows, next_cursor, total = paginate(
        rows_of, page, orderings=orderings, default=default, search=search
    )
    return page_response(rows, next_cursor, total)


def no_content() -> HttpResponse:
    return HttpResponse(status=204)


def encode_timeline_cursor(created_at: dt.datetime, entry_id: uuid.UUID) -> str:
    raw = json.dumps([created_at.isoformat(), str(entry_id)]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_timeline_cursor(cursor: str | None) -> tuple[dt.datetime, uuid.UUID] | None:
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode())
        created_at, entry_id = json.loads(raw)
        return dt.datetime.fromisoformat(created_at), uuid.UUID(entry_id)
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
        raise ApiProblem(
            400, "This cursor is not one we gave out.", field="cursor", code="invalid_cursor"
        ) from None
