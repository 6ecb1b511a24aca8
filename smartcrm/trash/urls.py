"""Web pages of the trash (included at the site root by smartcrm/urls.py)."""

from django.urls import path

from smartcrm.trash import views

app_name = "trash"

urlpatterns = [
    path("settings/trash/", views.trash_page, name="list"),
    path("settings/trash/<str:kind>/<uuid:record_id>/restore/", views.restore, name="restore"),
]
