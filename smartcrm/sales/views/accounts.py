"""Account pages: the list (filters, load more, bulk actions), the record page with its
offers, the create/edit dialog, ANAF, delete, and the account picker of the conversion."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from smartcrm.core.choices import County, PartyKind
from smartcrm.core.errors import DomainError
from smartcrm.core.models import Membership
from smartcrm.core.permissions import may_act_on
from smartcrm.dedupe.selectors import PossibleDuplicate
from smartcrm.sales import selectors, services
from smartcrm.sales.filters import ACCOUNT_ORDERINGS
from smartcrm.sales.forms.accounts import AccountForm
from smartcrm.sales.forms.prospects import (
    AccountPageFilters,
    BulkForm,
    member_choices,
    show_domain_error,
)
from smartcrm.sales.models import Account
from smartcrm.sales.services import bulk
from smartcrm.sales.views.records import back_url, children_counts, optional_url, valid_ids
from smartcrm.web.decorators import is_htmx, member_view, record_or_404
from smartcrm.web.dialogs import done, record_dialog_or_page, refusal_status, refused_text
from smartcrm.web.forms import version_from
from smartcrm.web.lists import list_page

OFFERS_SHOWN = 50
PICKER_SIZE = 20


def _account(membership: Membership, account_id: uuid.UUID) -> Account:
    return record_or_404(
        Account.objects.select_related("owner", "source_prospect"),
        membership,
        account_id,
        module="accounts",
    )


@member_view
def account_list(request: HttpRequest, membership: Membership) -> HttpResponse:
    org = membership.organization
    page = list_page(
        request,
        selectors.account_list(org=org, member=membership),
        filters=AccountPageFilters,
        orderings=ACCOUNT_ORDERINGS,
        default="name",
        key="accounts",
    )
    context = {"page": page, "default_ordering": page.default_ordering}
    if page.is_continuation:
        return render(request, "sales/accounts/_rows.html", context)
    context.update(
        members=member_choices(org),
        filter_choices={"counties": County.choices, "kinds": PartyKind.choices},
    )
    if is_htmx(request) and request.headers.get("HX-Target") == "list-results":
        return render(request, "sales/accounts/_results.html", context)
    return render(request, "sales/accounts/list.html", context)


@member_view
@require_http_methods(["GET", "POST"])
def account_new(request: HttpRequest, membership: Membership) -> HttpResponse:
    org = membership.organization
    form = AccountForm(
        request.POST or None, org=org, creating=True, initial={"owner_id": str(membership.user_id)}
    )
    if request.method == "POST" and form.is_valid():
        try:
            account = services.account_create(
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
            messages.success(request, _("Account created."))
            return done(request, reverse("sales:account", args=[account.pk]))
    status = 422 if request.method == "POST" else 200
    return record_dialog_or_page(
        request,
        "sales/accounts/_form.html",
        {
            "form": form,
            "action": reverse("sales:account-new"),
            "title": _("New account"),
            "cancel_url": reverse("sales:account-list"),
        },
        status,
    )


@member_view
@require_http_methods(["GET", "POST"])
def account_edit(
    request: HttpRequest, membership: Membership, account_id: uuid.UUID
) -> HttpResponse:
    org = membership.organization
    account = _account(membership, account_id)
    initial = {name: getattr(account, name) for name in AccountForm.base_fields if
               hasattr(account, name)}  # fmt: skip
    initial.update(owner_id=str(account.owner_id or ""), version=account.version)
    form = AccountForm(
        request.POST or None,
        org=org,
        initial=initial,
        may_reassign=may_act_on(
            membership, (account.owner_id,), module="accounts", action="assign"
        ),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.account_update(
                org=org,
                user=membership.user,
                account_id=account.pk,
                version=form.cleaned_data["version"],
                **form.changes(),
            )
        except DomainError as error:
            show_domain_error(form, error)
        else:
            messages.success(request, _("Account saved."))
            return done(request, reverse("sales:account", args=[account.pk]))
    status = 422 if request.method == "POST" else 200
    return record_dialog_or_page(
        request,
        "sales/accounts/_form.html",
        {
            "form": form,
            "record": account,
            "action": reverse("sales:account-edit", args=[account.pk]),
            "title": _("Edit account"),
        },
        status,
    )


@member_view
def account_detail(
    request: HttpRequest, membership: Membership, account_id: uuid.UUID
) -> HttpResponse:
    account = _account(membership, account_id)
    offers = list(
        selectors.offer_list(org=membership.organization, account_id=account.pk, member=membership)[
            :OFFERS_SHOWN
        ]
    )
    new_offer_url = optional_url("sales:offer-new")
    context = {
        "record": account,
        "kind": "account",
        "offers": offers,
        "new_offer_url": f"{new_offer_url}?account={account.pk}" if new_offer_url else "",
        "can_delete": may_act_on(membership, (account.owner_id,), module="accounts"),
    }
    return render(request, "sales/accounts/detail.html", context)


@member_view
@require_POST
def account_fill_from_anaf(
    request: HttpRequest, membership: Membership, account_id: uuid.UUID
) -> HttpResponse:
    from smartcrm.integrations import services as integrations

    account = _account(membership, account_id)
    url = reverse("sales:account", args=[account.pk])
    try:
        integrations.account_fill_from_anaf(
            org=membership.organization,
            user=membership.user,
            account_id=account.pk,
            version=version_from(request.POST),
        )
    except DomainError as error:
        return refused_text(request, error.message, url, refusal_status(error))
    messages.success(request, _("Filled in from ANAF."))
    return done(request, url)


@member_view
@require_http_methods(["GET", "POST"])
def account_delete(
    request: HttpRequest, membership: Membership, account_id: uuid.UUID
) -> HttpResponse:
    account = _account(membership, account_id)
    if request.method == "POST":
        try:
            services.account_delete(
                org=membership.organization,
                user=membership.user,
                account_id=account.pk,
                version=version_from(request.POST),
            )
        except DomainError as error:
            return refused_text(
                request,
                error.message,
                reverse("sales:account", args=[account.pk]),
                refusal_status(error),
            )
        messages.success(
            request, _("The account %(name)s was moved to the trash.") % {"name": account.name}
        )
        return done(request, reverse("sales:account-list"))
    return record_dialog_or_page(
        request,
        "sales/partials/delete_confirm.html",
        {
            "record": account,
            "moves": children_counts(membership.organization, "account", account),
            "action": reverse("sales:account-delete", args=[account.pk]),
            "title": _("Delete %(name)s?") % {"name": account.name},
        },
    )


@member_view
@require_GET
def account_options(request: HttpRequest, membership: Membership) -> HttpResponse:
    """The account picker: ``<option>``s of the accounts whose name matches ``q``."""
    query = (
        (request.GET.get("q") or request.GET.get("account_q") or "")
        .replace("\x00", "")
        .strip()[:100]
    )
    accounts = (
        selectors.account_list(org=membership.organization, q=query, member=membership)
        .select_related(None)
        .only("id", "name")
    )
    return render(
        request,
        "sales/accounts/_options.html",
        {"accounts": list(accounts[:PICKER_SIZE]), "query": query},
    )


@member_view
@require_POST
def account_bulk(request: HttpRequest, membership: Membership) -> HttpResponse:
    """The list's bulk bar: assign an owner, delete (after a confirmation page)."""
    org, user = membership.organization, membership.user
    back = back_url(request, reverse("sales:account-list"))
    form = BulkForm(request.POST)
    if not form.is_valid() or form.cleaned_data["action"] == "status":
        return refused_text(request, _("Choose an action for the selected rows."), back, 422)
    data = form.cleaned_data
    ids = data["ids"]
    try:
        if data["action"] == "assign":
            count = bulk.accounts_assign_owner(
                org=org, user=user, account_ids=ids, owner_id=data["owner_id"] or None
            )
            text = ngettext(
                "%(count)s account has a new owner.", "%(count)s accounts have a new owner.", count
            )
        elif not data["confirmed"]:
            accounts = list(
                selectors.account_list(org=org, member=membership).filter(pk__in=valid_ids(ids))[
                    : bulk.MAX_BULK
                ]
            )
            return render(
                request,
                "sales/partials/bulk_delete_confirm.html",
                {
                    "records": accounts,
                    "action": reverse("sales:account-bulk"),
                    "back": back,
                    "title": ngettext(
                        "Delete %(count)s account?", "Delete %(count)s accounts?", len(accounts)
                    )
                    % {"count": len(accounts)},
                    "note": _(
                        "Their contacts, activities, notes and tasks go to the trash with them."
                    ),
                },
            )
        else:
            count = bulk.accounts_delete(org=org, user=user, account_ids=ids)
            text = ngettext(
                "%(count)s account was deleted.", "%(count)s accounts were deleted.", count
            )
    except DomainError as error:
        return refused_text(request, error.message, back, refusal_status(error))
    messages.success(request, text % {"count": count})
    return done(request, back)
