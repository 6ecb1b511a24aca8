from django.contrib import admin
from django.http import HttpRequest

from smartcrm.core.admin_site import ReadOnlyAdmin
from smartcrm.sales.models import Account, Offer, OfferLine, Prospect, RecordEvent


@admin.register(Prospect)
class ProspectAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "organization", "status", "priority", "county", "created_at"]
    list_filter = ["status", "priority"]
    search_fields = ["company_name", "last_name", "cui", "email"]
    list_select_related = ["organization"]


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin):
    list_display = ["name", "organization", "cui", "county", "created_at"]
    search_fields = ["name", "cui"]
    list_select_related = ["organization"]


class OfferLineInline(admin.TabularInline):
    model = OfferLine
    extra = 0
    can_delete = False
    fields = ("position", "code", "name", "quantity", "unit_price", "discount_percent",
              "vat_rate", "net_amount", "vat_amount", "gross_amount")  # fmt: skip
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Offer)
class OfferAdmin(ReadOnlyAdmin):
    list_display = ["number", "title", "account", "status", "total_gross", "currency"]
    list_filter = ["status", "currency"]
    search_fields = ["number", "title"]
    list_select_related = ["account"]
    inlines = [OfferLineInline]


@admin.register(RecordEvent)
class RecordEventAdmin(ReadOnlyAdmin):
    list_display = ["kind", "prospect", "account", "offer", "created_at"]
    list_filter = ["kind"]
