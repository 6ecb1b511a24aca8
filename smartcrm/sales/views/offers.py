"""Offer pages: the list, a new offer, and the offer page that is also its editor.

Thin views: parse the input, call one service or selector, render. A service's refusal is
shown next to the form's fields (422), or as a message for a button (409/403/404); nothing
changes. Partial updates (lines, totals, dialogs) come from the same views for htmx.
"""

from __future__ import annotations

import json
import uuid
from contextlib import suppress
from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from smartcrm.core.errors import DomainError, StaleVersion
from smartcrm.core.models import Membership, Organization
from smartcrm.core.modules import Module, module_enabled
from smartcrm.core.permissions import may_act_on
from smartcrm.sales import selectors, services
from smartcrm.sales.choices import OFFER_TRANSITIONS, OfferStatus
from smartcrm.sales.filters import OFFER_ORDERINGS, OfferFilters
from smartcrm.sales.forms.offers import (
    BulkOwnerForm,
    LineEditForm,
    LineForm,
    OfferCreateForm,
    OfferDetailsForm,
    OfferSendForm,
    OfferStatusForm,
    ProductLineForm,
)
from smartcrm.sales.models import Account, Offer, OfferLine
from smartcrm.web.decorators import is_htmx, member_view, record_or_404
from smartcrm.web.dialogs import done, show_error, stale_text
from smartcrm.web.lists import list_page

ACCOUNT_CHOICES = 50
PAGE_SIZE = 50
ERROR_STATUS = {"invalid": 422, "conflict": 409, "stale": 409, "not_found": 404, "forbidden": 403}
CLOSING = (OfferStatus.WON, OfferStatus.LOST)


# --- helpers ---------------------------------------------------------------------------


def _members(org: Organization) -> list[Membership]:
    return list(
        Membership.objects.filter(organization=org, is_active=True, user__is_active=True)
        .select_related("user")
        .order_by("user__first_name", "user__last_name", "user__email")
    )


def _accounts(membership: Membership, q: str = "", selected: str | None = None) -> list[Account]:
    """The first accounts by name (matching ``q``), and the chosen one even if not among them;
    only those the member's view scope of accounts shows."""
    org = membership.organization
    accounts = selectors.account_list(org=org, q=q, member=membership)
    found = list(accounts[:ACCOUNT_CHOICES])
    if selected and all(str(account.pk) != selected for account in found):
        with suppress(ValueError, TypeError, ValidationError):  # a malformed id: left out
            chosen = selectors.account_list(org=org, member=membership).filter(pk=selected)[:1]
            found = list(chosen) + found
    return found


def _offer(membership: Membership, offer_id: uuid.UUID) -> Offer:
    return record_or_404(
        Offer.objects.select_related("account", "owner"), membership, offer_id, module="offers"
    )


def _error_text(error: DomainError) -> str:
    if isinstance(error, StaleVersion):
        return stale_text()
    return "; ".join(issue.message for issue in error.issues) or error.message


def _refusal(request: HttpRequest, error: DomainError, back: str) -> HttpResponse:
    """A button's refusal: for htmx an error status with the message (shown in #errors),
    else the message on the page it came from."""
    if is_htmx(request):
        response = HttpResponse(status=ERROR_STATUS.get(error.kind, 409))
        response["X-Error-Message"] = quote(_error_text(error))
        return response
    messages.error(request, _error_text(error))
    return redirect(back)


def _dialog(
    request: HttpRequest, template: str, context: dict[str, Any], *, invalid: bool = False
) -> HttpResponse:
    return render(request, template, context, status=422 if invalid else 200)


# --- the list --------------------------------------------------------------------------


