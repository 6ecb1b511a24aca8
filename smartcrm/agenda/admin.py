from django.contrib import admin

from smartcrm.agenda.models import CalendarFeed, DailyAgenda
from smartcrm.core.admin_site import ReadOnlyAdmin


@admin.register(CalendarFeed)
class CalendarFeedAdmin(ReadOnlyAdmin):
    list_display = ["user", "organization", "created_at", "revoked_at"]
    list_select_related = ["organization", "user"]
    exclude = ["nonce"]


@admin.register(DailyAgenda)
class DailyAgendaAdmin(ReadOnlyAdmin):
    list_display = ["user", "organization", "enabled", "send_at", "next_at", "last_sent_on"]
    list_select_related = ["organization", "user"]
