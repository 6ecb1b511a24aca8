from django.contrib import admin

from smartcrm.contacts.models import Contact
from smartcrm.core.admin_site import ReadOnlyAdmin


@admin.register(Contact)
class ContactAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "organization", "created_at"]
    list_select_related = ["organization"]
