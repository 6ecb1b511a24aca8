"""Prospect pages: the list (filters, load more, bulk actions), the record page, the
create/edit dialog and the actions: status moves, disqualify, convert, ANAF, delete.

Thin views: parse, call one service or selector, render. A service's refusal is shown
next to the field it names (status 422, the user's input kept)."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_POST

from smartcrm.core.errors import DomainError
from smartcrm.core.models import Membership
from smartcrm.core.permissions import may_act_on
from smartcrm.dedupe.selectors import PossibleDuplicate
from smartcrm.sales import selectors, services
from smartcrm.sales.choices import PROSPECT_TRANSITIONS, ProspectStatus
from smartcrm.sales.filters import PROSPECT_ORDERINGS
from smartcrm.sales.forms.prospects import (
    BulkForm,
    ConvertForm,
    DisqualifyForm,
    ProspectForm,
    ProspectPageFilters,
    bulk_status_choices,
    member_choices,
    show_domain_error,
)
from smartcrm.sales.models import Account, Prospect
from smartcrm.sales.services import bulk
from smartcrm.sales.views.records import back_url, children_counts, optional_url, valid_ids
from smartcrm.web.decorators import is_htmx, member_view, record_or_404
from smartcrm.web.dialogs import done, record_dialog_or_page, refusal_status, refused_text
from smartcrm.web.forms import version_from
from smartcrm.web.lists import list_page

# Buttons of the record page for the moves a user makes by hand (qualify, back to new…).
MOVE_LABELS = {
    ProspectStatus.NEW: gettext_lazy("Back to new"),
    ProspectStatus.IN_PROGRESS: gettext_lazy("Mark in progress"),
    ProspectStatus.QUALIFIED: gettext_lazy("Qualify"),
}


def _prospect(membership: Membership, prospect_id: uuid.UUID) -> Prospect:
    return record_or_404(
        Prospect.objects.select_related("owner", "converted_account"),
        membership,
        prospect_id,
        module="prospects",
    )


@member_view
def prospect_list(request: HttpRequest, membership: Membership) -> HttpResponse:
    org = membership.organization
    page = list_page(
        request,
        selectors.prospect_list(org=org, member=membership),
        filters=ProspectPageFilters,
        orderings=PROSPECT_ORDERINGS,
        default="-created_at",
        key="prospects",
    )
    context = {"page": page, "default_ordering": page.default_ordering}
    if page.is_continuation:
        return render(request, "sales/prospects/_rows.html", context)
    context.update(
        members=member_choices(org),
        statuses=ProspectStatus.choices,
        bulk_statuses=bulk_status_choices(),
        filter_choices=_filter_choices(),
    )
    if is_htmx(request) and request.headers.get("HX-Target") == "list-results":
        return render(request, "sales/prospects/_results.html", context)
    return render(request, "sales/prospects/list.html", context)


def _filter_choices() -> dict[str, Any]:
    from smartcrm.core.choices import County, PartyKind, Priority
    from smartcrm.sales.choices import ProspectSource

    return {
        "priorities": Priority.choices,
        "counties": County.choices,
        "sources": ProspectSource.choices,
        "kinds": PartyKind.choices,
    }


@member_view
@require_http_methods(["GET", "POST"])
def prospect_new(request: HttpRequest, membership: Membership) -> HttpResponse:
    org = membership.organization
    form = ProspectForm(
        request.POST or None, org=org, creating=True, initial={"owner_id": str(membership.user_id)}
    )
    if request.method == "POST" and form.is_valid():
        try:
            prospect = services.prospect_create(
                org=org,
                user=membership.user,
                allow_duplicate=form.cleaned_data["allow_duplicate"],
                **form.changes(),
            )
        except PossibleDuplicate as error:
            form.show_duplicates(error.candidates)
            form.add_error(None, error.message)
        except DomainError as error:
            show_domain_error(form, error)
        else:
            messages.success(request, _("Prospect created."))
            return done(request, reverse("sales:prospect", args=[prospect.pk]))
    status = 422 if request.method == "POST" else 200
    return record_dialog_or_page(
        request,
        "sales/prospects/_form.html",
        {
            "form": form,
            "action": reverse("sales:prospect-new"),
            "title": _("New prospect"),
            "cancel_url": reverse("sales:prospect-list"),
        },
        status,
    )


@member_view
@require_http_methods(["GET", "POST"])
def prospect_edit(
    request: HttpRequest, membership: Membership, prospect_id: uuid.UUID
) -> HttpResponse:
    org = membership.organization
    prospect = _prospect(membership, prospect_id)
    initial = {name: getattr(prospect, name) for name in ProspectForm.base_fields if
               hasattr(prospect, name)}  # fmt: skip
    initial.update(owner_id=str(prospect.owner_id or ""), version=prospect.version)
    form = ProspectForm(
        request.POST or None,
        org=org,
        initial=initial,
        may_reassign=may_act_on(
            membership, (prospect.owner_id,), module="prospects", action="assign"
        ),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.prospect_update(
                org=org,
                user=membership.user,
                prospect_id=prospect.pk,
                version=form.cleaned_data["version"],
                **form.changes(),
            )
        except DomainError as error:
            show_domain_error(form, error)
        else:
            messages.success(request, _("Prospect saved."))
            return done(request, reverse("sales:prospect", args=[prospect.pk]))
    status = 422 if request.method == "POST" else 200
    return record_dialog_or_page(
        request,
        "sales/prospects/_form.html",
        {
            "form": form,
            "record": prospect,
            "action": reverse("sales:prospect-edit", args=[prospect.pk]),
            "title": _("Edit prospect"),
        },
        status,
    )


@member_view
def prospect_detail(
    request: HttpRequest, membership: Membership, prospect_id: uuid.UUID
) -> HttpResponse:
    prospect = _prospect(membership, prospect_id)
    moves = [
        (status, MOVE_LABELS[status])
        for status in (ProspectStatus.QUALIFIED, ProspectStatus.IN_PROGRESS, ProspectStatus.NEW)
        if status in PROSPECT_TRANSITIONS[prospect.status]
    ]
    context = {
        "record": prospect,
        "kind": "prospect",
        "moves": moves,
        "can_disqualify": ProspectStatus.DISQUALIFIED in PROSPECT_TRANSITIONS[prospect.status],
        "can_convert": prospect.status == ProspectStatus.QUALIFIED,
        "is_converted": prospect.status == ProspectStatus.CONVERTED,
        "can_delete": may_act_on(membership, (prospect.owner_id,), module="prospects"),
    }
    return render(request, "sales/prospects/detail.html", context)


@member_view
@require_POST
def prospect_status(
    request: HttpRequest, membership: Membership, prospect_id: uuid.UUID
) -> HttpResponse:
    prospect = _prospect(membership, prospect_id)
    url = reverse("sales:prospect", args=[prospect.pk])
    try:
        moved = services.prospect_set_status(
            org=membership.organization,
            user=membership.user,
            prospect_id=prospect.pk,
            status=request.POST.get("status", ""),
            version=version_from(request.POST),
        )
    except DomainError as error:
        return refused_text(request, error.message, url, refusal_status(error))
    messages.success(
        request, _("The prospect is now “%(status)s”.") % {"status": moved.get_status_display()}
    )
    return done(request, url)


@member_view
@require_http_methods(["GET", "POST"])
def prospect_disqualify(
    request: HttpRequest, membership: Membership, prospect_id: uuid.UUID
) -> HttpResponse:
    prospect = _prospect(membership, prospect_id)
    form = DisqualifyForm(request.POST or None, initial={"version": prospect.version})
    if request.method == "POST" and form.is_valid():
        try:
            services.prospect_disqualify(
                org=membership.organization,
                user=membership.user,
                prospect_id=prospect.pk,
                reason=form.cleaned_data["reason"],
                version=form.cleaned_data["version"],
            )
        except DomainError as error:
            show_domain_error(form, error)
        else:
            messages.success(request, _("The prospect was disqualified."))
            return done(request, reverse("sales:prospect", args=[prospect.pk]))
    status = 422 if request.method == "POST" else 200
    return record_dialog_or_page(
        request,
        "sales/prospects/_disqualify.html",
        {
            "form": form,
            "record": prospect,
            "action": reverse("sales:prospect-disqualify", args=[prospect.pk]),
            "title": _("Disqualify %(name)s") % {"name": prospect.display_name},
        },
        status,
    )


def _account_choices(membership: Membership, account_id: Any) -> list[tuple[str, str]]:
    """The account chosen before (kept when the form comes back with an error)."""
    if not account_id:
        return []
    account = (
        Account.objects.for_org(membership.organization).filter(pk=account_id).only("name").first()
    )
    return [(str(account.pk), account.name)] if account else []


@member_view
@require_http_methods(["GET", "POST"])
def prospect_convert(
    request: HttpRequest, membership: Membership, prospect_id: uuid.UUID
) -> HttpResponse:
    org = membership.organization
    prospect = _prospect(membership, prospect_id)
    chosen = request.POST.get("account_id") if request.method == "POST" else None
    try:
        uuid.UUID(str(chosen)) if chosen else None
    except ValueError:
        chosen = None
    form = ConvertForm(
        request.POST or None,
        account_choices=_account_choices(membership, chosen),
        initial={"version": prospect.version},
    )
    if request.method == "POST" and form.is_valid():
        try:
            conversion = services.prospect_convert(
                org=org,
                user=membership.user,
                prospect_id=prospect.pk,
                account_id=form.account_to_merge(),
                offer=form.first_offer(),
                version=form.cleaned_data["version"],
            )
        except DomainError as error:
            show_domain_error(form, error)
        else:
            messages.success(
                request,
                _("%(prospect)s was converted into the account %(account)s.")
                % {"prospect": prospect.display_name, "account": conversion.account.name},
            )
            url = reverse("sales:account", args=[conversion.account.pk])
            if conversion.offer is not None:
                url = optional_url("sales:offer", conversion.offer.pk) or url
            return done(request, url)
    status = 422 if request.method == "POST" else 200
    return record_dialog_or_page(
        request,
        "sales/prospects/_convert.html",
        {
            "form": form,
            "record": prospect,
            "moves": children_counts(org, "prospect", prospect),
            "action": reverse("sales:prospect-convert", args=[prospect.pk]),
            "title": _("Convert %(name)s") % {"name": prospect.display_name},
        },
        status,
    )


@member_view
@require_POST
def prospect_fill_from_anaf(
    request: HttpRequest, membership: Membership, prospect_id: uuid.UUID
) -> HttpResponse:
    from smartcrm.integrations import services as integrations

    prospect = _prospect(membership, prospect_id)
    url = reverse("sales:prospect", args=[prospect.pk])
    try:
        integrations.prospect_fill_from_anaf(
            org=membership.organization,
            user=membership.user,
            prospect_id=prospect.pk,
            version=version_from(request.POST),
        )
    except DomainError as error:
        return refused_text(request, error.message, url, refusal_status(error))
    messages.success(request, _("Filled in from ANAF."))
    return done(request, url)


@member_view
@require_http_methods(["GET", "POST"])
def prospect_delete(
    request: HttpRequest, membership: Membership, prospect_id: uuid.UUID
) -> HttpResponse:
    prospect = _prospect(membership, prospect_id)
    if request.method == "POST":
        try:
            services.prospect_delete(
                org=membership.organization,
                user=membership.user,
                prospect_id=prospect.pk,
                version=version_from(request.POST),
            )
        except DomainError as error:
            return refused_text(
                request,
                error.message,
                reverse("sales:prospect", args=[prospect.pk]),
                refusal_status(error),
            )
        messages.success(
            request,
            _("The prospect %(name)s was moved to the trash.") % {"name": prospect.display_name},
        )
        return done(request, reverse("sales:prospect-list"))
    return record_dialog_or_page(
        request,
        "sales/partials/delete_confirm.html",
        {
            "record": prospect,
            "moves": children_counts(membership.organization, "prospect", prospect),
            "action": reverse("sales:prospect-delete", args=[prospect.pk]),
            "title": _("Delete %(name)s?") % {"name": prospect.display_name},
        },
    )


@member_view
@require_POST
def prospect_bulk(request: HttpRequest, membership: Membership) -> HttpResponse:
    """The list's bulk bar: assign an owner, change the status, delete (after a
    confirmation page listing what goes)."""
    org, user = membership.organization, membership.user
    back = back_url(request, reverse("sales:prospect-list"))
    form = BulkForm(request.POST)
    if not form.is_valid():
        return refused_text(request, _("Choose an action for the selected rows."), back, 422)
    data = form.cleaned_data
    ids = data["ids"]
    try:
        if data["action"] == "assign":
            count = bulk.prospects_assign_owner(
                org=org, user=user, prospect_ids=ids, owner_id=data["owner_id"] or None
            )
            text = ngettext(
                "%(count)s prospect has a new owner.",
                "%(count)s prospects have a new owner.",
                count,
            )
        elif data["action"] == "status":
            count = bulk.prospects_set_status(
                org=org, user=user, prospect_ids=ids, status=data["status"], reason=data["reason"]
            )
            text = ngettext(
                "%(count)s prospect changed status.", "%(count)s prospects changed status.", count
            )
        elif not data["confirmed"]:
            prospects = list(
                selectors.prospect_list(org=org, member=membership).filter(pk__in=valid_ids(ids))[
                    : bulk.MAX_BULK
                ]
            )
            return render(
                request,
                "sales/partials/bulk_delete_confirm.html",
                {
                    "records": prospects,
                    "action": reverse("sales:prospect-bulk"),
                    "back": back,
                    "title": ngettext(
                        "Delete %(count)s prospect?", "Delete %(count)s prospects?", len(prospects)
                    )
                    % {"count": len(prospects)},
                    "note": _(
                        "Their contacts, activities, notes and tasks go to the trash with them."
                    ),
                },
            )
        else:
            count = bulk.prospects_delete(org=org, user=user, prospect_ids=ids)
            text = ngettext(
                "%(count)s prospect was deleted.", "%(count)s prospects were deleted.", count
            )
    except DomainError as error:
        return refused_text(request, error.message, back, refusal_status(error))
    messages.success(request, text % {"count": count})
    return done(request, back)
