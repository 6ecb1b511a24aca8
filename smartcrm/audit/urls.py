"""Web pages of the audit log (included at the site root by smartcrm/urls.py)."""

from django.urls import path

from smartcrm.audit import views

app_name = "audit"

urlpatterns = [
    path("settings/audit/", views.audit_log, name="log"),
    path("settings/audit/export.csv", views.audit_log_csv, name="log-csv"),
    path("history/<str:kind>/<uuid:record_id>/", views.history, name="history"),
]
