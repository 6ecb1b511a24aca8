"""The record pages' Privacy menu: "Export personal data (JSON)" downloads the export,
"Erase this person…" opens a dialog saying what happens, then erases."""

from __future__ import annotations

import json
import uuid

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from smartcrm.contacts.models import Contact
from smartcrm.core.errors import DomainError, NotFound
from smartcrm.core.models import Membership
from smartcrm.privacy import services
from smartcrm.sales.models import Prospect
from smartcrm.web.decorators import member_view, record_or_404
from smartcrm.web.dialogs import done, record_dialog_or_page, refusal_status, refused_text

ERASE_TEMPLATE = "privacy/erase_confirm.html"


def _record_url(kind: str, record_id: uuid.UUID) -> str:
    return reverse("contacts:contact" if kind == "contact" else "sales:prospect", args=[record_id])


def _export(
    request: HttpRequest, membership: Membership, kind: str, record_id: uuid.UUID
) -> HttpResponse:
    try:
        export = services.person_export(
            org=membership.organization, user=membership.user, kind=kind, record_id=record_id
        )
    except NotFound:
        raise Http404("Not found.") from None
    except DomainError as error:
        return refused_text(
            request, error.message, _record_url(kind, record_id), refusal_status(error)
        )
    response = HttpResponse(
        json.dumps(export, ensure_ascii=False, indent=2), content_type="application/json"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="personal-data-{kind}-{record_id}.json"'
    )
    return response


def _erase(
    request: HttpRequest, membership: Membership, kind: str, record: Contact | Prospect
) -> HttpResponse:
    back = _record_url(kind, record.pk)
    if request.method == "POST":
        try:
            services.person_erase(
                org=membership.organization, user=membership.user, kind=kind, record_id=record.pk
            )
        except DomainError as error:
            return refused_text(request, error.message, back, refusal_status(error))
        messages.success(request, _("The person's personal data was erased."))
        return done(request, back)
    name = record.full_name if isinstance(record, Contact) else record.person_name
    return record_dialog_or_page(
        request,
        ERASE_TEMPLATE,
        {
            "record": record,
            "name": name,
            "action": reverse(f"privacy:{kind}-erase", args=[record.pk]),
            "title": _("Erase %(name)s?") % {"name": name},
            "cancel_url": back,
        },
    )


@member_view
@require_GET
def contact_personal_data(
    request: HttpRequest, membership: Membership, contact_id: uuid.UUID
) -> HttpResponse:
    return _export(request, membership, "contact", contact_id)


@member_view
@require_GET
def prospect_personal_data(
    request: HttpRequest, membership: Membership, prospect_id: uuid.UUID
) -> HttpResponse:
    return _export(request, membership, "prospect", prospect_id)


@member_view
@require_http_methods(["GET", "POST"])
def contact_erase(
    request: HttpRequest, membership: Membership, contact_id: uuid.UUID
) -> HttpResponse:
    return _erase(request, membership, "contact", record_or_404(Contact, membership, contact_id))


@member_view
@require_http_methods(["GET", "POST"])
def prospect_erase(
    request: HttpRequest, membership: Membership, prospect_id: uuid.UUID
) -> HttpResponse:
    return _erase(request, membership, "prospect", record_or_404(Prospect, membership, prospect_id))
