"""Record pages (offer, prospect, account) and organisation settings.

Thin views: resolve the member's organisation, call one selector or service, render; a
domain error becomes a message next to the form, and nothing changes.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from smartcrm.core.errors import DomainError, NotFound
from smartcrm.core.models import Membership
from smartcrm.core.selectors import tenant_get
from smartcrm.sales import selectors as sales
from smartcrm.sales.models import Account, Offer, Prospect
from smartcrm.web import forms
from smartcrm.web.context import current_membership

View = Callable[..., HttpResponse]


def member_view(view: View) -> View:
    """Log in required; the view receives the member's Membership (organisation, user)."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        membership = current_membership(request)
        if membership is None:
            return render(request, "web/no_organisation.html", status=403)
        return view(request, membership, *args, **kwargs)

    return wrapper


def _record(model: type[Any], membership: Membership, record_id: uuid.UUID) -> Any:
    try:
        return tenant_get(model, org=membership.organization, record_id=record_id)
    except NotFound:
        raise Http404("Not found.") from None


def _error_text(error: DomainError) -> str:
    return str(error)


def _timeline(membership: Membership, record: Any) -> list[sales.TimelineEntry]:
    entries, _more = sales.record_timeline(org=membership.organization, record=record, limit=30)
    return entries


@member_view
def offer_detail(request: HttpRequest, membership: Membership, offer_id: uuid.UUID) -> HttpResponse:
    offer = _record(Offer, membership, offer_id)
    offer = (
        Offer.objects.for_org(membership.organization)
        .select_related("account", "owner")
        .get(pk=offer.pk)
    )
    lines = list(offer.lines.order_by("position", "created_at"))
    offer_contacts = [
        link.contact
        for link in offer.offer_contacts.select_related("contact").order_by("created_at")
    ]
    account_contacts = list(offer.account.contacts.order_by("last_name", "first_name"))
    send_form = forms.OfferSendForm(
        contacts=account_contacts,
        initial={"contact_ids": [str(c.pk) for c in offer_contacts if c.email]},
    )
    from smartcrm.outreach.selectors import active_link_of

    link = active_link_of(org=membership.organization, offer=offer)
    context = {
        "org": membership.organization,
        "offer": offer,
        "lines": lines,
        "vat_breakdown": sales.offer_vat_breakdown(offer=offer),
        "offer_contacts": offer_contacts,
        "send_form": send_form,
        "link": link,
        "timeline": _timeline(membership, offer),
    }
    return render(request, "web/offer_detail.html", context)


@member_view
def offer_pdf(request: HttpRequest, membership: Membership, offer_id: uuid.UUID) -> HttpResponse:
    offer = _record(Offer, membership, offer_id)
    from smartcrm.sales.documents import offer_pdf as render_pdf

    pdf = render_pdf(org=membership.organization, offer=offer)
    response = HttpResponse(pdf, content_type="application/pdf")
    download = request.GET.get("download", "").lower() in {"1", "true", "yes"}
    disposition = "attachment" if download else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{offer.number}.pdf"'
    return response


@member_view
@require_POST
def offer_send(request: HttpRequest, membership: Membership, offer_id: uuid.UUID) -> HttpResponse:
    from smartcrm.outreach.services import offer_send as send

    offer = _record(Offer, membership, offer_id)
    contacts = list(offer.account.contacts.order_by("last_name", "first_name"))
    form = forms.OfferSendForm(request.POST, contacts=contacts)
    if form.is_valid():
        try:
            send(
                org=membership.organization,
                user=membership.user,
                offer_id=offer.pk,
                contact_ids=form.cleaned_data["contact_ids"],
                subject=form.cleaned_data["subject"] or None,
                body=form.cleaned_data["body"] or None,
                version=form.cleaned_data.get("version"),
            )
        except DomainError as error:
            messages.error(request, _error_text(error))
        else:
            messages.success(request, _("The offer was sent."))
    else:
        messages.error(request, " ".join(str(m) for errors in form.errors.values() for m in errors))
    return redirect("web:offer", offer_id=offer.pk)


@member_view
def prospect_detail(
    request: HttpRequest, membership: Membership, prospect_id: uuid.UUID
) -> HttpResponse:
    prospect = _record(Prospect, membership, prospect_id)
    context = {
        "org": membership.organization,
        "record": prospect,
        "kind": "prospect",
        "contacts": list(prospect.contacts.order_by("last_name")),
        "timeline": _timeline(membership, prospect),
    }
    return render(request, "web/record_detail.html", context)


@member_view
def account_detail(
    request: HttpRequest, membership: Membership, account_id: uuid.UUID
) -> HttpResponse:
    account = _record(Account, membership, account_id)
    context = {
        "org": membership.organization,
        "record": account,
        "kind": "account",
        "contacts": list(account.contacts.order_by("last_name")),
        "offers": list(account.offers.order_by("-issue_date", "-number")[:50]),
        "timeline": _timeline(membership, account),
    }
    return render(request, "web/record_detail.html", context)


@member_view
@require_POST
def fill_from_anaf(
    request: HttpRequest, membership: Membership, kind: str, record_id: uuid.UUID
) -> HttpResponse:
    from smartcrm.integrations import services as integrations

    version = forms.version_from(request.POST)
    try:
        if kind == "prospect":
            integrations.prospect_fill_from_anaf(
                org=membership.organization,
                user=membership.user,
                prospect_id=record_id,
                version=version,
            )
        elif kind == "account":
            integrations.account_fill_from_anaf(
                org=membership.organization,
                user=membership.user,
                account_id=record_id,
                version=version,
            )
        else:
            raise Http404("Not found.")
    except DomainError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("Filled in from ANAF."))
    return redirect(reverse(f"web:{kind}", args=[record_id]))


@member_view
def organisation_settings(request: HttpRequest, membership: Membership) -> HttpResponse:
    from smartcrm.core import services as core

    org = membership.organization
    form = forms.OfferDocumentSettingsForm(request.POST or None, request.FILES or None, org=org)
    if request.method == "POST" and form.is_valid():
        try:
            changes = {k: v for k, v in form.cleaned_data.items() if k not in {"logo", "version"}}
            with transaction.atomic():  # a refused logo leaves the other settings unsaved too
                core.organization_update(
                    org=org, user=membership.user, version=form.cleaned_data["version"], **changes
                )
                if form.cleaned_data.get("logo"):
                    core.organization_set_logo(
                        org=org, user=membership.user, uploaded_file=form.cleaned_data["logo"]
                    )
        except DomainError as error:
            for issue in error.issues:
                form.add_error(issue.field if issue.field in form.fields else None, issue.message)
        else:
            messages.success(request, _("Settings saved."))
            return redirect("web:settings")
    return render(request, "web/settings.html", {"org": org, "form": form})


@member_view
@require_POST
def fetch_bnr_rates(request: HttpRequest, membership: Membership) -> HttpResponse:
    from smartcrm.integrations.bnr import bnr_rates_fetch

    try:
        result = bnr_rates_fetch(org=membership.organization, user=membership.user)
    except DomainError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("BNR rates loaded: %(summary)s") % {"summary": result})
    return redirect("web:settings")
