"""Web edge of the contacts module: the contacts section of a record page and its dialogs.

The section (``contacts:section``) is loaded by the record pages of prospects, accounts and
offers; it reloads itself when the page hears ``contacts-changed``. On an offer it shows the
offer's contacts, chosen among the account's.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from smartcrm.contacts import selectors, services
from smartcrm.contacts.forms import ContactForm, OfferContactForm
from smartcrm.contacts.models import Contact
from smartcrm.core.errors import DomainError, ValidationFailed
from smartcrm.core.models import Membership
from smartcrm.dedupe.selectors import PossibleDuplicate
from smartcrm.sales.models import Offer
from smartcrm.web.decorators import member_view, record_or_404
from smartcrm.web.dialogs import (
    changed,
    dialog_or_page,
    refused,
    section_parent,
    show_error,
    takes_new_children,
)
from smartcrm.web.records_urls import record_url

EVENT = "contacts-changed"
SECTION_LIMIT = 200


def _contact_parent(contact: Contact) -> tuple[str, uuid.UUID]:
    if contact.prospect_id:
        return "prospect", contact.prospect_id
    assert contact.account_id is not None  # the database holds: exactly one parent
    return "account", contact.account_id


@member_view
@require_GET
def section(
    request: HttpRequest, membership: Membership, parent_kind: str, parent_id: uuid.UUID
) -> HttpResponse:
    parent = section_parent(membership, parent_kind, parent_id)
    context: dict[str, Any] = {
        "parent": parent,
        "parent_kind": parent_kind,
        "section_url": reverse("contacts:section", args=[parent_kind, parent.pk]),
        "back": record_url(parent_kind, parent.pk),
    }
    if isinstance(parent, Offer):
        chosen = list(selectors.offer_contacts(member=membership, offer=parent)[:SECTION_LIMIT])
        context["contacts"] = chosen
        context["available"] = list(
            selectors.offer_contact_candidates(member=membership, offer=parent, chosen=chosen)[
                :SECTION_LIMIT
            ]
        )
        context["can_choose"] = not parent.is_closed
    else:
        context["contacts"] = list(
            selectors.record_contacts(member=membership, parent_kind=parent_kind, parent=parent)[
                :SECTION_LIMIT
            ]
        )
        context["can_add"] = takes_new_children(parent)
    return render(request, "contacts/partials/section.html", context)


def _dialog(
    request: HttpRequest, form: ContactForm, *, title: str, action: str, back: str, status: int
) -> HttpResponse:
    return dialog_or_page(
        request,
        {
            "form": form,
            "title": title,
            "action": action,
            "back": back,
            "submit_label": _("Save"),
            "testid": "contact-form",
        },
        status=status,
    )


@member_view
@require_http_methods(["GET", "POST"])
def contact_create(
    request: HttpRequest, membership: Membership, parent_kind: str, parent_id: uuid.UUID
) -> HttpResponse:
    if parent_kind not in ("prospect", "account"):
        raise Http404("Not found.")
    parent = section_parent(membership, parent_kind, parent_id)
    action = reverse("contacts:contact-create", args=[parent_kind, parent.pk])
    back = record_url(parent_kind, parent.pk)
    title = _("Add a contact")
    if request.method == "GET":
        return _dialog(request, ContactForm(), title=title, action=action, back=back, status=200)
    form = ContactForm(request.POST)
    if "allow_duplicate" in request.POST:
        form.offer_duplicate_override()
    if form.is_valid():
        try:
            services.contact_create(
                org=membership.organization,
                user=membership.user,
                allow_duplicate=bool(form.cleaned_data.get("allow_duplicate")),
                **{f"{parent_kind}_id": parent.pk},
                **form.contact_fields(),
            )
        except PossibleDuplicate as error:
            show_error(form, error)
            form.offer_duplicate_override()
        except DomainError as error:
            show_error(form, error)
        else:
            return changed(request, EVENT, fallback=back)
    return _dialog(request, form, title=title, action=action, back=back, status=422)


@member_view
@require_http_methods(["GET", "POST"])
def contact_edit(
    request: HttpRequest, membership: Membership, contact_id: uuid.UUID
) -> HttpResponse:
    contact = record_or_404(Contact, membership, contact_id)
    kind, parent_id = _contact_parent(contact)
    action = reverse("contacts:contact-edit", args=[contact.pk])
    back = record_url(kind, parent_id)
    title = _("Change the contact")
    if request.method == "GET":
        form = ContactForm(contact=contact)
        return _dialog(request, form, title=title, action=action, back=back, status=200)
    form = ContactForm(request.POST)
    if form.is_valid():
        try:
            services.contact_update(
                org=membership.organization,
                user=membership.user,
                contact_id=contact.pk,
                version=form.cleaned_data["version"],
                **form.contact_fields(),
            )
        except DomainError as error:
            show_error(form, error)
        else:
            return changed(request, EVENT, fallback=back)
    return _dialog(request, form, title=title, action=action, back=back, status=422)


@member_view
@require_POST
def contact_delete(
    request: HttpRequest, membership: Membership, contact_id: uuid.UUID
) -> HttpResponse:
    contact = record_or_404(Contact, membership, contact_id)
    back = record_url(*_contact_parent(contact))
    try:
        services.contact_delete(
            org=membership.organization,
            user=membership.user,
            contact_id=contact.pk,
            version=_version(request),
        )
    except DomainError as error:
        return refused(request, error, fallback=back)
    return changed(request, EVENT, fallback=back, close_dialog=False)


def _version(request: HttpRequest) -> int | None:
    try:
        return int(request.POST["version"])
    except (KeyError, ValueError):
        return None


def _offer_contacts_change(
    request: HttpRequest, membership: Membership, offer_id: uuid.UUID, *, add: bool
) -> HttpResponse:
    offer = record_or_404(Offer, membership, offer_id, module="offers")
    back = record_url("offer", offer.pk)
    form = OfferContactForm(request.POST)
    if not form.is_valid():
        return refused(
            request,
            ValidationFailed(_("Choose one of the account's contacts."), field="contact_id"),
            fallback=back,
        )
    current = selectors.offer_contact_ids(org=membership.organization, offer=offer)
    wanted = (
        current | {form.cleaned_data["contact_id"]}
        if add
        else current - {form.cleaned_data["contact_id"]}
    )
    try:
        services.offer_contacts_set(
            org=membership.organization,
            user=membership.user,
            offer_id=offer.pk,
            contact_ids=wanted,
        )
    except DomainError as error:
        return refused(request, error, fallback=back)
    return changed(request, EVENT, fallback=back, close_dialog=False)


@member_view
@require_POST
def offer_contact_add(
    request: HttpRequest, membership: Membership, offer_id: uuid.UUID
) -> HttpResponse:
    return _offer_contacts_change(request, membership, offer_id, add=True)


@member_view
@require_POST
def offer_contact_remove(
    request: HttpRequest, membership: Membership, offer_id: uuid.UUID
) -> HttpResponse:
    return _offer_contacts_change(request, membership, offer_id, add=False)
