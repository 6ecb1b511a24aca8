from django.contrib import admin

from smartcrm.core.admin_site import ReadOnlyAdmin
from smartcrm.outreach.models import OfferLink


@admin.register(OfferLink)
class OfferLinkAdmin(ReadOnlyAdmin):
    list_display = ["offer", "organization", "expires_at", "revoked_at", "decision", "decided_at"]
    list_select_related = ["organization", "offer"]
    exclude = ["token_hash"]
