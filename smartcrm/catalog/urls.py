"""Web pages of the catalog app (included at the site root by smartcrm/urls.py)."""

from django.urls import path

from smartcrm.catalog import views

app_name = "catalog"

urlpatterns = [
    path("products/", views.product_list, name="product-list"),
    path("products/new/", views.product_new, name="product-new"),
    path("products/search/", views.product_search, name="product-search"),
    path("products/<uuid:product_id>/", views.product_detail, name="product"),
    path("products/<uuid:product_id>/active/", views.product_set_active, name="product-active"),
    path("exchange-rates/", views.exchange_rates, name="exchange-rates"),
    path("exchange-rates/fetch-bnr/", views.exchange_rates_fetch, name="exchange-rates-fetch"),
]
