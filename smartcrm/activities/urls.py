"""Web pages of the activities app (included at the site root by smartcrm/urls.py)."""

from django.urls import path

from smartcrm.activities import views

app_name = "activities"

urlpatterns: list = [
    path("activities/", views.activity_list, name="activity-list"),
    path("activities/calendar/", views.calendar, name="calendar"),
    path("activities/new/", views.activity_new, name="activity-new"),
    path("activities/records/", views.parent_search, name="parent-search"),
    path("activities/section/<str:parent_kind>/<uuid:parent_id>/", views.section, name="section"),
    path(
        "activities/section/<str:parent_kind>/<uuid:parent_id>/new/",
        views.activity_create,
        name="activity-create",
    ),
    path("activities/<uuid:activity_id>/", views.activity_detail, name="activity"),
    path("activities/<uuid:activity_id>/done/", views.activity_done, name="activity-done"),
    path("activities/<uuid:activity_id>/cancel/", views.activity_cancel, name="activity-cancel"),
    path("activities/<uuid:activity_id>/replan/", views.activity_replan, name="activity-replan"),
    path("activities/<uuid:activity_id>/delete/", views.activity_delete, name="activity-delete"),
]
