"""What every app's pages and their dialogs share: one set of web helpers.

The child-record sections (contacts, activities, notes, tasks):

- ``dialog_or_page``: a form rendered into the layout's ``#dialog-body`` for htmx, or as a
  page of its own without JavaScript (same template, same fields).
- ``changed``: the answer to a successful write from a section: 204 and an ``HX-Trigger``
  naming what changed (``{"closeDialog": true, "tasks-changed": true}``), so the record page
  reloads that section and its timeline; without htmx, back to the page it came from.
- ``refused``: a service's refusal of a one-click action (complete, cancel, delete) as the
  status the layout's script shows as a message (409 stale or illegal, 403, 404, 400).
- ``show_error``: a service's refusal next to the form's fields (every form of every app).
(Times are shown and read in the member's time zone: ``member_view`` activates it.)

The record pages (prospects, accounts, and the pages built like them: privacy, settings):

- ``record_dialog_or_page``: a form with a template of its own, in the dialog (htmx) or
  wrapped in a page; Cancel goes back to the record.
- ``done``: a write succeeded, go to a URL (htmx follows ``HX-Redirect`` on a 200).
- ``refused_text``: a refused action without a form, by its text and status; with
  ``refusal_status`` giving the status of a domain error (bad input: 422).

The activities' and tasks' pages: ``parent_kind_of``, ``parent_from_query``,
``parent_label`` (the record a row hangs on), ``overdue_cutoff`` and ``start_of_day``.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, urlsplit

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext, gettext_lazy

from smartcrm.core.errors import DomainError, StaleVersion
from smartcrm.core.models import Membership
from smartcrm.sales.choices import ProspectStatus
from smartcrm.sales.models import Account, Prospect
from smartcrm.sales.parents import PARENT_MODELS
from smartcrm.web.decorators import is_htmx, record_or_404
from smartcrm.web.forms import StyledForm

DIALOG_TEMPLATE = "web/partials/dialog_form.html"
PAGE_TEMPLATE = "web/form_page.html"

STALE_MESSAGE = gettext_lazy(
    "Someone else changed this record meanwhile. Reload the page to see their changes; "
    "what you typed is kept below."
)

# The HTTP status of a refused one-click action, by the domain error's kind.
REFUSAL_STATUS = {"conflict": 409, "stale": 409, "forbidden": 403, "not_found": 404}


def section_parent(membership: Membership, parent_kind: str, parent_id: uuid.UUID) -> Any:
    """The prospect, account or offer a section is about; another organisation's, one
    outside the member's view scope (or an unknown kind) is a 404."""
    model = PARENT_MODELS.get(parent_kind)
    if model is None:
        raise Http404("Not found.")
    return record_or_404(model, membership, parent_id, module=f"{parent_kind}s")


def takes_new_children(parent: Any) -> bool:
    """Whether the section offers "add" (a converted prospect's children live on its account;
    the services refuse new ones, this only hides the buttons)."""
    return not (isinstance(parent, Prospect) and parent.status == ProspectStatus.CONVERTED)


