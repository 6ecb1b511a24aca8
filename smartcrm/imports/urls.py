"""Web pages of the imports app (included at the site root by smartcrm/urls.py)."""

from django.urls import path

from smartcrm.imports import views

app_name = "imports"

urlpatterns = [
    path("imports/", views.import_list, name="import-list"),
    path("imports/new/", views.import_new, name="import-new"),
    path("imports/<uuid:import_id>/", views.import_detail, name="import"),
    path("imports/<uuid:import_id>/preview/", views.import_preview, name="import-preview"),
    path("imports/<uuid:import_id>/commit/", views.import_commit, name="import-commit"),
    path("imports/<uuid:import_id>/template/", views.import_save_template, name="import-template"),
    path("imports/<uuid:import_id>/progress/", views.import_progress, name="import-progress"),
    path("imports/<uuid:import_id>/cancel/", views.import_cancel, name="import-cancel"),
    path("imports/<uuid:import_id>/resume/", views.import_resume, name="import-resume"),
    path("imports/<uuid:import_id>/undo/", views.import_undo, name="import-undo"),
    path(
        "imports/<uuid:import_id>/rejected.csv",
        views.import_rejected_csv,
        name="import-rejected",
    ),
]
