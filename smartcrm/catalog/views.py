"""Catalogue pages: products and services, the typeahead of the offer editor, and the
exchange rates (by hand or from BNR).

Everyone in the organisation sees the catalogue; managers and up change it (the services
say so, and the pages show the forms only to them). A switched-off catalogue is a 404.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from smartcrm.catalog import selectors, services
from smartcrm.catalog.filters import (
    EXCHANGE_RATE_ORDERINGS,
    PRODUCT_ORDERINGS,
    ExchangeRateFilters,
    ProductFilters,
)
from smartcrm.catalog.forms import ExchangeRateForm, ProductForm
from smartcrm.catalog.models import ExchangeRate, Product
from smartcrm.core.choices import Role
from smartcrm.core.errors import DomainError, StaleVersion
from smartcrm.core.models import Membership
from smartcrm.core.modules import Module, module_enabled
from smartcrm.core.permissions import has_role, may
from smartcrm.web.decorators import member_view, record_or_404
from smartcrm.web.dialogs import show_error, stale_text
from smartcrm.web.lists import list_page

SEARCH_HITS = 10


def _catalogue_on(membership: Membership) -> None:
    if not module_enabled(membership.organization, Module.CATALOG):
        raise Http404("Not found.")


def _can_edit(membership: Membership) -> bool:
    """The products edit grant (managers and up, among the built-in roles)."""
    return may(membership, "products", "edit")


def _can_create(membership: Membership) -> bool:
    return may(membership, "products", "create")


def _can_keep_rates(membership: Membership) -> bool:
    """Exchange rates are the organisation's settings: managers and up."""
    return has_role(membership, Role.MANAGER)


def _forbidden(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "catalog/forbidden.html",
        {"message": _("Only managers, administrators and owners may change the catalogue.")},
        status=403,
    )


# --- products --------------------------------------------------------------------------


@member_view
@require_GET
def product_list(request: HttpRequest, membership: Membership) -> HttpResponse:
    _catalogue_on(membership)
    page = list_page(
        request,
        selectors.product_list(org=membership.organization, member=membership),
        filters=ProductFilters,
        orderings=PRODUCT_ORDERINGS,
        default="code",
        key="products",
    )
    context = {"page": page, "can_create": _can_create(membership), "default_ordering": "code"}
    if page.is_continuation:
        return render(request, "catalog/partials/product_rows.html", context)
    return render(request, "catalog/product_list.html", context)


@member_view
@require_http_methods(["GET", "POST"])
def product_new(request: HttpRequest, membership: Membership) -> HttpResponse:
    _catalogue_on(membership)
    if not _can_create(membership):
        return _forbidden(request)
    org = membership.organization
    initial = {"currency": org.base_currency, "active": True, "kind": "product"}
    form = ProductForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST":
        if form.is_valid():
            try:
                product = services.product_create(org=org, user=membership.user, **form.values())
            except DomainError as error:
                show_error(form, error, stale=stale_text())
            else:
                messages.success(
                    request, _("%(code)s added to the catalogue.") % {"code": product.code}
                )
                return redirect("catalog:product", product_id=product.pk)
        return render(request, "catalog/product_form.html", {"form": form}, status=422)
    return render(request, "catalog/product_form.html", {"form": form})


def _product_initial(product: Product) -> dict[str, Any]:
    return {name: getattr(product, name) for name in ProductForm.base_fields}


