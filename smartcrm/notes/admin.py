from django.contrib import admin

from smartcrm.core.admin_site import ReadOnlyAdmin
from smartcrm.notes.models import Note


@admin.register(Note)
class NoteAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "organization", "created_at"]
    list_select_related = ["organization"]