@member_view
@require_GET
def offer_list(request: HttpRequest, membership: Membership) -> HttpResponse:
    org = membership.organization
    page = list_page(
        request,
        selectors.offer_list(org=org, member=membership),
        filters=OfferFilters,
        orderings=OFFER_ORDERINGS,
        default="-created_at",
        key="offers",
        limit=PAGE_SIZE,
    )
    if page.is_continuation:
        return render(request, "sales/offers/partials/list_rows.html", {"page": page})
    selected_account = page.filters.get("account_id")
    context = {
        "page": page,
        "statuses": OfferStatus.choices,
        "members": _members(org),
        "accounts": _accounts(membership, selected=selected_account),
        "currencies": sorted({*(row.currency for row in page.rows), org.base_currency}),
        "bulk_form": BulkOwnerForm(members=_members(org)),
        "default_ordering": page.default_ordering,
    }
    return render(request, "sales/offers/list.html", context)


@member_view
@require_POST
def offer_bulk_owner(request: HttpRequest, membership: Membership) -> HttpResponse:
    from smartcrm.sales.services.offers_bulk import offers_set_owner

    org = membership.organization
    back = reverse("sales:offer-list")
    next_url = request.POST.get("next", "")
    if next_url.startswith(back):
        back = next_url
    form = BulkOwnerForm(request.POST, members=_members(org))
    if not form.is_valid():
        messages.error(request, _("Choose the new owner."))
        return redirect(back)
    try:
        changed = offers_set_owner(
            org=org,
            user=membership.user,
            offer_ids=request.POST.getlist("ids"),
            owner_id=form.cleaned_data["owner_id"],
        )
    except DomainError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("Owner changed on %(n)s offers.") % {"n": changed})
    return redirect(back)


@member_view
@require_GET
def account_options(request: HttpRequest, membership: Membership) -> HttpResponse:
    """The <option>s of the account select, narrowed by what the user typed."""
    q = request.GET.get("account_q", "").replace("\x00", "").strip()[:100]
    accounts = _accounts(membership, q=q)
    return render(
        request,
        "sales/offers/partials/account_options.html",
        {"accounts": accounts, "selected": request.GET.get("account_id", "")},
    )


# --- a new offer -----------------------------------------------------------------------


@member_view
@require_http_methods(["GET", "POST"])
def offer_new(request: HttpRequest, membership: Membership) -> HttpResponse:
    org = membership.organization
    members = _members(org)
    account_id = request.POST.get("account_id") or request.GET.get("account") or None
    accounts = _accounts(membership, selected=account_id)
    initial = {
        "account_id": account_id,
        "currency": org.base_currency,
        "language": org.language,
        "priority": "medium",
        "owner_id": str(membership.user_id),
    }
    form = OfferCreateForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        accounts=accounts,
        members=members,
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            values = form.changes()
            try:
                offer = services.offer_create(org=org, user=membership.user, **values)
            except DomainError as error:
                show_error(form, error, stale=stale_text())
            else:
                messages.success(request, _("Offer %(number)s created.") % {"number": offer.number})
                return redirect("sales:offer", offer_id=offer.pk)
        status = 422
    return render(request, "sales/offers/new.html", {"form": form}, status=status)


# --- the offer page --------------------------------------------------------------------


def _lines_context(
    offer: Offer, edit_forms: dict[uuid.UUID, LineEditForm] | None = None
) -> dict[str, Any]:
    lines = list(offer.lines.order_by("position", "created_at"))
    edit_forms = edit_forms or {}
    rows = [(line, edit_forms.get(line.pk) or LineEditForm.for_line(line)) for line in lines]
    return {
        "offer": offer,
        "rows": rows,
        "vat_breakdown": selectors.offer_vat_breakdown(offer=offer),
        "editable": not offer.is_closed,
    }


@member_view
@require_GET
def offer_detail(request: HttpRequest, membership: Membership, offer_id: uuid.UUID) -> HttpResponse:
    from smartcrm.outreach.selectors import active_link_of

    offer = _offer(membership, offer_id)
    transitions = [
        (status, OfferStatus(status).label, status in CLOSING)
        for status in OfferStatus.values
        if status in OFFER_TRANSITIONS[offer.status]
    ]
    context = {
        **_lines_context(offer),
        "transitions": transitions,
        "link": active_link_of(org=membership.organization, offer=offer),
        "catalog_enabled": module_enabled(membership.organization, Module.CATALOG),
        "can_delete": may_act_on(membership, (offer.owner_id,), module="offers"),
    }
    return render(request, "sales/offers/detail.html", context)


