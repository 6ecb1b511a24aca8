from django.contrib import admin

from smartcrm.core.admin_site import ReadOnlyAdmin
from smartcrm.notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "kind", "user", "organization", "created_at", "read_at"]
    list_select_related = ["organization", "user"]
