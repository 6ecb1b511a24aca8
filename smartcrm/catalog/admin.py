from django.contrib import admin

from smartcrm.catalog.models import ExchangeRate, Product
from smartcrm.core.admin_site import ReadOnlyAdmin


@admin.register(Product)
class ProductAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "kind", "price", "currency", "vat_rate", "active"]
    list_filter = ["kind", "active", "currency"]
    search_fields = ["code", "name"]


@admin.register(ExchangeRate)
class ExchangeRateAdmin(ReadOnlyAdmin):
    list_display = ["currency", "date", "rate", "source", "organization"]
    list_filter = ["currency", "source"]
