"""What the prospect and account pages share: the timeline section, the counts a
conversion moves, and the bulk actions' plumbing (their dialogs' answers are in
``web.dialogs``)."""

from __future__ import annotations

import uuid
from typing import Any, cast

from django.db.models import Model
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from smartcrm.api.endpoints import decode_timeline_cursor, encode_timeline_cursor
from smartcrm.api.problems import ApiProblem
from smartcrm.core.models import Membership, Organization, User
from smartcrm.core.modules import module_enabled
from smartcrm.core.registry import child_kinds
from smartcrm.sales import selectors
from smartcrm.sales.choices import OfferStatus, ProspectStatus
from smartcrm.sales.models import Account, Offer, Prospect
from smartcrm.web.decorators import member_view, record_or_404
from smartcrm.web.dialogs import safe_next
from smartcrm.web.records_urls import record_url

TIMELINE_PAGE = 30
TIMELINE_MODELS: dict[str, type[Prospect] | type[Account] | type[Offer]] = {
    "prospect": Prospect,
    "account": Account,
    "offer": Offer,
}
# The kinds of records a conversion moves, as the confirmation names them.
CHILD_LABELS = {
    "contacts": _("Contacts"),
    "activities": _("Activities"),
    "notes": _("Notes"),
    "tasks": _("Tasks"),
}


def back_url(request: HttpRequest, fallback: str) -> str:
    """The page a bulk action came from (the list with its filters), if it is ours."""
    return safe_next(request, fallback)


def optional_url(name: str, *args: Any) -> str:
    """The URL of a page another engineer's app may not have yet ("" until it exists)."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def valid_ids(values: list[str]) -> list[uuid.UUID]:
    """The well-formed ids among ``values`` (to show what a bulk action would touch)."""
    ids = []
    for value in values:
        try:
            ids.append(uuid.UUID(value))
        except ValueError:
            continue
    return ids


def children_counts(org: Organization, field: str, record: Model) -> list[tuple[Any, int]]:
    """What hangs on the record, per registered kind (what a conversion would move): one
    COUNT per kind, labelled."""
    counts = []
    for kind in child_kinds(field):
        if not module_enabled(org, kind.module):
            continue
        count = kind.model._default_manager.filter(organization=org, **{field: record}).count()
        counts.append((CHILD_LABELS.get(kind.key, kind.key), count))
    return counts


def _status_label(kind: str, value: Any) -> str:
    """A status code of an event ("qualified") in the reader's words."""
    choices = OfferStatus if kind == "offer" else ProspectStatus
    return str(choices(value).label) if value in choices.values else str(value or "")


def _users(entries: list[selectors.TimelineEntry]) -> dict[uuid.UUID, User]:
    ids = {entry.user_id for entry in entries if entry.user_id}
    return {user.pk: user for user in User.objects.filter(pk__in=ids)} if ids else {}


@member_view
@require_GET
def timeline(
    request: HttpRequest, membership: Membership, kind: str, record_id: uuid.UUID
) -> HttpResponse:
    """A record's timeline, newest first, a page at a time (the page loads it lazily and
    again on every change of a contact, activity, note or task)."""
    model = TIMELINE_MODELS.get(kind)
    if model is None:
        raise Http404("Not found.")
    record = cast(
        Prospect | Account | Offer,
        record_or_404(model, membership, record_id, module=f"{kind}s"),
    )
    try:
        before = decode_timeline_cursor(request.GET.get("cursor"))
    except ApiProblem:
        before = None
    entries, more = selectors.record_timeline(
        org=membership.organization, record=record, limit=TIMELINE_PAGE, before=before
    )
    users = _users(entries)
    rows = [
        {
            "entry": entry,
            "user": users.get(entry.user_id) if entry.user_id else None,
            "url": record_url(entry.kind, entry.id) if entry.kind != "event" else "",
            "account_url": record_url("account", entry.data["account_id"])
            if entry.data.get("account_id")
            else "",
            "old": _status_label(kind, entry.data.get("old")),
            "new": _status_label(kind, entry.data.get("new")),
        }
        for entry in entries
    ]
    next_cursor = (
        encode_timeline_cursor(entries[-1].created_at, entries[-1].id) if more and entries else ""
    )
    return render(
        request,
        "sales/partials/timeline.html",
        {
            "rows": rows,
            "next_cursor": next_cursor,
            "kind": kind,
            "record": record,
            "continuation": before is not None,
        },
    )
