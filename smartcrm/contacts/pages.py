"""The contacts of the whole organisation (a list with their prospect or account) and a
contact's own page. Adding, changing and deleting a contact happen in the dialogs of the
contacts section (smartcrm/contacts/views.py)."""

from __future__ import annotations

import uuid

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from smartcrm.contacts import selectors
from smartcrm.contacts.choices import ContactDepartment
from smartcrm.contacts.filters import CONTACT_ORDERINGS, ContactFilters
from smartcrm.core.errors import NotFound
from smartcrm.core.models import Membership
from smartcrm.web.decorators import is_htmx, member_view
from smartcrm.web.lists import list_page


@member_view
@require_GET
def contact_list(request: HttpRequest, membership: Membership) -> HttpResponse:
    page = list_page(
        request,
        selectors.contact_list(member=membership, with_parents=True),
        filters=ContactFilters,
        orderings=CONTACT_ORDERINGS,
        default="last_name",
        key="contacts",
    )
    context = {
        "page": page,
        "default_ordering": page.default_ordering,
        "departments": ContactDepartment.choices,
    }
    if page.is_continuation:
        return render(request, "contacts/pages/_rows.html", context)
    if is_htmx(request) and request.headers.get("HX-Target") == "list-results":
        return render(request, "contacts/pages/_results.html", context)
    return render(request, "contacts/pages/list.html", context)


@member_view
@require_GET
def contact_detail(
    request: HttpRequest, membership: Membership, contact_id: uuid.UUID
) -> HttpResponse:
    try:
        contact = selectors.contact_get(member=membership, contact_id=contact_id, with_parents=True)
    except NotFound:
        raise Http404("Not found.") from None
    return render(request, "contacts/pages/detail.html", {"contact": contact})
