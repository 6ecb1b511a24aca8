"""What the prospect and account pages share: the timeline section, dialog responses,
the counts a conversion moves, and the bulk actions' plumbing."""

from __future__ import annotations

import uuid
from typing import Any, cast
from urllib.parse import quote

from django.contrib import messages
from django.db.models import Model
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from smartcrm.api.endpoints import decode_timeline_cursor, encode_timeline_cursor
from smartcrm.api.problems import ApiProblem
from smartcrm.core.errors import DomainError
from smartcrm.core.models import Membership, Organization, User
from smartcrm.core.modules import module_enabled
from smartcrm.core.registry import child_kinds
from smartcrm.sales import selectors
from smartcrm.sales.choices import OfferStatus, ProspectStatus
from smartcrm.sales.models import Account, Offer, Prospect
from smartcrm.web.decorators import is_htmx, member_view, record_or_404
from smartcrm.web.dialogs import REFUSAL_STATUS, safe_next
from smartcrm.web.records_urls import record_url

TIMELINE_PAGE = 30
# The HTTP status of a refused action, by the kind of the domain error.
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


def done(request: HttpRequest, url: str) -> HttpResponse:
    """After a successful write: go to ``url`` (htmx follows HX-Redirect; a plain form
    post follows the 302)."""
    if is_htmx(request):
        response = HttpResponse(status=200)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


def refused(request: HttpRequest, message: str, url: str, status: int = 409) -> HttpResponse:
    """A refused action without a form: a message where the user is (htmx: the error
    area, through X-Error-Message), else a flash message on the page it came from."""
    if is_htmx(request):
        response = HttpResponse(status=status)
        response["X-Error-Message"] = quote(message)
        return response
    messages.error(request, message)
    return redirect(url)


def dialog_or_page(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    """A form in the dialog (htmx) or on a page of its own (a link opened in a new tab,
    no JavaScript): the same form, wrapped in the layout for the page."""
    record = context.get("record")
    if isinstance(record, Prospect):
        cancel_url = reverse("sales:prospect", args=[record.pk])
    elif isinstance(record, Account):
        cancel_url = reverse("sales:account", args=[record.pk])
    else:
        cancel_url = context.get("cancel_url", "/")
    context = {**context, "as_dialog": is_htmx(request), "cancel_url": cancel_url}
    if is_htmx(request):
        return render(request, template, context, status=status)
    return render(
        request,
        "sales/partials/form_page.html",
        {**context, "form_template": template},
        status=status,
    )


def refusal_status(error: DomainError) -> int:
    # A record page's actions also answer bad input (a missing reason) as a form error: 422.
    return {**REFUSAL_STATUS, "invalid": 422}.get(error.kind, 409)


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
