from django.contrib import admin

from smartcrm.activities.models import Activity
from smartcrm.core.admin_site import ReadOnlyAdmin


@admin.register(Activity)
class ActivityAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "organization", "created_at"]
    list_select_related = ["organization"]