@member_view
@require_http_methods(["GET", "POST"])
def product_detail(
    request: HttpRequest, membership: Membership, product_id: uuid.UUID
) -> HttpResponse:
    """The product's page; managers edit it here."""
    _catalogue_on(membership)
    product = record_or_404(Product, membership, product_id, module="products")
    can_edit = _can_edit(membership)
    if request.method == "POST" and not can_edit:
        return _forbidden(request)
    form = ProductForm(
        request.POST if request.method == "POST" else None, initial=_product_initial(product)
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                product = services.product_update(
                    org=membership.organization,
                    user=membership.user,
                    product_id=product.pk,
                    version=form.cleaned_data.get("version"),
                    **form.values(),
                )
            except DomainError as error:
                show_error(form, error, stale=stale_text())
            else:
                messages.success(request, _("%(code)s saved.") % {"code": product.code})
                return redirect("catalog:product", product_id=product.pk)
        status = 422
    context = {"product": product, "form": form, "can_edit": can_edit}
    return render(request, "catalog/product_detail.html", context, status=status)


@member_view
@require_POST
def product_set_active(
    request: HttpRequest, membership: Membership, product_id: uuid.UUID
) -> HttpResponse:
    """Offer the product on new offers again, or stop offering it (offers keep their lines)."""
    _catalogue_on(membership)
    product = record_or_404(Product, membership, product_id, module="products")
    active = request.POST.get("active") == "1"
    version = request.POST.get("version")
    try:
        services.product_update(
            org=membership.organization,
            user=membership.user,
            product_id=product.pk,
            version=int(version) if version and version.isdigit() else None,
            active=active,
        )
    except DomainError as error:
        messages.error(
            request,
            _("Someone else changed this record meanwhile. Reload the page to see their changes.")
            if isinstance(error, StaleVersion)
            else error.message,
        )
    else:
        messages.success(
            request,
            (_("%(code)s is active again.") if active else _("%(code)s is no longer offered."))
            % {"code": product.code},
        )
    return redirect("catalog:product", product_id=product.pk)


@member_view
@require_GET
def product_search(request: HttpRequest, membership: Membership) -> HttpResponse:
    """The offer editor's typeahead: active products by code or name. HTML hits (submit
    buttons named ``product_id``), or JSON with ``?format=json``."""
    _catalogue_on(membership)
    q = request.GET.get("q", "").replace("\x00", "").strip()[:100]
    products = (
        list(
            selectors.product_list(
                org=membership.organization, active=True, q=q, member=membership
            )[:SEARCH_HITS]
        )
        if q
        else []
    )
    if request.GET.get("format") == "json":
        return JsonResponse(
            {
                "items": [
                    {
                        "id": str(product.pk),
                        "code": product.code,
                        "name": product.name,
                        "unit": product.unit,
                        "price": str(product.price),
                        "currency": product.currency,
                        "vat_rate": str(product.vat_rate),
                    }
                    for product in products
                ]
            }
        )
    return render(request, "catalog/partials/product_hits.html", {"products": products, "query": q})


# --- exchange rates --------------------------------------------------------------------


@member_view
@require_http_methods(["GET", "POST"])
def exchange_rates(request: HttpRequest, membership: Membership) -> HttpResponse:
    """The rates by day and currency; managers add or correct one, or load BNR's."""
    _catalogue_on(membership)
    org = membership.organization
    can_edit = _can_keep_rates(membership)
    if request.method == "POST" and not can_edit:
        return _forbidden(request)
    form = ExchangeRateForm(
        request.POST if request.method == "POST" else None, base_currency=org.base_currency
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                rate = services.exchange_rate_set(
                    org=org,
                    user=membership.user,
                    currency=form.cleaned_data["currency"],
                    date=form.cleaned_data["date"],
                    rate=form.cleaned_data["rate"],
                )
            except DomainError as error:
                show_error(form, error, stale=stale_text())
            else:
                messages.success(
                    request,
                    _("Rate saved: 1 %(currency)s = %(rate)s %(base)s on %(date)s.")
                    % {
                        "currency": rate.currency,
                        "rate": rate.rate.normalize(),
                        "base": org.base_currency,
                        "date": date_format(rate.date, "SHORT_DATE_FORMAT"),
                    },
                )
                return redirect("catalog:exchange-rates")
        status = 422
    page = list_page(
        request,
        ExchangeRate.objects.for_org(org),
        filters=ExchangeRateFilters,
        orderings=EXCHANGE_RATE_ORDERINGS,
        default="-date",
        key="exchange-rates",
    )
    context = {"page": page, "form": form, "can_edit": can_edit, "default_ordering": "-date"}
    if page.is_continuation and request.method == "GET":
        return render(request, "catalog/partials/rate_rows.html", context)
    return render(request, "catalog/exchange_rates.html", context, status=status)


@member_view
@require_POST
def exchange_rates_fetch(request: HttpRequest, membership: Membership) -> HttpResponse:
    """Load the latest rates published by the National Bank of Romania."""
    from smartcrm.integrations.bnr import bnr_rates_fetch

    _catalogue_on(membership)
    if not _can_keep_rates(membership):
        return _forbidden(request)
    try:
        result = bnr_rates_fetch(org=membership.organization, user=membership.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("BNR rates loaded: %(summary)s") % {"summary": result})
    return redirect("catalog:exchange-rates")