def safe_next(request: HttpRequest, fallback: str) -> str:
    """The ``next`` the form carried (or the referring page) when it is ours; else fallback."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if not target or not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return fallback or "/"
    parts = urlsplit(target)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def dialog_or_page(
    request: HttpRequest, context: dict[str, Any], *, status: int = 200
) -> HttpResponse:
    """The form in the dialog (htmx), or on a page of its own.

    Context: form, title, action (the URL it posts to), submit_label, back (where Cancel
    goes on the page), testid; optionally before_fields / after_fields (template names
    included around the fields)."""
    template = DIALOG_TEMPLATE if is_htmx(request) else PAGE_TEMPLATE
    return render(request, template, context, status=status)


def changed(request: HttpRequest, *events: str, fallback: str, close_dialog: bool = True) -> Any:
    """A write succeeded: tell the page what changed (htmx), or go back (no JavaScript)."""
    if not is_htmx(request):
        return HttpResponseRedirect(safe_next(request, fallback))
    response = HttpResponse(status=204)
    trigger: dict[str, Any] = {event: True for event in events}
    if close_dialog:
        trigger = {"closeDialog": True, **trigger}
    response["HX-Trigger"] = json.dumps(trigger)
    return response


def redirect_to(request: HttpRequest, url: str) -> HttpResponse:
    """Go to another page: htmx follows ``HX-Redirect``, a plain form a 302."""
    if is_htmx(request):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return HttpResponseRedirect(url)


def triggered(response: HttpResponse, *events: str) -> HttpResponse:
    """Add events to a response that carries content (a re-rendered row, say)."""
    response["HX-Trigger"] = json.dumps({event: True for event in events})
    return response


def stale_text() -> str:
    """A stale edit, as the record pages and the settings say it (above a form, or as the
    message of a refused button)."""
    return gettext(
        "Someone else changed this record meanwhile. Reload the page to see their changes."
    )


def show_error(
    form: forms.Form,
    error: DomainError,
    *,
    fields: Mapping[str, str] | None = None,
    stale: str | None = None,
) -> None:
    """A service's refusal next to the form's fields (``fields`` renames the service's field
    names to the form's); a stale version says so above the form (``stale``, or that the
    input is kept)."""
    if isinstance(error, StaleVersion):
        form.add_error(None, STALE_MESSAGE if stale is None else stale)
    else:
        renamed = fields or {}
        for issue in error.issues:
            name = renamed.get(issue.field or "", issue.field)
            form.add_error(name if name in form.fields else None, issue.message)
    if isinstance(form, StyledForm):
        form.mark_invalid()


def refused(request: HttpRequest, error: DomainError, *, fallback: str) -> HttpResponse:
    """A one-click action the service refused: a status the layout shows with this text
    (htmx), or the message on the page it came from (no JavaScript)."""
    if not is_htmx(request):
        messages.error(request, error.message)
        return HttpResponseRedirect(safe_next(request, fallback))
    response = HttpResponse(error.message, status=REFUSAL_STATUS.get(error.kind, 400))
    response["X-Error-Message"] = quote(error.message)
    return response


# --- the record pages' answers ---------------------------------------------------------


def done(request: HttpRequest, url: str) -> HttpResponse:
    """After a successful write: go to ``url`` (htmx follows HX-Redirect; a plain form
    post follows the 302)."""
    if is_htmx(request):
        response = HttpResponse(status=200)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


def refused_text(request: HttpRequest, message: str, url: str, status: int = 409) -> HttpResponse:
    """A refused action without a form: a message where the user is (htmx: the error
    area, through X-Error-Message), else a flash message on the page it came from."""
    if is_htmx(request):
        response = HttpResponse(status=status)
        response["X-Error-Message"] = quote(message)
        return response
    messages.error(request, message)
    return redirect(url)


def record_dialog_or_page(
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


# --- the record an activity or a task hangs on ------------------------------------------

PARENTS = ("prospect", "account", "offer")
PARENT_LABELS = {
    "prospect": gettext_lazy("Prospect"),
    "account": gettext_lazy("Account"),
    "offer": gettext_lazy("Offer"),
}


def parent_kind_of(record: Any) -> tuple[str, Any]:
    """The kind and the record an activity (or task) hangs on; ("", None) for none."""
    for kind in PARENTS:
        if getattr(record, f"{kind}_id", None):
            return kind, getattr(record, kind)
    return "", None


def overdue_cutoff() -> dt.datetime:
    """Before this instant a planned activity (or an open task) is overdue: the start of
    today in the current time zone (something due today is not late until the day ends)."""
    return start_of_day(timezone.localdate())


def start_of_day(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(0)))


def parent_from_query(membership: Membership, params: Any) -> tuple[str, str] | None:
    """``?prospect=<id>`` (or account, offer) from a record page: ("prospect:<id>", label)."""
    for kind in PARENTS:
        raw = params.get(kind)
        if raw:
            record = record_or_404(PARENT_MODELS[kind], membership, raw, module=f"{kind}s")
            return f"{kind}:{record.pk}", f"{PARENT_LABELS[kind]} · {record}"
    return None


def parent_label(membership: Membership, value: Any) -> str:
    """The picker's chosen record, named (an unknown one stays unnamed: the service says no)."""
    if not isinstance(value, tuple):
        return ""
    kind, record_id = value
    record = PARENT_MODELS[kind].objects.for_member(membership, f"{kind}s").filter(pk=record_id)
    found = record.first()
    return f"{PARENT_LABELS[kind]} · {found}" if found is not None else ""
