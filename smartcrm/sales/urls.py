"""Web pages of the sales app (included at the site root by smartcrm/urls.py)."""

from django.urls import path

from smartcrm.sales.views import accounts, offers, pipeline, prospects, records

app_name = "sales"

urlpatterns: list = [
    # prospects
    path("prospects/", prospects.prospect_list, name="prospect-list"),
    path("prospects/new/", prospects.prospect_new, name="prospect-new"),
    path("prospects/bulk/", prospects.prospect_bulk, name="prospect-bulk"),
    path("prospects/<uuid:prospect_id>/", prospects.prospect_detail, name="prospect"),
    path("prospects/<uuid:prospect_id>/edit/", prospects.prospect_edit, name="prospect-edit"),
    path("prospects/<uuid:prospect_id>/delete/", prospects.prospect_delete, name="prospect-delete"),
    path("prospects/<uuid:prospect_id>/status/", prospects.prospect_status, name="prospect-status"),
    path(
        "prospects/<uuid:prospect_id>/disqualify/",
        prospects.prospect_disqualify,
        name="prospect-disqualify",
    ),
    path(
        "prospects/<uuid:prospect_id>/convert/",
        prospects.prospect_convert,
        name="prospect-convert",
    ),
    path(
        "prospects/<uuid:prospect_id>/fill-from-anaf/",
        prospects.prospect_fill_from_anaf,
        name="prospect-fill-from-anaf",
    ),
    # accounts
    path("accounts/", accounts.account_list, name="account-list"),
    path("accounts/new/", accounts.account_new, name="account-new"),
    path("accounts/bulk/", accounts.account_bulk, name="account-bulk"),
    path("accounts/options/", accounts.account_options, name="account-options"),
    path("accounts/<uuid:account_id>/", accounts.account_detail, name="account"),
    path("accounts/<uuid:account_id>/edit/", accounts.account_edit, name="account-edit"),
    path("accounts/<uuid:account_id>/delete/", accounts.account_delete, name="account-delete"),
    path(
        "accounts/<uuid:account_id>/fill-from-anaf/",
        accounts.account_fill_from_anaf,
        name="account-fill-from-anaf",
    ),
    # the timeline of a prospect, account or offer (a section of their pages)
    path("timeline/<str:kind>/<uuid:record_id>/", records.timeline, name="timeline"),
    # offers
    path("offers/", offers.offer_list, name="offer-list"),
    path("offers/new/", offers.offer_new, name="offer-new"),
    path("offers/accounts/", offers.account_options, name="offer-account-options"),
    path("offers/bulk/owner/", offers.offer_bulk_owner, name="offer-bulk-owner"),
    path("offers/<uuid:offer_id>/", offers.offer_detail, name="offer"),
    path("offers/<uuid:offer_id>/edit/", offers.offer_edit, name="offer-edit"),
    path("offers/<uuid:offer_id>/status/", offers.offer_status, name="offer-status"),
    path("offers/<uuid:offer_id>/delete/", offers.offer_delete, name="offer-delete"),
    path("offers/<uuid:offer_id>/pdf/", offers.offer_pdf, name="offer-pdf"),
    path("offers/<uuid:offer_id>/send/", offers.offer_send, name="offer-send"),
    path("offers/<uuid:offer_id>/link/", offers.offer_link, name="offer-link"),
    path("offers/<uuid:offer_id>/lines/", offers.offer_lines, name="offer-lines"),
    path("offers/<uuid:offer_id>/lines/add/", offers.offer_line_add, name="offer-line-add"),
    path(
        "offers/<uuid:offer_id>/lines/add-product/",
        offers.offer_line_add_product,
        name="offer-line-add-product",
    ),
    path("offers/lines/<uuid:line_id>/", offers.offer_line_update, name="offer-line-update"),
    path("offers/lines/<uuid:line_id>/delete/", offers.offer_line_delete, name="offer-line-delete"),
    path("pipeline/", pipeline.pipeline_board, name="pipeline"),
    path("pipeline/<uuid:offer_id>/move/", pipeline.pipeline_move, name="pipeline-move"),
]