@member_view
@require_GET
def offer_lines(request: HttpRequest, membership: Membership, offer_id: uuid.UUID) -> HttpResponse:
    """The lines and totals (the part of the editor that changes with every edit)."""
    offer = _offer(membership, offer_id)
    return render(request, "sales/offers/partials/lines.html", _lines_context(offer))


@member_view
@require_http_methods(["GET", "POST"])
def offer_edit(request: HttpRequest, membership: Membership, offer_id: uuid.UUID) -> HttpResponse:
    org = membership.organization
    offer = _offer(membership, offer_id)
    initial = {
        name: getattr(offer, name)
        for name in OfferDetailsForm.base_fields
        if name not in {"owner_id", "version"}
    }
    initial |= {"owner_id": str(offer.owner_id or ""), "version": offer.version}
    form = OfferDetailsForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        members=_members(org),
        may_reassign=may_act_on(membership, (offer.owner_id,), module="offers", action="assign"),
    )
    if request.method == "POST":
        if form.is_valid():
            try:
                services.offer_update(
                    org=org,
                    user=membership.user,
                    offer_id=offer.pk,
                    version=form.cleaned_data.get("version"),
                    **form.changes(),
                )
            except DomainError as error:
                show_error(form, error, stale=stale_text())
            else:
                messages.success(request, _("Offer saved."))
                return done(request, reverse("sales:offer", args=[offer.pk]))
        return _dialog(
            request,
            "sales/offers/partials/edit_dialog.html",
            {"offer": offer, "form": form},
            invalid=True,
        )
    return _dialog(
        request, "sales/offers/partials/edit_dialog.html", {"offer": offer, "form": form}
    )


@member_view
@require_http_methods(["GET", "POST"])
def offer_status(request: HttpRequest, membership: Membership, offer_id: uuid.UUID) -> HttpResponse:
    """Move the offer to another status; won and lost ask for a date (and lost a reason)."""
    from smartcrm.sales.services.offers import org_today

    org = membership.organization
    offer = _offer(membership, offer_id)
    back = request.POST.get("next") or request.GET.get("next") or ""
    if back not in {reverse("sales:pipeline")}:
        back = reverse("sales:offer", args=[offer.pk])
    wanted = request.GET.get("status", "")
    initial = {
        "status": wanted,
        "version": offer.version,
        "closed_date": org_today(org) if wanted in CLOSING else None,
    }
    form = OfferStatusForm(request.POST if request.method == "POST" else None, initial=initial)
    context = {"offer": offer, "form": form, "next": back}
    if request.method == "GET":
        return _dialog(request, "sales/offers/partials/status_dialog.html", context)
    in_dialog = "dialog" in request.POST  # else a one-click button: refusals are messages
    if form.is_valid():
        try:
            services.offer_change_status(
                org=org,
                user=membership.user,
                offer_id=offer.pk,
                status=form.cleaned_data["status"],
                closed_date=form.cleaned_data["closed_date"],
                lost_reason=form.cleaned_data["lost_reason"],
                version=form.cleaned_data.get("version"),
            )
        except DomainError as error:
            if not in_dialog:
                return _refusal(request, error, back)
            show_error(form, error, stale=stale_text())
        else:
            messages.success(
                request,
                _("Offer %(number)s is now “%(status)s”.")
                % {
                    "number": offer.number,
                    "status": OfferStatus(form.cleaned_data["status"]).label,
                },
            )
            return done(request, back)
    elif not in_dialog:
        refusal = " ".join(str(error) for errors in form.errors.values() for error in errors)
        return _refusal(request, DomainError(refusal), back)
    return _dialog(request, "sales/offers/partials/status_dialog.html", context, invalid=True)


