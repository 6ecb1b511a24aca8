"""Web pages of the audit log: Settings → Audit log (admins), and the History section of
a record's page."""

from __future__ import annotations

import csv
import json
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from smartcrm.api.pagination import PageParams, paginate
from smartcrm.api.problems import ApiProblem
from smartcrm.audit import selectors
from smartcrm.audit.filters import AUDIT_ORDERINGS, AuditEventFilters
from smartcrm.audit.models import AuditEvent
from smartcrm.core.audit import AuditAction, Via, audit
from smartcrm.core.choices import Role
from smartcrm.core.errors import Forbidden, NotFound
from smartcrm.core.models import Membership
from smartcrm.core.permissions import has_role
from smartcrm.web.decorators import member_view
from smartcrm.web.lists import list_page
from smartcrm.web.records_urls import record_url

HISTORY_PAGE = 20
# The kinds a filter offers (the History kinds and the others the log names).
RECORD_KINDS = (
    *selectors.HISTORY_MODELS,
    "organization",
    "membership",
    "department",
    "customrole",
    "apitoken",
    "importrun",
    "user",
)


def _forbidden(request: HttpRequest) -> HttpResponse:
    message = _("Only administrators and owners may read the audit log.")
    response = render(request, "core/settings/forbidden.html", {"message": message}, status=403)
    response["X-Error-Message"] = quote(message)
    return response


def _rows(events: list[AuditEvent]) -> list[dict[str, Any]]:
    """Each event with its record's page (when it has one and still may exist)."""
    return [
        {
            "event": event,
            "url": record_url(event.record_kind, event.record_id) if event.record_id else "",
            "changes": [
                {"field": name, "before": pair[0], "after": pair[1]}
                for name, pair in (event.changes or {}).items()
                if isinstance(pair, list) and len(pair) == 2
            ],
        }
        for event in events
    ]


@member_view
@require_GET
def audit_log(request: HttpRequest, membership: Membership) -> HttpResponse:
    """Settings → Audit log: every event of the organisation, filterable, newest first."""
    if not has_role(membership, Role.ADMIN):
        return _forbidden(request)
    events = selectors.audit_log_for(
        org=membership.organization, user=membership.user, membership=membership
    )
    page = list_page(
        request,
        events,
        filters=AuditEventFilters,
        orderings=AUDIT_ORDERINGS,
        default="-occurred_at",
        key="audit",
    )
    context = {
        "page": page,
        "rows": _rows(page.rows),
        "section": "audit",
        "actions": AuditAction.choices,
        "vias": Via.choices,
        "kinds": RECORD_KINDS,
    }
    template = "audit/partials/log_rows.html" if page.is_continuation else "audit/log.html"
    return render(request, template, context)


def _csv_lines(events: Iterator[AuditEvent]) -> Iterator[str]:
    class Echo:
        def write(self, value: str) -> str:
            return value

    writer = csv.writer(Echo())
    yield "\ufeff"
    yield writer.writerow(
        [_("When"), _("User"), _("Via"), _("IP address"), _("User agent"), _("Action"),
         _("Record kind"), _("Record id"), _("Record"), _("Changes"), _("Details"),
         _("Position"), _("Hash")]
    )  # fmt: skip
    for event in events:
        yield writer.writerow(
            [
                timezone.localtime(event.occurred_at).isoformat(),
                event.actor_email,
                event.via,
                event.ip or "",
                event.user_agent,
                event.action,
                event.record_kind,
                event.record_id or "",
                event.record_label,
                _json(event.changes),
                _json(event.data),
                event.seq or "",
                event.hash,
            ]
        )


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True) if value else ""


@member_view
@require_GET
def audit_log_csv(request: HttpRequest, membership: Membership) -> HttpResponse:
    """The filtered log as CSV (streamed); taking it is itself an event of the log."""
    if not has_role(membership, Role.ADMIN):
        return _forbidden(request)
    org = membership.organization
    events = selectors.audit_log_for(org=org, user=membership.user, membership=membership)
    values = {
        name: request.GET[name] for name in AuditEventFilters.model_fields if request.GET.get(name)
    }
    try:
        filters = AuditEventFilters.model_validate(values)
    except ValueError:
        return HttpResponse(_("Check the filters."), status=400, content_type="text/plain")
    audit(
        org=org,
        user=membership.user,
        action=AuditAction.EXPORTED,
        kind="audit",
        format="csv",
        filters=values,
    )
    rows = filters.filter(events).iterator(chunk_size=2000)
    response = StreamingHttpResponse(_csv_lines(rows), content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="audit-{org.slug}-{stamp}.csv"'
    return response  # type: ignore[return-value]  # streamed: not an HttpResponse subclass


@member_view
@require_GET
def history(
    request: HttpRequest, membership: Membership, kind: str, record_id: uuid.UUID
) -> HttpResponse:
    """A record's History section (htmx), newest first, HISTORY_PAGE events at a time."""
    try:
        events = selectors.record_history_for(
            org=membership.organization,
            user=membership.user,
            kind=kind,
            record_id=record_id,
            membership=membership,
        )
    except (NotFound, Forbidden):
        raise Http404(_("Nothing has a history here.")) from None
    cursor = request.GET.get("cursor") or None
    params = PageParams(limit=HISTORY_PAGE, cursor=cursor, ordering=None, count=False)
    try:
        rows, next_cursor, _total = paginate(
            events, params, orderings=AUDIT_ORDERINGS, default="-occurred_at"
        )
    except ApiProblem:
        raise Http404(_("Nothing has a history here.")) from None
    context = {
        "rows": _rows(rows),
        "next_cursor": next_cursor,
        "kind": kind,
        "record_id": record_id,
        "continuation": bool(cursor),
    }
    return render(request, "audit/partials/history.html", context)
