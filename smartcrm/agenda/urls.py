"""Web pages of the agenda app (included at the site root by smartcrm/urls.py)."""

from django.urls import path

from smartcrm.agenda import views

app_name = "agenda"

urlpatterns = [
    path("calendar/feed/<uuid:feed_id>/<str:secret>.ics", views.feed, name="feed"),
    path("agenda/activities/<uuid:activity_id>.ics", views.activity_ics, name="activity-ics"),
]