@member_view
@require_POST
def offer_delete(request: HttpRequest, membership: Membership, offer_id: uuid.UUID) -> HttpResponse:
    offer = _offer(membership, offer_id)
    try:
        services.offer_delete(
            org=membership.organization,
            user=membership.user,
            offer_id=offer.pk,
            version=_version(request.POST.get("version")),
        )
    except DomainError as error:
        return _refusal(request, error, reverse("sales:offer", args=[offer.pk]))
    messages.success(request, _("Offer %(number)s moved to the trash.") % {"number": offer.number})
    return done(request, reverse("sales:offer-list"))


def _version(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


# --- documents and the client ------------------------------------------------------------


@member_view
@require_GET
def offer_pdf(request: HttpRequest, membership: Membership, offer_id: uuid.UUID) -> HttpResponse:
    from smartcrm.sales.documents import offer_pdf as render_pdf

    offer = _offer(membership, offer_id)
    pdf = render_pdf(org=membership.organization, offer=offer)
    response = HttpResponse(pdf, content_type="application/pdf")
    download = request.GET.get("download", "").lower() in {"1", "true", "yes"}
    disposition = "attachment" if download else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{offer.number}.pdf"'
    return response


def _account_contacts(offer: Offer) -> list[Any]:
    return list(offer.account.contacts.order_by("last_name", "first_name"))


@member_view
@require_http_methods(["GET", "POST"])
def offer_send(request: HttpRequest, membership: Membership, offer_id: uuid.UUID) -> HttpResponse:
    """E-mail the offer with its PDF to contacts of the account (the outreach service)."""
    from smartcrm.outreach.services import offer_send as send

    offer = _offer(membership, offer_id)
    contacts = _account_contacts(offer)
    if request.method == "GET":
        chosen = set(offer.offer_contacts.values_list("contact_id", flat=True))
        form = OfferSendForm(
            initial={
                "contact_ids": [str(c.pk) for c in contacts if c.pk in chosen and c.email],
                "version": offer.version,
            },
            contacts=contacts,
        )
        return _dialog(
            request, "sales/offers/partials/send_dialog.html", {"offer": offer, "form": form}
        )
    form = OfferSendForm(request.POST, contacts=contacts)
    if form.is_valid():
        try:
            result = send(
                org=membership.organization,
                user=membership.user,
                offer_id=offer.pk,
                contact_ids=form.cleaned_data["contact_ids"],
                subject=form.cleaned_data["subject"] or None,
                body=form.cleaned_data["body"] or None,
                version=form.cleaned_data.get("version"),
            )
        except DomainError as error:
            show_error(form, error, stale=stale_text())
        else:
            messages.success(
                request,
                _("The offer was sent to %(to)s.") % {"to": ", ".join(result.recipients)},
            )
            return done(request, reverse("sales:offer", args=[offer.pk]))
    return _dialog(
        request,
        "sales/offers/partials/send_dialog.html",
        {"offer": offer, "form": form},
        invalid=True,
    )


@member_view
@require_POST
def offer_link(request: HttpRequest, membership: Membership, offer_id: uuid.UUID) -> HttpResponse:
    """A new client link for a sent offer (shown once), or withdraw the live one."""
    from smartcrm.outreach import services as outreach

    org = membership.organization
    offer = _offer(membership, offer_id)
    here = reverse("sales:offer", args=[offer.pk])
    try:
        if request.POST.get("action") == "revoke":
            outreach.offer_link_revoke(org=org, user=membership.user, offer_id=offer.pk)
            messages.success(request, _("The client link was withdrawn."))
        else:
            created = outreach.offer_link_create(org=org, user=membership.user, offer_id=offer.pk)
            messages.success(
                request,
                _("New client link (copy it now, it is shown only once): %(url)s")
                % {"url": created.url},
            )
    except DomainError as error:
        return _refusal(request, error, here)
    return done(request, here)


# --- lines -----------------------------------------------------------------------------


def _lines_response(
    request: HttpRequest,
    membership: Membership,
    offer_id: uuid.UUID,
    *,
    edit_forms: dict[uuid.UUID, LineEditForm] | None = None,
    status: int = 200,
    trigger: dict[str, Any] | None = None,
) -> HttpResponse:
    offer = _offer(membership, offer_id)
    context = {**_lines_context(offer, edit_forms), "oob": True}
    response = render(request, "sales/offers/partials/lines.html", context, status=status)
    if trigger:
        response["HX-Trigger"] = json.dumps(trigger)
    return response


@member_view
@require_http_methods(["GET", "POST"])
def offer_line_add(
    request: HttpRequest, membership: Membership, offer_id: uuid.UUID
) -> HttpResponse:
    """A free line, in a dialog; on success the dialog closes and the lines reload."""
    offer = _offer(membership, offer_id)
    if request.method == "GET":
        form = LineForm(initial={"currency": offer.currency})
        return _dialog(
            request, "sales/offers/partials/line_dialog.html", {"offer": offer, "form": form}
        )
    form = LineForm(request.POST)
    if form.is_valid():
        try:
            services.offer_line_add(
                org=membership.organization,
                user=membership.user,
                offer_id=offer.pk,
                **form.values(),
            )
        except DomainError as error:
            show_error(form, error, stale=stale_text())
        else:
            response = _lines_response(request, membership, offer.pk, trigger={"closeDialog": True})
            response["HX-Retarget"] = "#offer-lines"
            response["HX-Reswap"] = "innerHTML"
            return response
    return _dialog(
        request,
        "sales/offers/partials/line_dialog.html",
        {"offer": offer, "form": form},
        invalid=True,
    )


@member_view
@require_POST
def offer_line_add_product(
    request: HttpRequest, membership: Membership, offer_id: uuid.UUID
) -> HttpResponse:
    """A catalogue product picked in the editor: the service takes its price, VAT and
    converts its currency."""
    offer = _offer(membership, offer_id)
    form = ProductLineForm(request.POST)
    if not form.is_valid():
        response = HttpResponse(status=422)
        response["X-Error-Message"] = quote(_("Choose a product from the list."))
        return response
    try:
        services.offer_line_add(
            org=membership.organization,
            user=membership.user,
            offer_id=offer.pk,
            product_id=form.cleaned_data["product_id"],
            quantity=form.cleaned_data["quantity"] or 1,
        )
    except DomainError as error:
        return _refusal(request, error, reverse("sales:offer", args=[offer.pk]))
    if not is_htmx(request):
        return redirect("sales:offer", offer_id=offer.pk)
    return _lines_response(request, membership, offer.pk)


def _line(membership: Membership, line_id: uuid.UUID) -> OfferLine:
    return record_or_404(OfferLine, membership, line_id, module="offers")


@member_view
@require_POST
def offer_line_update(
    request: HttpRequest, membership: Membership, line_id: uuid.UUID
) -> HttpResponse:
    """One line edited in the table: quantity, price, discount, VAT; totals follow."""
    line = _line(membership, line_id)
    form = LineEditForm.for_line(line, request.POST)
    if form.is_valid():
        values = {name: value for name, value in form.cleaned_data.items() if name != "version"}
        try:
            services.offer_line_update(
                org=membership.organization,
                user=membership.user,
                line_id=line.pk,
                version=form.cleaned_data.get("version"),
                **values,
            )
        except DomainError as error:
            if error.kind != "invalid":
                return _refusal(request, error, reverse("sales:offer", args=[line.offer_id]))
            show_error(form, error, stale=stale_text())
        else:
            if not is_htmx(request):
                return redirect("sales:offer", offer_id=line.offer_id)
            return _lines_response(request, membership, line.offer_id)
    return _lines_response(
        request, membership, line.offer_id, edit_forms={line.pk: form}, status=422
    )


@member_view
@require_POST
def offer_line_delete(
    request: HttpRequest, membership: Membership, line_id: uuid.UUID
) -> HttpResponse:
    line = _line(membership, line_id)
    try:
        services.offer_line_remove(
            org=membership.organization,
            user=membership.user,
            line_id=line.pk,
            version=_version(request.POST.get("version")),
        )
    except DomainError as error:
        return _refusal(request, error, reverse("sales:offer", args=[line.offer_id]))
    if not is_htmx(request):
        return redirect("sales:offer", offer_id=line.offer_id)
    return _lines_response(request, membership, line.offer_id)
