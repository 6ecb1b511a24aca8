"""Web pages of the notifications app (included at the site root by smartcrm/urls.py)."""

from django.urls import path

from smartcrm.notifications import views

app_name = "notifications"

urlpatterns = [
    path("notifications/", views.notification_list, name="list"),
    path("notifications/read-all", views.notification_read_all, name="read-all"),
    path("notifications/<uuid:notification_id>/read", views.notification_read, name="read"),
    path("notifications/preferences/", views.preferences, name="preferences"),
    path("notifications/calendar/", views.calendar_feed, name="calendar"),
]
