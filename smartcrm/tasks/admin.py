from django.contrib import admin

from smartcrm.core.admin_site import ReadOnlyAdmin
from smartcrm.tasks.models import Task


@admin.register(Task)
class TaskAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "organization", "created_at"]
    list_select_related = ["organization"]
